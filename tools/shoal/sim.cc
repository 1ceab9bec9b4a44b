// `shoal sim SCENARIO.json`: a whole site on this machine, judged against the Kumar–Ross bound
// and against N × curl and N × aria2c (or N × curl through apt-cacher-ng) from the same capped
// origin in the same run.
#include <algorithm>
#include <chrono>
#include <cstring>
#include <fstream>
#include <random>

#include "origin/http_origin.h"
#include "tools/shoal/com_ptr.h"
#include "tools/shoal/commands.h"
#include "tools/shoal/sim_cache.h"
#include "tools/shoal/sim_group.h"
#include "tools/shoal/sim_netns.h"
#include "tools/shoal/sim_report.h"
#include "tools/shoal/sim_runner.h"
#include "tools/shoal/sim_tracker.h"
#include "tools/shoal/temp_tree.h"

namespace shoal::cli {
namespace {

namespace fs = std::filesystem;

constexpr char kOriginIp[] = "127.0.0.2";
constexpr char kTrackerIp[] = "127.0.0.3";

// A copy of `from` with one byte flipped in every 16 KiB block: every piece of it fails.
bool WriteCorruptCopy(const fs::path& from, const fs::path& to) {
  std::error_code ec;
  fs::create_directories(to.parent_path(), ec);
  std::ifstream in(from, std::ios::binary);
  std::string data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  for (std::size_t i = 0; i < data.size(); i += 16 * 1024) data[i] = static_cast<char>(~data[i]);
  std::ofstream out(to, std::ios::binary);
  out.write(data.data(), static_cast<std::streamsize>(data.size()));
  if (ec || data.size() != fs::file_size(from, ec)) return false;
  return static_cast<bool>(out);
}

bool WriteRandomFile(const fs::path& path, std::uint64_t size) {
  std::mt19937_64 rng(2026);
  std::ofstream out(path, std::ios::binary);
  std::vector<char> buf(1 << 20);
  for (std::uint64_t left = size; left > 0;) {
    for (std::size_t i = 0; i + 8 <= buf.size(); i += 8) {
      const std::uint64_t v = rng();
      std::memcpy(&buf[i], &v, 8);
    }
    const std::uint64_t n = std::min<std::uint64_t>(left, buf.size());
    out.write(buf.data(), static_cast<std::streamsize>(n));
    left -= n;
  }
  return static_cast<bool>(out);
}

}  // namespace

int RunSim(const SimArgs& args) {
  std::string error;
  const auto scenario = LoadScenario(args.scenario, &error);
  if (!scenario) {
    Complain(error);
    return kExitBadInput;
  }
  TempTree tmp("shoal-sim");
  fs::path work = tmp.root();
  if (args.keep && !args.out.empty()) work = fs::absolute(args.out) / "work";
  std::error_code ec;
  if (args.keep && !args.out.empty()) fs::remove_all(work, ec);  // OUT/work is ours to replace
  if (work.empty() || !fs::create_directories(work / "cdn", ec) || ec) {
    Complain("cannot create a work directory");
    return kExitFailed;
  }
  Site site;
  site.scenario = *scenario;
  site.work = work;
  site.seed_dir = work / "cdn";
  site.content = site.seed_dir / "update.bin";
  site.self = SelfExe();
  std::fprintf(stderr, "sim: generating %.1f MiB in %s\n",
               static_cast<double>(scenario->file_bytes) / (1 << 20), work.c_str());
  if (!WriteRandomFile(site.content, scenario->file_bytes)) {
    Complain("cannot write the content file (disk full?)");
    return kExitFailed;
  }
  const bool acng = !args.no_baselines &&
                    std::count(scenario->baselines.begin(), scenario->baselines.end(),
                               "apt-cacher-ng") > 0;
  if (scenario->cache_node || acng) {
    // A CDN's file was published a while ago: its Last-Modified gives a cache its heuristic
    // freshness (RFC 9111 4.2.2). A file made a second ago would be stale at once, and every
    // range a client asks the node for would revalidate it at the origin.
    fs::last_write_time(site.content, fs::file_time_type::clock::now() - std::chrono::hours(720), ec);
  }
  if (scenario->corrupt_peer) {
    site.corrupt_dir = work / "corrupt";
    if (!WriteCorruptCopy(site.content, site.corrupt_dir / "update.bin")) {
      Complain("cannot write the corrupt peer's copy (disk full?)");
      return kExitFailed;
    }
  }

  // The emulated site: built before the origin (which lives in its WAN namespace) and deleted
  // after everything in it has stopped.
  std::unique_ptr<NetSite> net;
  if (scenario->netns) {
    NetSiteSpec ns;
    ns.peers = scenario->peers;
    ns.lan_helpers = 3;  // the seeder's, the corrupt peer's and the group outsider's hosts
    ns.far_peer = scenario->far_peer;
    ns.wan_bytes_per_s = scenario->wan_bytes_per_s;
    ns.lan_bits_per_s = scenario->lan_bits_per_s;
    ns.wan_latency_ms = scenario->wan_latency_ms;
    std::fprintf(stderr, "sim: building the emulated site (%d peer namespaces)\n", scenario->peers);
    net = NetSite::Build(ns, &error);
    if (!net) {
      Complain("cannot build the emulated site: " + error);
      return kExitFailed;
    }
    if (g_interrupted) return kExitInterrupted;
    site.net = net.get();
  }
  const std::string origin_ip = net ? NetSite::kOriginIp : kOriginIp;
  const std::string tracker_ip = net ? NetSite::kTrackerIp : kTrackerIp;
  const std::string wan_ns = net ? net->wan_ns() : "";

  origin::HttpOriginOptions oo;
  oo.bind_address = origin_ip;
  oo.root = site.seed_dir.string();
  oo.per_connection_bytes_per_s = scenario->cdn_per_connection_bytes_per_s;
  oo.latency_ms = scenario->cdn_latency_ms;
  oo.rate_limit_bytes_per_s = scenario->wan_bytes_per_s;
  // apt-cacher-ng 3.7 connects to no port above 32767.
  if (acng) oo.port = static_cast<std::uint16_t>(LowFreePort(origin_ip));
  std::unique_ptr<origin::HttpOrigin> origin;
  std::string wan_note = "the origin's own cap; loopback";
  if (net) {
    // tc shapes the WAN link; without netem the origin adds its latency to each response.
    oo.rate_limit_bytes_per_s = 0;
    if (!net->netem()) oo.latency_ms += scenario->wan_latency_ms;
    wan_note = "tc tbf " + std::to_string(scenario->wan_bytes_per_s >> 10) + " KiB/s each way; " +
               (net->netem() ? "netem " : "no netem in this kernel: the origin adds ") +
               std::to_string(scenario->wan_latency_ms) + " ms" +
               (net->netem() ? " on the WAN link" : " to each response") + "; LAN links " +
               std::to_string(scenario->lan_bits_per_s / 1000000) + " Mbit/s";
    RunInNetns(
        wan_ns, [&] { origin = origin::HttpOrigin::Start(oo, &error); }, &error);
  } else {
    origin = origin::HttpOrigin::Start(oo, &error);
  }
  if (!origin) {
    Complain("cannot start the CDN origin: " + error);
    return kExitFailed;
  }
  site.origin = origin.get();
  site.url = origin->BaseUrl() + "/update.bin";

  SimReport report;
  report.scenario = *scenario;
  report.wan = wan_note;
  const int tracker_port = !scenario->tracker ? 0 : net ? 6969 : FreePort(kTrackerIp);
  shoal::MetainfoOptions mo;
  mo.path = site.content.string();
  mo.web_seeds = {site.url};
  mo.piece_size = scenario->piece_kib * 1024;
  mo.v1_only = true;  // aria2c 1.36 cannot use hybrids; shoal uses the same torrent
  if (tracker_port > 0) mo.trackers = {Tracker::AnnounceUrl(tracker_ip, tracker_port)};
  std::string torrent;
  if (FAILED(shoal::MakeMetainfo(mo, &torrent, &error))) {
    Complain(error);
    return kExitBadInput;
  }
  site.torrent = work / "update.bin.torrent";
  std::ofstream(site.torrent, std::ios::binary) << torrent;
  if (scenario->group) {
    // The group's CA and a member's certificate, and an outsider's from another CA.
    site.group = MakeGroup(work / "group", "sim-group", &error);
    if (site.group && scenario->outsider == "foreign-ca") {
      site.foreign = MakeGroup(work / "foreign", "another", &error);
    }
    if (!site.group || (scenario->outsider == "foreign-ca" && !site.foreign)) {
      Complain("cannot make the group: " + error);
      return kExitFailed;
    }
  }
  const auto facts = ReadTorrentFacts(torrent);
  if (!facts) {
    Complain("cannot read back the metainfo just made");
    return kExitFailed;
  }
  report.piece_bytes = facts->piece_length;
  report.bound = ComputeBound(*scenario, facts->piece_length);

  std::optional<Tracker> tracker;
  if (!scenario->tracker) {
    report.tracker = scenario->lsd
                         ? "none (the scenario turns it off; shoal peers use LSD only)"
                         : "none (the scenario turns it off; shoal peers are given each other)";
  } else if (tracker = Tracker::Start(work / "tracker", tracker_ip, tracker_port,
                                      facts->info_hash_v1, &error, wan_ns);
             tracker) {
    site.tracker_url = tracker->announce_url();
    report.tracker = "opentracker at " + site.tracker_url;
  } else {
    report.tracker = "none: " + error;
  }
  std::fprintf(stderr, "sim: origin %s capped at %.1f MiB/s; tracker: %s\n", site.url.c_str(),
               static_cast<double>(scenario->wan_bytes_per_s) / (1 << 20), report.tracker.c_str());

  std::vector<std::string> clients = {"shoal"};
  if (!args.no_baselines) {
    clients.insert(clients.end(), scenario->baselines.begin(), scenario->baselines.end());
  }
  bool ok = true;
  for (const auto& client : clients) {
    std::fprintf(stderr, "sim: round %s (%d peers)...\n", client.c_str(), scenario->peers);
    report.runs.push_back(RunRound(site, client));
    const RunResult& r = report.runs.back();
    if (r.available && !args.keep) {  // free the disk before the next round
      for (int i = 0; i < scenario->peers; ++i) {
        fs::remove(work / client / ("peer" + std::to_string(i)) / "update.bin", ec);
      }
    }
    // The exit status is shoal's verdict; a baseline's failure (curl has no retry across a
    // CDN outage, say) is a finding printed in the table, not a harness failure.
    if (client == "shoal") ok = r.Correct();
    if (r.interrupted) break;
  }
  PrintReport(report, stdout);
  if (!args.out.empty() && !WriteReport(report, args.out, &error)) {
    Complain(error);
    return kExitFailed;
  }
  if (g_interrupted) return kExitInterrupted;
  return ok ? kExitOk : kExitFailed;
}

}  // namespace shoal::cli
