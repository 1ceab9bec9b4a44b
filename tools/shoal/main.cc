// The `shoal` command line: get, make-metainfo, seed, config, demo, sim, status, and the
// service's jobs, cancel, suspend, resume, complete, wait and daemon.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>

#include "shoal/version.h"
#include "tools/shoal/commands.h"
#include "tools/shoal/status.h"

int main(int argc, char** argv) {
  using namespace shoal::cli;
  CLI::App app{"shoal: peer-to-peer delivery optimization with a BITS/DO job API"};
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string("shoal ") + shoal::Version());

  GetArgs get;
  auto* g = app.add_subcommand("get", "download URL to PATH from peers first, then the CDN");
  g->add_option("url", get.url, "the content's URL on the CDN")->required();
  g->add_option("-o,--output", get.output, "where the file appears once whole and verified")
      ->required();
  g->add_option("--torrent", get.torrent, "metainfo for the content (default: URL.torrent)");
  g->add_option("--sha256", get.sha256, "expected SHA-256 of the whole file (64 hex digits)");
  g->add_flag("--http-only", get.http_only, "no metainfo: plain HTTP from the origin");
  g->add_option("--retry-delay", get.retry_delay_s,
                "seconds between retries after a transient error (default 5)");
  g->add_option("--no-progress-timeout", get.no_progress_timeout_s,
                "seconds of failures without progress before giving up (default 60)");
  g->add_flag("--background", get.background, "background priority (HTTP waits longer)");
  g->add_flag("-c,--continue", get.resume,
              "keep the job in data_dir, else the default ($XDG_STATE_HOME/shoal or "
              "~/.local/state/shoal): after Ctrl-C or a crash, the same command continues it");
  g->add_flag("--seed", get.seed, "keep serving the file to peers until interrupted");
  auto* standalone = g->add_flag(
      "--standalone", get.standalone,
      "an engine of this process instead of shoald (implied by settings flags, --continue and "
      "--seed); Ctrl-C then removes the partial download");
  g->add_flag("--service", get.service,
              "insist on shoald (the default when one answers or can be started): fail if none")
      ->excludes(standalone);
  g->add_flag("--detach", get.detach,
              "leave the job running in shoald and exit; the same command (or `shoal complete "
              "JOB`) finishes it")
      ->excludes(standalone);
  auto* json = g->add_flag("--json", get.json, "print the summary as JSON on stdout");
  g->add_flag("--progress-jsonl", get.progress_jsonl,
              "print one JSON progress line per ~150 ms on stdout (for harnesses)")
      ->excludes(json);
  std::vector<SettingShortcut> get_flags = NetShortcuts();
  get_flags.insert(
      get_flags.end(),
      {{"--no-http", "peers only: never use the CDN (no_http)", "", {"no_http"}, true},
       {"--http-delay",
        "seconds to wait for peers before the CDN joins (DODelay*DownloadFromHttp)",
        "SECONDS",
        {"delay_foreground_download_from_http_s", "delay_background_download_from_http_s"}},
       {"--max-download-kbps",
        "download cap in KB/s, peers and CDN together (DOMax*DownloadBandwidth)",
        "KBPS",
        {"max_foreground_download_kbps", "max_background_download_kbps"}},
       {"--max-upload-kbps",
        "upload cap to peers in KB/s (DOMaxUploadBandwidth)",
        "KBPS",
        {"max_upload_kbps"}},
       {"--cache-host",
        "the site's cache node (repeatable, tried in order; DOCacheHost)",
        "HOST[:PORT]",
        {"cache_host"},
        false,
        true},
       {"--cache-public-key",
        "the cache node's Ed25519 public key, PEM (cache_public_key)",
        "FILE",
        {"cache_public_key"}},
       {"--data-dir",
        "keep the job in DIR (data_dir): after Ctrl-C or a crash, the same command continues it",
        "DIR",
        {"data_dir"}}});
  get.settings.Add(g, std::move(get_flags));
  g->get_option("--http-delay")->check(CLI::Range(0, 86400), "");

  MakeMetainfoArgs mm;
  auto* m = app.add_subcommand("make-metainfo", "write a v2/hybrid .torrent for FILE");
  m->add_option("file", mm.file, "the content")->required()->check(CLI::ExistingFile);
  m->add_option("--web-seed", mm.web_seeds, "the content's CDN URL (repeatable)")->required();
  m->add_option("--tracker", mm.trackers, "a tracker URL (repeatable)");
  m->add_option("--piece-kib", mm.piece_kib, "piece size in KiB (default: from the size)");
  auto* v2 = m->add_flag("--v2-only", mm.v2_only, "v2 only instead of hybrid v1+v2");
  m->add_flag("--v1", mm.v1_only, "v1 only instead of hybrid (for aria2 1.36 and older clients)")
      ->excludes(v2);
  m->add_option("-o,--output", mm.output, "the .torrent to write")->required();

  SeedArgs seed;
  auto* s = app.add_subcommand("seed", "serve content in DIR to peers until interrupted");
  s->add_option("torrent", seed.torrent, "the content's .torrent")->required();
  s->add_option("--dir", seed.dir, "the folder holding the content")->required();
  seed.settings.Add(s, NetShortcuts());

  ConfigArgs config;
  auto* c = app.add_subcommand("config",
                               "print every effective setting, its value and where it came from");
  c->add_flag("--json", config.json, "print them as JSON");
  config.settings.Add(c);

  DemoArgs demo;
  auto* d = app.add_subcommand("demo", "a simulated site: a capped CDN origin and N peers");
  d->add_option("--peers", demo.peers, "downloading peers")->check(CLI::Range(1, 16));
  d->add_option("--size-mib", demo.size_mib, "file size in MiB")->check(CLI::Range(1, 4096));
  d->add_option("--cdn-mib-s", demo.cdn_mib_s, "the CDN link's cap in MiB/s")
      ->check(CLI::Range(1, 10000));
  d->add_flag("--seed-peer", demo.seed_peer, "add a peer that has the content from the start");

  SimArgs sim;
  auto* sm = app.add_subcommand(
      "sim", "a simulated site: capped CDN origin, N peers as processes, curl/aria2c baselines");
  sm->add_option("scenario", sim.scenario, "scenario JSON (see tools/sim/scenarios/)")
      ->required()
      ->check(CLI::ExistingFile);
  sm->add_option("--out", sim.out, "folder for results.json and the SVGs");
  sm->add_flag("--keep", sim.keep,
               "keep content, downloads and progress streams in OUT/work (replaced)")
      ->needs(sm->get_option("--out"));
  sm->add_flag("--no-baselines", sim.no_baselines, "run shoal only, not curl or aria2c");

  StatusArgs status;
  auto* st = app.add_subcommand(
      "status", "what this user's running `shoal get` and `shoal seed` processes are doing");
  st->add_flag("--json", status.json, "print the reports as a JSON array");

  JobsArgs jobs;
  auto* js = app.add_subcommand("jobs", "list this user's jobs in the service (shoald)");
  js->add_flag("--all-users", jobs.all_users, "every user's jobs (root only)");
  js->add_flag("--json", jobs.json, "print them as JSON");
  JobCommandArgs job_cmd;
  std::vector<CLI::App*> job_cmds;
  for (const char* name : {"cancel", "suspend", "resume", "complete", "wait"}) {
    auto* jc = app.add_subcommand(name, std::string(name) == "wait"
                                            ? "wait until a service job is TRANSFERRED or in ERROR"
                                            : std::string(name) + " a job in the service");
    jc->add_option("job", job_cmd.job, "the job's id, {XXXXXXXX-...}")->required();
    jc->add_flag("--json", job_cmd.json, "print the job as JSON");
    job_cmds.push_back(jc);
  }
  std::vector<std::string> daemon_args;
  auto* dm =
      app.add_subcommand("daemon", "run shoald, the machine-wide service (its flags follow)");
  dm->allow_extras();
  dm->prefix_command();

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // Asked for JSON, a harness reads stdout: the usage error goes there too, as JSON.
    bool json = false;
    for (int i = 1; i < argc; ++i) json = json || std::string(argv[i]) == "--json";
    if (json && e.get_exit_code() != 0) {
      const nlohmann::json out = {{"error", e.what()}, {"exit_code", kExitBadInput}};
      std::printf("%s\n", out.dump(2).c_str());
    }
    const int code = app.exit(e);
    return code == 0 ? kExitOk : kExitBadInput;
  }
  InstallSignalHandlers();
  if (*g) return RunGet(get);
  if (*m) return RunMakeMetainfo(mm);
  if (*s) return RunSeed(seed);
  if (*c) return RunConfig(config);
  if (*d) return RunDemo(demo);
  if (*sm) return RunSim(sim);
  if (*st) return RunStatus(status);
  if (*js) return RunJobs(jobs);
  for (CLI::App* jc : job_cmds) {
    if (!*jc) continue;
    job_cmd.command = jc->get_name();
    return RunJobCommand(job_cmd);
  }
  if (*dm) return RunDaemonCommand(dm->remaining());
  return kExitBadInput;
}
