// Which pieces the CDN (HTTP) serves, per DO's policies: nothing during
// Delay{Foreground,Background}DownloadFromHttp while peers are still being found; then the
// pieces no connected peer has; and
// pieces peers have too while the peer rate stays under MinBackgroundQos (held a minimum time
// so it does not flap). OwnsCdnPiece and PickCdnPiece spread a site's CDN requests over its
// peers and the file. Engine-thread only (thread-compatible) / pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "engine/options.h"

namespace shoal::engine {

class HttpGate {
 public:
  struct Input {
    double now_s = 0;              // any monotonic clock, seconds
    double transfer_start_s = 0;   // when the job was (re)queued
    bool foreground = false;       // BG_JOB_PRIORITY_FOREGROUND
    double peer_rate_bytes_s = 0;  // current payload rate from peers
    // Nothing to wait for: no peer configured or connected, no tracker, no LSD. The delay is
    // for peers to be found; with none to find the CDN starts at once.
    bool lone = false;
    // Discovery is over (the LSD window passed, every tracker answered) and peers are
    // connected: the pieces none of them has can come from no peer, so waiting out the delay
    // for them only costs time (decision 0018). Pieces peers have still wait for it.
    bool found = false;
  };
  // Seconds a decision holds before it may flip.
  static constexpr double kHoldS = 5.0;

  // Whether the delay is over (or there is none to wait out: lone), unless HTTP is off.
  static bool DelayOver(const SourcePolicy& policy, const Input& in);
  // Whether the CDN may serve pieces that no connected peer has: once the delay is over or
  // the peers are found, unless HTTP is off. Peers cannot supply those at any rate.
  static bool UnavailableOpen(const SourcePolicy& policy, const Input& in);
  // Whether the CDN should also serve pieces peers have (complement slow peers). Stateful:
  // remembers the last decision.
  bool Decide(const SourcePolicy& policy, const Input& in);
  bool on() const { return on_; }

 private:
  bool on_ = false;
  double changed_at_s_ = -1e18;
};

// The next piece to fetch from the CDN among `eligible` ones, or -1. Continues the current run
// at *cursor; when that piece is not eligible (a peer has it, or it is in flight), jumps into the
// middle third of the longest run of eligible pieces; the first pick is anywhere. Peers of a
// site cannot see each other's HTTP requests: this makes them take different parts of the file
// and rarely the same piece. `random` is any random number.
int PickCdnPiece(const std::vector<bool>& eligible, std::uint64_t random, int* cursor);

// Which of a site's peers fetches `piece` from the CDN first: the one whose id (its address)
// scores highest for the piece (rendezvous hashing). Every peer of a fully connected site
// computes the same owner without talking about it. Ties (peers sharing an address) are all
// owners. True when `self` is an owner.
bool OwnsCdnPiece(const std::string& self, const std::vector<std::string>& peers, int piece);

// `self`'s place in the piece's rendezvous order among itself and `peers`: 0 = an owner, 1 =
// next after the owner (the peer that takes the piece over first), and so on. `owner`, if not
// null, receives the highest-scoring id (self when it is an owner).
int CdnPieceRank(const std::string& self, const std::vector<std::string>& peers, int piece,
                 std::string* owner = nullptr);

}  // namespace shoal::engine
