#include "engine/source_policy.h"

namespace shoal::engine {

bool HttpGate::Decide(const SourcePolicy& policy, const Input& in) {
  bool want;
  if (policy.no_http) {
    want = false;
  } else {
    const double delay = in.foreground ? policy.delay_foreground_download_from_http_s
                                       : policy.delay_background_download_from_http_s;
    if (in.now_s - in.transfer_start_s < delay) {
      want = false;
    } else if (in.foreground) {
      want = true;
    } else {
      const double qos = policy.min_background_qos_kbps * 1024.0;
      // Join below the floor; leave only once peers alone are well above it.
      want = on_ ? in.peer_rate_bytes_s < 2 * qos : in.peer_rate_bytes_s < qos;
    }
  }
  // The hard switch and the delay act at once; rate-driven flips wait out the hold.
  const bool forced_off = policy.no_http;
  if (want != on_ && (forced_off || in.now_s - changed_at_s_ >= kHoldS || !on_)) {
    on_ = want;
    changed_at_s_ = in.now_s;
  }
  return on_;
}

}  // namespace shoal::engine
