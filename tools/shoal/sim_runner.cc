#include "tools/shoal/sim_runner.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <fstream>
#include <memory>
#include <optional>
#include <thread>

#include "tools/shoal/commands.h"
#include "tools/shoal/sim_cache.h"
#include "tools/shoal/sim_process.h"

namespace shoal::cli {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

constexpr auto kTick = std::chrono::milliseconds(100);
constexpr int kNetnsPort = 6881;  // each host of the emulated site has its own stack

std::string PeerIp(int i) { return "127.0.0." + std::to_string(10 + i); }

// One client process and what the round knows about it.
struct Slot {
  PeerResult result;
  std::string ns;  // its network namespace on the emulated site, "" on loopback
  std::string ip;
  int port = 0;
  fs::path dir;     // its own folder
  fs::path output;  // where its copy of the file ends up
  fs::path stream;  // shoal: the --progress-jsonl stdout
  std::size_t stream_offset = 0;
  std::optional<Child> child;
  bool started = false;
  bool finished = false;  // done, failed or killed: no longer watched
};

void Record(PeerResult& r, double t, std::uint64_t bytes) {
  if (!r.samples.empty() && bytes < r.samples.back().second) r.monotonic = false;
  r.samples.emplace_back(t, bytes);
  r.bytes = bytes;
}

// Reads the complete lines a shoal peer has added to its progress stream.
void ReadStream(Slot& s) {
  std::ifstream in(s.stream, std::ios::binary);
  in.seekg(static_cast<std::streamoff>(s.stream_offset));
  std::string line;
  while (std::getline(in, line)) {
    if (in.eof()) break;  // a partial last line: read it next time
    s.stream_offset += line.size() + 1;
    const auto j = nlohmann::json::parse(line, nullptr, false);
    if (!j.is_object()) continue;
    PeerResult& r = s.result;
    const double t = r.start_s + j.value("t", 0.0);
    Record(r, t, j.value("bytes", std::uint64_t{0}));
    r.total = j.contains("total") && j["total"].is_number() ? j["total"].get<std::uint64_t>() : 0;
    r.from_peers = j.value("from_peers", std::uint64_t{0});
    r.from_http = j.value("from_http", std::uint64_t{0});
    r.from_cache_server = j.value("from_cache_server", std::uint64_t{0});
    const std::string state = j.value("state", std::string());
    if (state == "transferred" && r.bytes == r.total && r.done_s < 0) r.done_s = t;
    if (state == "error") r.failure = "the job went to ERROR";
  }
}

std::vector<std::string> ShoalArgv(const Site& site, const std::vector<Slot>& slots, int i,
                                   const std::vector<std::string>& extra_peers,
                                   const std::string& outsider,
                                   const std::vector<std::string>& cache_args) {
  const Scenario& sc = site.scenario;
  const Slot& s = slots[static_cast<std::size_t>(i)];
  std::vector<std::string> a = {site.self, "get", site.url, "-o", s.output.string(),
                                "--standalone", "--no-config", "--listen",
                                s.ip + ":" + std::to_string(s.port), "--seed",
                                "--progress-jsonl"};
  // With a cache node the URL is plain: its metainfo comes from the node.
  if (cache_args.empty()) a.insert(a.end(), {"--torrent", site.torrent.string()});
  a.insert(a.end(), cache_args.begin(), cache_args.end());
  if (sc.lsd) {
    a.push_back("--lsd");  // and no peer list: every peer is found by LSD or not at all
  } else {
    for (std::size_t j = 0; sc.peer_list && j < slots.size(); ++j) {
      if (static_cast<int>(j) != i) a.insert(a.end(), {"--peer", slots[j].ip + ":" + std::to_string(slots[j].port)});
    }
    for (const std::string& p : extra_peers) a.insert(a.end(), {"--peer", p});
  }
  if (sc.http_delay_s >= 0) a.insert(a.end(), {"--http-delay", std::to_string(sc.http_delay_s)});
  if (sc.no_http) a.push_back("--no-http");
  if (sc.background) a.push_back("--background");
  if (sc.peer_down_bytes_per_s > 0) {
    a.insert(a.end(), {"--max-download-kbps", std::to_string(sc.peer_down_bytes_per_s / 1024)});
  }
  if (sc.peer_up_bytes_per_s > 0) {
    a.insert(a.end(), {"--max-upload-kbps", std::to_string(sc.peer_up_bytes_per_s / 1024)});
  }
  if (site.group) {
    const auto g = GroupArgs(site.group->ca_cert, *site.group);
    a.insert(a.end(), g.begin(), g.end());
  }
  // Members are told of the outsider too (as a tracker or a bad peer list might): they dial
  // it, and with a peer configured never count as lone, so the CDN waits its delay.
  if (!outsider.empty()) a.insert(a.end(), {"--peer", outsider});
  return a;
}

std::vector<std::string> Aria2Argv(const Site& site, const Slot& s, const fs::path& hook) {
  const Scenario& sc = site.scenario;
  return {"aria2c",
          "--max-download-limit=" + std::to_string(sc.peer_down_bytes_per_s),  // 0 = none
          "--max-upload-limit=" + std::to_string(sc.peer_up_bytes_per_s), "--dir=" + s.dir.string(), "--enable-dht=false", "--enable-dht6=false",
          "--bt-enable-lpd=false", "--disable-ipv6=true", "--seed-ratio=0.0",
          "--seed-time=100000", "--listen-port=" + std::to_string(s.port),
          "--interface=" + s.ip, "--file-allocation=none", "--summary-interval=0",
          "--console-log-level=warn", "--on-bt-download-complete=" + hook.string(),
          site.torrent.string()};
}

double Percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const auto rank = static_cast<std::size_t>(std::ceil(p * static_cast<double>(v.size())));
  return v[std::clamp<std::size_t>(rank, 1, v.size()) - 1];
}

}  // namespace

