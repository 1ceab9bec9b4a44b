// A simulated site for `shoal sim`: the scenario file's contents (peers, file, WAN cap,
// arrivals, churn, policy knobs) and the Kumar–Ross lower bound it implies.
// Plain data and pure functions: thread-compatible.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace shoal::cli {

struct ChurnEvent {
  int peer = 0;  // 0-based index of the peer to kill; kSeeder: the pre-seeded peer
  static constexpr int kSeeder = -1;
  double at_s = 0;  // seconds after the run's start
};

struct Outage {
  double at_s = 0;   // the CDN refuses and drops every connection from here
  double for_s = 0;  // for this long
};

struct Wave {
  double at_s = 0;  // seconds after the run's start
  int peers = 0;    // how many peers arrive then, all at once
};

struct Scenario {
  std::string name;
  int peers = 8;
  std::uint64_t file_bytes = 128ull << 20;
  std::uint64_t wan_bytes_per_s = 16ull << 20;       // the CDN origin's aggregate egress cap
  std::uint64_t cdn_per_connection_bytes_per_s = 0;  // each CDN connection's own cap, 0 = none
  std::uint32_t cdn_latency_ms = 0;                  // before each CDN response, 0 = none
  std::uint64_t peer_down_bytes_per_s = 0;           // each peer's download cap (d_i), 0 = uncapped
  std::uint64_t peer_up_bytes_per_s = 0;             // each peer's upload cap (u_i), 0 = uncapped
  int piece_kib = 0;                                 // 0: shoal's choice from the size
  double stagger_s = 0;                              // peer i starts at i * stagger_s
  std::vector<ChurnEvent> churn;                     // SIGKILL peer k at t
  std::vector<Outage> cdn_outages;                   // CDN faults (HttpOrigin::SetAvailable)
  bool seeder = false;                               // a pre-seeded peer (`shoal seed`) at t = 0
  // A peer that serves a corrupted copy (aria2c seeding it unverified) from t = 0: every
  // piece it sends fails its hash check.
  bool corrupt_peer = false;
  bool tracker = true;      // opentracker for discovery (when installed)
  bool peer_list = true;    // shoal peers are given each other with --peer (else: tracker only)
  int http_delay_s = -1;    // -1: shoal's default DO delays
  bool no_http = false;     // peers only: the CDN serves nobody
  bool background = false;  // BG priority (DOMinBackgroundQos applies)
  double timeout_s = 600;   // a run still going then is stopped, failed
  std::vector<std::string> baselines = {"curl", "aria2c"};  // and "apt-cacher-ng"
  // The emulated site (tools/shoal/sim_netns.h): each peer in a network namespace of its own on
  // a bridge, the origin and tracker behind a router, links shaped with tc. Needs root.
  bool netns = false;
  std::uint64_t lan_bits_per_s = 1000000000;  // each peer's link each way (netns), 0 = unshaped
  // WAN latency (netns): netem on the WAN link where the kernel has it, otherwise added to
  // every CDN response as cdn_latency_ms is.
  std::uint32_t wan_latency_ms = 0;
  // Discovery by Local Service Discovery only: shoal peers get --lsd and no peer list (netns
  // only: LSD needs multicast between distinct hosts). The default with netns.
  bool lsd = false;
  // A shoal peer on the router's other subnet that a tracker names to everyone (netns): LAN
  // mode must give it nothing and take nothing from it.
  bool far_peer = false;
  // Arrivals in waves: the peers in order, wave by wave, each wave's all at its at_s (the
  // counts sum to `peers`; excludes stagger_s). Empty: stagger_s decides.
  std::vector<Wave> waves;
  // Group mode (DODownloadMode 2): the sim makes a group CA and a member certificate, and
  // every shoal peer and the seeder runs in Group mode with them.
  bool group = false;
  // A host outside the group on the LAN subnet (netns, group), given every member as a peer,
  // with no CDN: "foreign-ca" runs Group mode with the group's CA but a certificate from
  // another CA, "no-cert" LAN mode (plain connections to the members' TLS sockets). Members
  // must give it nothing.
  std::string outsider;
  // The outsider instead seeds the genuine file (it could supply every byte): members must
  // take nothing from it.
  bool outsider_seeds = false;
  // The site's cache node (docs/cache.md): the shoal round runs `shoald --cache-node` with a
  // signing key and an empty store of its own, and every shoal peer gets the plain URL with
  // cache_host and cache_public_key (no --torrent: metainfo comes from the node). The
  // "apt-cacher-ng" baseline is its counterpart: curl through apt-cacher-ng as http_proxy.
  bool cache_node = false;
  // SIGKILL the node this many seconds after the round's start; < 0: it stays up.
  double node_down_at_s = -1;
};

// Each peer's arrival, seconds after the run's start: waves when given, else i * stagger_s.
double ArrivalS(const Scenario& s, int peer);

// Reads a scenario JSON file; unknown keys are errors (a typo must not pass silently), and so
// is every number out of its range (the key and the range in *error).
std::optional<Scenario> LoadScenario(const std::string& path, std::string* error);
// The same for a scenario's text; `origin` names it in errors (the fuzz target's entry point).
std::optional<Scenario> ParseScenario(const std::string& text, const std::string& origin,
                                      std::string* error);

// T_lb = T_min × (1 + ⌊log2 N⌋ / M), with T_min = max(F/u_s, F/d_min, N·F/(u_s + Σu_i))
// (shared/spec/field.md §c). The LAN and every peer's download are uncapped here, so the two
// peer terms vanish and T_min = F/u_s: every byte must cross the WAN link once. A pre-seeded
// peer on an uncapped LAN makes the bound 0 (no meaningful η); `defined` says so.
struct Bound {
  bool defined = false;
  double t_min_s = 0;
  double t_lb_s = 0;
  double origin_term_s = 0;   // F / u_s
  double piece_overhead = 0;  // ⌊log2 N⌋ / M
  std::uint64_t pieces = 0;   // M
  std::string assumption;
};
Bound ComputeBound(const Scenario& s, std::uint64_t piece_bytes);

}  // namespace shoal::cli
