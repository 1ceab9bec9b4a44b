// `shoal get URL -o PATH`: one job through the facade, with live progress and a summary.
#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <thread>

#include "shoal/shoal.h"
#include "tools/shoal/commands.h"
#include "tools/shoal/job_runner.h"
#include "tools/shoal/status.h"

namespace shoal::cli {
namespace {

// 64 hex digits -> 32 bytes; false if malformed.
bool ParseSha256(const std::string& hex, std::string* out) {
  if (hex.size() != 64) return false;
  out->clear();
  for (std::size_t i = 0; i < 64; i += 2) {
    unsigned byte = 0;
    if (std::sscanf(hex.c_str() + i, "%2x", &byte) != 1 || !std::isxdigit(hex[i]) ||
        !std::isxdigit(hex[i + 1])) {
      return false;
    }
    out->push_back(static_cast<char>(byte));
  }
  return true;
}

bool LooksLikeHttpUrl(const std::string& url) {
  for (const char* scheme : {"http://", "https://"}) {
    const std::string s = scheme;
    if (url.rfind(s, 0) == 0 && url.size() > s.size() && url[s.size()] != '/') return true;
  }
  return false;
}

// {"t":1.234,"bytes":..,"total":..,"from_peers":..,"from_cache_server":..,"from_http":..,
// "state":".."}, flushed.
void PrintProgressLine(const JobSample& s, std::chrono::steady_clock::time_point start) {
  const double t = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const nlohmann::json line = {{"t", std::round(t * 1000) / 1000},
                               {"bytes", s.bytes_done},
                               {"total", SizeJson(s.bytes_total)},
                               {"from_peers", s.from_peers},
                               {"from_cache_server", s.from_cache_server},
                               {"from_http", s.from_http},
                               {"state", s.state}};
  std::printf("%s\n", line.dump().c_str());
  std::fflush(stdout);
}

// Why `path` cannot be the output ("" when it is absent or a regular file): the engine replaces
// only a regular file, and a FIFO or a device (think -o /dev/null) must never become one.
std::string NotAFileToReplace(const std::string& path) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0 || S_ISREG(st.st_mode)) return "";
  if (S_ISLNK(st.st_mode)) return "it is a symbolic link; name the file itself";
  if (S_ISFIFO(st.st_mode)) return "it is a FIFO; shoal writes only a regular file";
  if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode)) {
    return "it is a device; shoal writes only a regular file";
  }
  return "it is not a regular file";
}

}  // namespace

