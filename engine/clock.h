// The engine's sense of time, as a seam: retry delays, the no-progress timeout and the HTTP
// gate read Now(); job times, inactivity and the age of cached content read WallNs(); so
// tests drive timers and ages with a fake instead of sleeping. Implementations must be
// thread-safe (the engine thread reads, a test thread may advance a fake).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>

namespace shoal::engine {

class Clock {
 public:
  using Duration = std::chrono::steady_clock::duration;
  using TimePoint = std::chrono::steady_clock::time_point;
  virtual ~Clock() = default;
  virtual TimePoint Now() const = 0;
  // Wall time, ns since the Unix epoch (std::chrono::system_clock unless overridden).
  virtual std::int64_t WallNs() const;
};

// std::chrono::steady_clock.
std::shared_ptr<const Clock> SteadyClock();

// A clock that moves only when told to. Starts at an arbitrary fixed point; its wall time is
// the real one plus every Advance, so job times stay plausible and ages grow on demand.
class FakeClock final : public Clock {
 public:
  TimePoint Now() const override { return TimePoint(Duration(now_.load())); }
  std::int64_t WallNs() const override;
  void Advance(Duration d) {
    now_.fetch_add(d.count());
    advanced_.fetch_add(d.count());
  }

 private:
  std::atomic<Duration::rep> now_{Duration(std::chrono::hours(1)).count()};
  std::atomic<Duration::rep> advanced_{0};
};

}  // namespace shoal::engine
