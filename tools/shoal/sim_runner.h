// One round of `shoal sim`: N clients of one kind (shoal peers, with a cache node in a
// cache_node scenario; curl; aria2c; curl through apt-cacher-ng), each its own process on its
// own 127.0.0.x (or emulated-site namespace), against the shared capped origin, with the
// scenario's arrivals and churn, sampled every 100 ms until all finish. Thread-compatible.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "origin/http_origin.h"
#include "tools/shoal/sim_cache_counters.h"
#include "tools/shoal/sim_group.h"
#include "tools/shoal/sim_netns.h"
#include "tools/shoal/sim_scenario.h"

namespace shoal::cli {

using Series = std::vector<std::pair<double, std::uint64_t>>;  // (seconds, bytes)

struct PeerResult {
  int id = 0;
  std::string address;       // 127.0.0.x[:port]
  double start_s = 0;        // arrival, seconds after the round's start
  double done_s = -1;        // when it had the whole file verified; -1: never
  bool killed = false;       // churned out by the scenario
  bool byte_exact = false;   // its output equals the origin's file
  bool monotonic = true;     // every sample >= the previous one (shoal: the progress stream)
  std::uint64_t bytes = 0;   // last reported verified bytes
  std::uint64_t total = 0;   // reported BytesTotal (shoal) or the file size
  std::uint64_t from_peers = 0;
  std::uint64_t from_http = 0;
  std::uint64_t from_cache_server = 0;  // a cache node's pieces (BytesFromCacheServer)
  bool sources_known = true;  // false for aria2c: only the round's origin total is known
  std::string failure;       // why it did not finish, if it did not
  Series samples;
};

struct RunResult {
  std::string client;
  bool available = true;
  std::string unavailable_reason;
  bool timed_out = false;
  bool interrupted = false;
  double makespan_s = 0;  // last survivor's done_s (the round starts at 0)
  double p50_s = 0;       // of per-peer completion times (done_s - start_s)
  double p99_s = 0;
  std::uint64_t origin_bytes = 0;
  std::vector<PeerResult> peers;
  Series origin;  // cumulative origin egress for this round
  std::vector<std::string> helpers;  // "seeder ip:port", "corrupt ip:port": listening helpers
  // The far peer (scenario.far_peer): verified bytes it got, from whom.
  std::uint64_t far_bytes = 0, far_from_peers = 0;
  // The group outsider (scenario.outsider): verified bytes it got; none of a member's bytes
  // may come from it either (its own upload, as its status says, is not read).
  std::uint64_t outsider_bytes = 0, outsider_from_peers = 0;
  // The round's site cache (a cache_node scenario's shoal round: the shoal node; the
  // apt-cacher-ng round: apt-cacher-ng), "" for none, and what it sent by its own counters
  // (cache_known false when they could not be read).
  std::string cache;
  bool cache_known = false;
  CacheCounters cache_counters;
  double cache_down_s = -1;  // when the node was killed (node_down_at_s), -1: never
  std::vector<std::pair<double, CacheCounters>> cache_series;  // the node's, as sampled
  // Every peer not churned out finished, byte-exact.
  bool Correct() const;
};

struct Site {
  Scenario scenario;
  std::filesystem::path work;          // per-round folders go under it
  std::filesystem::path content;       // the origin's file
  std::string url;                     // its CDN URL
  std::filesystem::path torrent;       // v1 metainfo (web seed + tracker)
  std::filesystem::path seed_dir;      // the folder holding `content` (for `shoal seed`)
  std::filesystem::path corrupt_dir;   // a corrupted copy of `content` (scenario.corrupt_peer)
  std::string tracker_url;             // empty: no tracker
  std::string self;                    // this program, for `shoal get` / `shoal seed`
  origin::HttpOrigin* origin = nullptr;
  const NetSite* net = nullptr;        // the emulated site (scenario.netns), else loopback
  std::optional<GroupFiles> group;     // scenario.group: the CA and a member's certificate
  std::optional<GroupFiles> foreign;   // outsider "foreign-ca": another CA's
};

// "shoal", "curl", "aria2c" or "apt-cacher-ng" (curl through it). Never throws; a missing tool gives available = false.
RunResult RunRound(const Site& site, const std::string& client);

}  // namespace shoal::cli