int RunGet(const GetArgs& args) {
  if (!LooksLikeHttpUrl(args.url)) {
    Complain("malformed URL '" + args.url + "': want http://host/path or https://host/path");
    return kExitBadInput;
  }
  std::error_code ec;
  const std::string output = std::filesystem::absolute(args.output, ec).string();
  if (ec || args.output.empty() || std::filesystem::is_directory(output)) {
    Complain("bad output path '" + args.output + "': want a file name");
    return kExitBadInput;
  }
  if (const std::string why = NotAFileToReplace(output); !why.empty()) {
    Complain("bad output path '" + args.output + "': " + why);
    return kExitBadInput;
  }
  JobSpec spec;
  spec.url = args.url;
  spec.path = output;
  spec.http_only = args.http_only;
  spec.foreground = !args.background;
  spec.retry_delay_s = args.retry_delay_s;
  spec.no_progress_timeout_s = args.no_progress_timeout_s;
  if (!args.sha256.empty() && !ParseSha256(args.sha256, &spec.sha256)) {
    Complain("bad --sha256 '" + args.sha256 + "': want 64 hex digits");
    return kExitBadInput;
  }
  std::string error;
  if (!args.torrent.empty() && !ReadWholeFile(args.torrent, &spec.metainfo, &error)) {
    Complain(error);
    return kExitBadInput;
  }

  // A `get` seeds into a data_dir's cache only when asked to (--seed).
  shoal::Settings options;
  if (!args.settings.Load(&options, nullptr,
                          {{"seed_after_complete", args.seed ? "1" : "0",
                            args.seed ? "--seed" : "shoal get without --seed"}})) {
    return kExitBadInput;
  }
  if (options.data_dir.empty() && args.resume) {
    options.data_dir = DefaultDataDir();
    if (options.data_dir.empty()) {
      Complain("--continue: neither XDG_STATE_HOME nor HOME is set; use --data-dir");
      return kExitBadInput;
    }
  }
  // The service unless asked (or implied) otherwise; standalone when none can be had.
  const std::string engine_flag = args.settings.FirstGiven();
  const std::string implied = !engine_flag.empty() ? engine_flag
                              : args.resume        ? "--continue"
                              : args.seed          ? "--seed"
                                                   : "";
  if ((args.service || args.detach) && !implied.empty()) {
    Complain(std::string(args.service ? "--service" : "--detach") + " and " + implied +
             ": that option configures an engine of this process (--standalone)");
    return kExitBadInput;
  }
  bool use_service = args.service || (!args.standalone && implied.empty());
  if (use_service && !args.service) {
    std::string why;
    const std::string socket = shoal::FindService(&why);
    if (!socket.empty()) {
      ::setenv("SHOAL_SOCKET", socket.c_str(), 1);
    } else if (args.detach) {
      Complain("--detach needs shoald: " + why);
      return kExitFailed;
    } else {
      if (!args.json && !args.progress_jsonl) {
        std::fprintf(stderr, "shoal: %s; downloading standalone\n", why.c_str());
      }
      use_service = false;
    }
  }
  // Service jobs are durable in the service's own state.
  const bool durable = !options.data_dir.empty() || use_service;
  ComPtr<IBackgroundCopyManager> manager;
  if (use_service) {
    if (const int code = ConnectToService(&manager); code != kExitOk) return code;
  } else if (FAILED(shoal::CreateBackgroundCopyManager(options, manager.Put(), &error))) {
    Complain("cannot start the engine: " + error);
    return kExitBadInput;
  }
  JobRunner job;
  const bool continued = durable && job.Attach(manager.get(), spec);
  if (continued) {
    std::fprintf(stderr, "shoal: continuing the earlier download of %s\n", output.c_str());
  } else if (HRESULT hr = job.Start(manager.get(), spec, &error); FAILED(hr)) {
    Complain(error);
    // Refusals of what the user typed (arguments, metainfo, destination) are bad input.
    const bool bad_input = hr == E_INVALIDARG || hr == E_ACCESSDENIED ||
                           hr == HRESULT_FROM_WIN32(2) || hr == HRESULT_FROM_WIN32(3) ||
                           hr == HRESULT_FROM_WIN32(13);
    return bad_input ? kExitBadInput : kExitFailed;
  }

  if (args.detach) {
    if (args.json) {
      const nlohmann::json detached = {{"url", args.url}, {"output", output},
                                       {"id", GuidText(job.Id())}, {"detached", true}};
      std::printf("%s\n", detached.dump(2).c_str());
    } else {
      std::printf("%s\n", GuidText(job.Id()).c_str());
    }
    std::fprintf(stderr,
                 "shoal: %s continues in shoald; the same command, or `shoal wait %s && shoal "
                 "complete %s`, finishes it\n",
                 output.c_str(), GuidText(job.Id()).c_str(), GuidText(job.Id()).c_str());
    return kExitOk;
  }
  const auto start = std::chrono::steady_clock::now();
  // A continued download already has bytes from its earlier run: the rate counts this run's.
  const std::uint64_t bytes_at_start = job.Sample("").bytes_done;
  ProgressView view(stderr);
  const std::string label = std::filesystem::path(output).filename().string();
  StatusReport report("get");
  auto report_now = [&](const std::string& state_name, bool force) {
    const JobSample s = job.Sample(label);
    report.Update({{"state", state_name},
                   {"what", output},
                   {"url", args.url},
                   {"bytes", s.bytes_done},
                   {"total", SizeJson(s.bytes_total)},
                   {"stats", ToJson(job.Stats())},
                   {"engine", EngineStatsJson(manager.get())}},
                  force);
  };
  BG_JOB_STATE state;
  std::string last_transient;
  bool hinted_no_http = false;
  for (;;) {
    state = job.State();
    // A transient error is retried by the job: say once why, and which URL, as it happens.
    if (state == BG_JOB_STATE_TRANSIENT_ERROR && !args.json && !args.progress_jsonl) {
      if (const std::string why = job.ErrorText(); why != last_transient) {
        view.Note("shoal: " + why + "; retrying");
        last_transient = why;
      }
    }
    // Peers only, and no peer yet: say once that this waits for one, rather than nothing.
    if (options.no_http && !hinted_no_http && !args.json && !args.progress_jsonl &&
        state != BG_JOB_STATE_TRANSFERRED && job.Stats().NumPeers == 0 &&
        std::chrono::steady_clock::now() - start > std::chrono::seconds(10)) {
      view.Note(
          "shoal: no peer has offered this content yet, and --no-http keeps the CDN out: "
          "waiting for peers (--peer, --tracker, --lsd); Ctrl-C to stop");
      hinted_no_http = true;
    }
    report_now(StateName(state), false);
    if (args.progress_jsonl) {
      PrintProgressLine(job.Sample(label), start);
    } else if (!args.json) {
      view.Draw({job.Sample(label)});
    }
    if (state == BG_JOB_STATE_TRANSFERRED || state == BG_JOB_STATE_ERROR) break;
    if (g_interrupted && durable) {
      if (use_service) job.Suspend();  // else it would go on in the service
      Complain(use_service ? "interrupted; the job is suspended in shoald: run the same command "
                             "again to continue"
                           : "interrupted; run the same command again to continue");
      return kExitInterrupted;
    }
    if (g_interrupted) {
      job.Cancel();
      Complain("interrupted; the partial download was removed");
      return kExitInterrupted;
    }
    // The display redraws every 150 ms, but the end of the transfer is seen within 10 ms: a
    // small file should not wait out a redraw (issue 14's first minute).
    for (int slice = 0; slice < 15 && !g_interrupted; ++slice) {
      const BG_JOB_STATE now = job.State();
      if (now == BG_JOB_STATE_TRANSFERRED || now == BG_JOB_STATE_ERROR) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }
  view.Finish();
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const JobSample s = job.Sample(label);
  nlohmann::json summary = {{"url", args.url},
                            {"path", output},
                            {"bytes", s.bytes_done},
                            {"seconds", seconds},
                            {"from_peers", s.from_peers},
                            {"from_cache_server", s.from_cache_server},
                            {"from_http", s.from_http}};
  if (state == BG_JOB_STATE_ERROR) {
    const std::string why = job.ErrorText();
    summary["state"] = "error";
    summary["hresult"] = DescribeHr(job.ErrorCode());
    summary["error"] = why;
    if (args.json) std::printf("%s\n", summary.dump(2).c_str());
    Complain("download failed: " + why);
    job.Cancel();
    return kExitFailed;
  }
  const HRESULT done = job.Complete();
  if (FAILED(done)) {
    Complain("cannot move the file into place: " + DescribeHr(done));
    return kExitFailed;
  }
  // DO's PercentPeerCaching: the peers' and the cache node's share.
  const double shared = static_cast<double>(s.from_peers + s.from_cache_server);
  const double total = shared + static_cast<double>(s.from_http);
  const double pct = total > 0 ? 100.0 * shared / total : 0;
  summary["state"] = "complete";
  summary["percent_peer_caching"] = pct;
  // Get-DeliveryOptimizationStatus' fields, as IShoalJob3::GetStats reports them.
  const SHOAL_TRANSFER_STATS st = job.Stats();
  summary["stats"] = ToJson(st);
  if (args.json) {
    std::printf("%s\n", summary.dump(2).c_str());
  } else {
    std::fprintf(
        stderr,
        "%s: %s in %.1f s (%s/s); from peers %s, from cache server %s, from CDN %s, %.1f%% peer "
        "caching\n",
        output.c_str(), ProgressView::Bytes(s.bytes_done).c_str(), seconds,
        ProgressView::Bytes(
            static_cast<double>(s.bytes_done - std::min(s.bytes_done, bytes_at_start)) /
            std::max(seconds, 1e-3))
            .c_str(),
        ProgressView::Bytes(s.from_peers).c_str(), ProgressView::Bytes(s.from_cache_server).c_str(),
        ProgressView::Bytes(s.from_http).c_str(), pct);
  }
  std::fflush(stdout);
  if (args.seed) {
    ComPtr<IShoalManager> ext;
    LPWSTR endpoint = nullptr;
    if (SUCCEEDED(manager->QueryInterface(IID_IShoalManager, ext.PutVoid())) &&
        SUCCEEDED(ext->GetListenEndpoint(&endpoint))) {
      std::fprintf(stderr, "seeding on %s; Ctrl-C to stop\n", TakeString(endpoint).c_str());
    }
    while (!g_interrupted) {
      report_now("seeding", false);
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
  }
  return kExitOk;
}

}  // namespace shoal::cli