bool RunResult::Correct() const {
  if (!available || timed_out || interrupted) return false;
  return std::all_of(peers.begin(), peers.end(),
                     [](const PeerResult& p) { return p.killed || (p.done_s >= 0 && p.byte_exact); });
}

RunResult RunRound(const Site& site, const std::string& client) {
  const Scenario& sc = site.scenario;
  RunResult run;
  run.client = client;
  const bool via_curl = client == "curl" || client == "apt-cacher-ng";
  const std::string tool = via_curl ? "curl" : client;
  if (client != "shoal" && !HaveTool(tool)) {
    run.available = false;
    run.unavailable_reason = tool + " is not installed (tools/bootstrap.sh installs it)";
    return run;
  }
  if (client == "aria2c" && site.tracker_url.empty()) {
    run.available = false;
    run.unavailable_reason = "aria2c needs the tracker to find peers, and opentracker is missing";
    return run;
  }
  const fs::path round_dir = site.work / client;
  std::error_code ec;
  fs::remove_all(round_dir, ec);  // a kept folder from an earlier run must not be read as this one
  fs::create_directories(round_dir);
  const fs::path hook = round_dir / "done-hook.sh";
  if (client == "aria2c") {
    std::ofstream(hook) << "#!/bin/sh\n# aria2c: GID, number of files, first file's path\n"
                           ": > \"$3.done\"\n";
    fs::permissions(hook, fs::perms::owner_all);
  }
  std::vector<Slot> slots(static_cast<std::size_t>(sc.peers));
  const std::string name = site.content.filename().string();
  for (int i = 0; i < sc.peers; ++i) {
    Slot& s = slots[static_cast<std::size_t>(i)];
    s.ip = site.net ? NetSite::PeerIp(i) : PeerIp(i);
    s.ns = site.net ? site.net->PeerNs(i) : "";
    s.port = site.net ? kNetnsPort : FreePort(s.ip);
    s.dir = round_dir / ("peer" + std::to_string(i));
    fs::create_directories(s.dir);
    s.output = s.dir / name;
    s.stream = s.dir / "progress.jsonl";
    std::ofstream(s.stream, std::ios::trunc);  // exists and is empty before the child starts
    s.result.id = i;
    s.result.address = s.ip + (via_curl ? "" : ":" + std::to_string(s.port));
    s.result.start_s = ArrivalS(sc, i);
    s.result.total = sc.file_bytes;
  }

  std::string error;
  std::optional<Child> seeder;
  std::optional<Child> corrupt;
  std::vector<std::string> extra_peers;  // given to shoal peers; aria2c finds them by tracker
  // Starts a helper peer on `ip` (in `ns` on the emulated site) and waits (up to 10 s) until
  // it listens.
  auto helper = [&](const std::string& ns, const std::string& ip, auto make_argv,
                    const char* role) {
    const int port = site.net ? kNetnsPort : FreePort(ip);
    std::optional<Child> c =
        Child::Spawn(make_argv(port), "", (round_dir / (std::string(role) + ".log")).string(),
                     &error, ns);
    for (int i = 0; i < 100 && c && !ListeningIn(ns, ip, port); ++i) {
      std::this_thread::sleep_for(kTick);
    }
    const std::string endpoint = ip + ":" + std::to_string(port);
    if (c) extra_peers.push_back(endpoint);
    if (c && ListeningIn(ns, ip, port)) run.helpers.push_back(std::string(role) + " " + endpoint);
    return c;
  };
  const auto helper_ns = [&](int k) { return site.net ? site.net->HelperNs(k) : ""; };
  const auto helper_ip = [&](int k) {
    return site.net ? NetSite::HelperIp(k) : "127.0.0." + std::to_string(9 - k);
  };
  if (sc.seeder && client != "curl") {
    seeder = helper(helper_ns(0), helper_ip(0), [&](int port) {
      std::vector<std::string> a = {site.self,   "seed",  "--no-config",
                                    site.torrent.string(), "--dir", site.seed_dir.string(),
                                    "--listen",  helper_ip(0) + ":" + std::to_string(port)};
      if (sc.lsd) a.push_back("--lsd");
      if (site.group) {
        const auto g = GroupArgs(site.group->ca_cert, *site.group);
        a.insert(a.end(), g.begin(), g.end());
      }
      return a;
    }, "seeder");
  }
  if (sc.corrupt_peer && client != "curl" && HaveTool("aria2c")) {
    corrupt = helper(helper_ns(1), helper_ip(1), [&](int port) {
      return std::vector<std::string>{
          "aria2c", "--dir=" + site.corrupt_dir.string(), "--bt-seed-unverified=true",
          "--seed-ratio=0.0", "--enable-dht=false", "--enable-dht6=false",
          "--bt-enable-lpd=false", "--disable-ipv6=true", "--listen-port=" + std::to_string(port),
          "--interface=" + helper_ip(1), "--summary-interval=0", "--console-log-level=warn",
          site.torrent.string()};
    }, "corrupt");
  }

  // The far peer: on the other subnet, no CDN, dialling every LAN peer; LAN mode must refuse it.
  std::optional<Child> far;
  const fs::path far_stream = round_dir / "far-progress.jsonl";
  if (sc.far_peer && client == "shoal" && site.net) {
    std::vector<std::string> a = {site.self, "get", site.url, "-o",
                                  (round_dir / "far.bin").string(), "--standalone",
                                  "--no-config", "--torrent",
                                  site.torrent.string(), "--listen",
                                  NetSite::FarIp() + ":" + std::to_string(kNetnsPort),
                                  "--no-http", "--progress-jsonl"};
    for (const Slot& s : slots) a.insert(a.end(), {"--peer", s.ip + ":" + std::to_string(s.port)});
    far = Child::Spawn(a, far_stream.string(), (round_dir / "far.log").string(), &error,
                       site.net->FarNs());
  }
  // The group outsider: on the LAN subnet (LAN mode would let it in), no CDN, dialling every
  // member; Group mode must neither give it a byte nor take one from it.
  std::optional<Child> outsider;
  std::string outsider_endpoint;  // once it listens
  const fs::path outsider_stream = round_dir / "outsider-progress.jsonl";
  const std::string outsider_at = site.net ? NetSite::HelperIp(2) + ":" + std::to_string(kNetnsPort) : "";
  if (!sc.outsider.empty() && client == "shoal" && site.net && site.group) {
    const bool foreign = sc.outsider == "foreign-ca";
    const fs::path torrent = site.torrent;  // Group mode derives the group's from it
    std::vector<std::string> a =
        sc.outsider_seeds
            ? std::vector<std::string>{site.self, "seed", "--no-config", torrent.string(), "--dir",
                                       site.seed_dir.string()}
            : std::vector<std::string>{site.self, "get", site.url, "-o",
                                       (round_dir / "outsider.bin").string(), "--standalone",
                                       "--no-config", "--torrent", torrent.string(), "--no-http",
                                       "--progress-jsonl"};
    a.insert(a.end(), {"--listen", outsider_at});
    if (foreign) {
      const auto g = GroupArgs(site.group->ca_cert, *site.foreign);  // the group's CA, not its cert
      a.insert(a.end(), g.begin(), g.end());
    }
    for (const Slot& s : slots) a.insert(a.end(), {"--peer", s.ip + ":" + std::to_string(s.port)});
    if (sc.seeder) a.insert(a.end(), {"--peer", NetSite::HelperIp(0) + ":" + std::to_string(kNetnsPort)});
    outsider = Child::Spawn(a, sc.outsider_seeds ? "" : outsider_stream.string(),
                            (round_dir / "outsider.log").string(), &error, site.net->HelperNs(2));
    for (int i = 0; i < 100 && outsider && !ListeningIn(site.net->HelperNs(2), NetSite::HelperIp(2), kNetnsPort); ++i) {
      std::this_thread::sleep_for(kTick);
    }
    if (outsider && ListeningIn(site.net->HelperNs(2), NetSite::HelperIp(2), kNetnsPort)) {
      outsider_endpoint = outsider_at;
      run.helpers.push_back("outsider " + outsider_at + " (" + sc.outsider +
                            (sc.outsider_seeds ? ", seeding)" : ")"));
    }
  }
  // The site cache: a cold one (an empty store) for the round that uses it, on 127.0.0.6.
  std::optional<SiteCache> cache;
  if ((client == "shoal" && sc.cache_node) || client == "apt-cacher-ng") {
    const std::string ip = helper_ip(3);
    cache = client == "shoal"
                ? SiteCache::StartShoalNode(site.self, round_dir / "node", ip, &error)
                : SiteCache::StartAptCacherNg(round_dir / "apt-cacher-ng", ip,
                                              site.origin->port(), &error);
    if (!cache) {
      run.available = false;
      run.unavailable_reason = error;
      return run;
    }
    run.cache = cache->describe();
  }
  const std::vector<std::string> no_args;
  const std::vector<std::string>& cache_args = cache ? cache->client_args() : no_args;
  const std::uint64_t origin_base = site.origin->BytesServed();
  const auto start = Clock::now();
  auto now_s = [&] { return std::chrono::duration<double>(Clock::now() - start).count(); };
  std::vector<bool> churned(sc.churn.size(), false);
  bool cdn_up = true;
  int cache_ticks = 0;
  for (;;) {
    const double t = now_s();
    const bool up = std::none_of(sc.cdn_outages.begin(), sc.cdn_outages.end(), [t](const Outage& o) {
      return t >= o.at_s && t < o.at_s + o.for_s;
    });
    if (up != cdn_up) site.origin->SetAvailable(cdn_up = up);
    run.origin.emplace_back(t, site.origin->BytesServed() - origin_base);
    for (int i = 0; i < sc.peers; ++i) {
      Slot& s = slots[static_cast<std::size_t>(i)];
      if (s.started || t < s.result.start_s) continue;
      std::vector<std::string> argv;
      if (client == "shoal") {
        argv = ShoalArgv(site, slots, i, extra_peers, outsider_endpoint, cache_args);
      }
      if (via_curl) {
        argv = {"curl", "-sS", "--fail", "-o", s.output.string(), site.url};
        argv.insert(argv.end(), cache_args.begin(), cache_args.end());
        if (sc.peer_down_bytes_per_s > 0) {
          argv.insert(argv.end(), {"--limit-rate", std::to_string(sc.peer_down_bytes_per_s)});
        }
      }
      if (client == "aria2c") argv = Aria2Argv(site, s, hook);
      s.child = Child::Spawn(argv, s.stream.string(), (s.dir / "stderr.log").string(), &error,
                             s.ns);
      s.started = true;
      s.result.start_s = t;
      if (!s.child) {
        s.result.failure = error;
        s.finished = true;
      }
    }
    if (cache && client == "shoal") {
      if (sc.node_down_at_s >= 0 && t >= sc.node_down_at_s && run.cache_down_s < 0) {
        cache->Kill();  // its counters as of just before
        run.cache_down_s = t;
      } else if (++cache_ticks % 3 == 0) {
        cache->Sample();
      }
      if (cache->known()) run.cache_series.emplace_back(t, cache->counters());
    }
    for (std::size_t k = 0; k < sc.churn.size(); ++k) {
      if (churned[k] || t < sc.churn[k].at_s) continue;
      churned[k] = true;
      if (sc.churn[k].peer == ChurnEvent::kSeeder) {
        if (seeder) seeder->Kill();
        continue;
      }
      Slot& s = slots[static_cast<std::size_t>(sc.churn[k].peer)];
      if (s.child) s.child->Kill();
      s.result.killed = true;
      s.finished = true;
    }
    bool all_finished = true;
    for (Slot& s : slots) {
      if (!s.started || s.finished) {
        all_finished = all_finished && s.finished;
        continue;
      }
      PeerResult& r = s.result;
      const bool exited = s.child->Poll();
      if (client == "shoal") {
        ReadStream(s);
      } else {
        Record(r, t, WrittenBytes(s.output, sc.file_bytes));
        if (via_curl && exited && s.child->exit_code() == 0) r.done_s = t;
        if (client == "aria2c" && fs::exists(s.output.string() + ".done")) r.done_s = t;
        if (r.done_s >= 0 && client == "curl") r.from_http = sc.file_bytes;
        if (r.done_s >= 0 && client == "apt-cacher-ng") r.from_cache_server = sc.file_bytes;
      }
      if (r.done_s >= 0) {
        s.finished = true;
      } else if (exited) {
        if (r.failure.empty()) {
          r.failure = "exited (code " + std::to_string(s.child->exit_code()) + ", signal " +
                      std::to_string(s.child->term_signal()) + ") before finishing";
        }
        s.finished = true;
      }
      all_finished = all_finished && s.finished;
    }
    if (all_finished) break;
    if (g_interrupted) {
      run.interrupted = true;
      break;
    }
    if (t > sc.timeout_s) {
      run.timed_out = true;
      break;
    }
    std::this_thread::sleep_for(kTick);
  }
  run.origin.emplace_back(now_s(), site.origin->BytesServed() - origin_base);
  if (!cdn_up) site.origin->SetAvailable(true);  // the next round starts with the CDN up

  // Everyone leaves once the last survivor is done; shoal peers then Complete their files.
  for (Slot& s : slots) {
    if (s.child) s.child->Stop();
    if (client == "shoal") ReadStream(s);
  }
  if (seeder) seeder->Stop();
  if (corrupt) corrupt->Stop();
  if (cache) {
    cache->Stop();  // the node's counters once its clients have gone; apt-cacher-ng's log
    run.cache_known = cache->known();
    run.cache_counters = cache->counters();
  }
  if (outsider) {
    outsider->Stop();
    if (!sc.outsider_seeds) {
      Slot o;
      o.stream = outsider_stream;
      ReadStream(o);
      run.outsider_bytes = o.result.bytes;
      run.outsider_from_peers = o.result.from_peers;
    }
  }
  if (far) {
    far->Stop();
    Slot f;
    f.stream = far_stream;
    ReadStream(f);
    run.far_bytes = f.result.bytes;
    run.far_from_peers = f.result.from_peers;
    run.helpers.push_back("far " + NetSite::FarIp() + ":" + std::to_string(kNetnsPort));
  }
  run.origin_bytes = site.origin->BytesServed() - origin_base;
  std::vector<double> durations;
  for (Slot& s : slots) {
    PeerResult& r = s.result;
    if (r.done_s >= 0) {
      r.byte_exact = SameBytes(s.output, site.content);
      if (!r.byte_exact) r.failure = "its file differs from the origin's";
      if (!r.killed) {
        durations.push_back(r.done_s - r.start_s);
        run.makespan_s = std::max(run.makespan_s, r.done_s);
      }
    } else if (!r.killed && r.failure.empty()) {
      r.failure = run.interrupted ? "interrupted" : "did not finish before the timeout";
    }
    r.sources_known = client != "aria2c";  // aria2c does not say where bytes came from
    run.peers.push_back(std::move(r));
  }
  run.p50_s = Percentile(durations, 0.50);
  run.p99_s = Percentile(durations, 0.99);
  return run;
}

}  // namespace shoal::cli
