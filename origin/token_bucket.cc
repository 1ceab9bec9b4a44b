#include "origin/token_bucket.h"

#include <algorithm>

namespace shoal::origin {
namespace {
constexpr std::uint64_t kMinChunk = 4 << 10;
}  // namespace

TokenBucket::TokenBucket(std::uint64_t bytes_per_s)
    : rate_(bytes_per_s), tokens_(0), last_(Clock::now()) {
  tokens_ = CapacityLocked();
}

double TokenBucket::CapacityLocked() const {
  // A burst of 100 ms of the rate: small enough that a few seconds' average is within a few
  // percent of the cap, large enough that a chunk never has to wait for itself.
  return std::max(static_cast<double>(rate_) / 10.0, 4.0 * kMinChunk);
}

void TokenBucket::RefillLocked(Clock::time_point now) {
  if (now <= last_) return;
  const double elapsed = std::chrono::duration<double>(now - last_).count();
  last_ = now;
  tokens_ = std::min(tokens_ + elapsed * static_cast<double>(rate_), CapacityLocked());
}

void TokenBucket::SetRate(std::uint64_t bytes_per_s, Clock::time_point now) {
  engine::MutexLock lock(mu_);
  RefillLocked(now);
  const bool was_unlimited = rate_ == 0;
  rate_ = bytes_per_s;
  const double capacity = CapacityLocked();
  tokens_ = was_unlimited ? capacity : std::clamp(tokens_, -capacity, capacity);
}

std::uint64_t TokenBucket::rate() const {
  engine::MutexLock lock(mu_);
  return rate_;
}

std::uint64_t TokenBucket::ChunkSize(std::uint64_t max) const {
  engine::MutexLock lock(mu_);
  if (rate_ == 0) return max;
  return std::min(max, std::max(rate_ / 50, kMinChunk));
}

TokenBucket::Clock::duration TokenBucket::Reserve(std::uint64_t n, Clock::time_point now) {
  engine::MutexLock lock(mu_);
  if (rate_ == 0) return Clock::duration::zero();
  RefillLocked(now);
  tokens_ -= static_cast<double>(n);
  if (tokens_ >= 0) return Clock::duration::zero();
  return std::chrono::duration_cast<Clock::duration>(
      std::chrono::duration<double>(-tokens_ / static_cast<double>(rate_)));
}

}  // namespace shoal::origin
