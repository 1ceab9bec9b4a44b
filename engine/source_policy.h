// When the CDN (HTTP, as a web seed) joins a transfer, per DO's policies: wait
// Delay{Foreground,Background}DownloadFromHttp for peers, then foreground jobs use HTTP, and
// background jobs use it while the peer rate stays under MinBackgroundQos. Decisions hold for
// a minimum time so the web seed does not flap. Engine-thread only (thread-compatible).
#pragma once

#include "engine/options.h"

namespace shoal::engine {

class HttpGate {
 public:
  struct Input {
    double now_s = 0;              // any monotonic clock, seconds
    double transfer_start_s = 0;   // when the job was (re)queued
    bool foreground = false;       // BG_JOB_PRIORITY_FOREGROUND
    double peer_rate_bytes_s = 0;  // current payload rate from peers
  };
  // Seconds a decision holds before it may flip.
  static constexpr double kHoldS = 5.0;

  // Whether HTTP should be used now. Stateful: remembers the last decision.
  bool Decide(const SourcePolicy& policy, const Input& in);
  bool on() const { return on_; }

 private:
  bool on_ = false;
  double changed_at_s_ = -1e18;
};

}  // namespace shoal::engine
