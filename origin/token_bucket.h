// The origin's aggregate egress cap (the site's WAN link), shared by all its connections: a
// token bucket that lets a reservation overdraw, the overdraft becoming that caller's wait, so
// connections are served in reservation order. Thread-safe.
#pragma once

#include <chrono>
#include <cstdint>

#include "engine/mutex.h"

namespace shoal::origin {

class TokenBucket {
 public:
  using Clock = std::chrono::steady_clock;

  explicit TokenBucket(std::uint64_t bytes_per_s = 0);

  // 0 = unlimited. Waits already handed out keep their length; a debt larger than one burst
  // is forgiven so a lowered rate takes effect within about one burst.
  void SetRate(std::uint64_t bytes_per_s, Clock::time_point now = Clock::now());
  std::uint64_t rate() const;

  // How many bytes a connection should reserve at once: ~20 ms of the rate (so connections
  // interleave finely), at least 4 KiB, at most `max`. `max` when unlimited.
  std::uint64_t ChunkSize(std::uint64_t max) const;

  // Takes `n` bytes and returns how long the caller must wait before sending them (zero when
  // the bucket covers them or there is no limit).
  Clock::duration Reserve(std::uint64_t n, Clock::time_point now = Clock::now());

 private:
  void RefillLocked(Clock::time_point now) REQUIRES(mu_);
  double CapacityLocked() const REQUIRES(mu_);

  mutable engine::Mutex mu_;
  std::uint64_t rate_ GUARDED_BY(mu_);
  double tokens_ GUARDED_BY(mu_);  // negative = overdrawn
  Clock::time_point last_ GUARDED_BY(mu_);
};

}  // namespace shoal::origin
