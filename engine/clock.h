// The engine's sense of time, as a seam: retry delays, the no-progress timeout and the HTTP
// gate read it, so tests drive timers with a fake instead of sleeping. Implementations must be
// thread-safe (the engine thread reads, a test thread may advance a fake).
#pragma once

#include <atomic>
#include <chrono>
#include <memory>

namespace shoal::engine {

class Clock {
 public:
  using Duration = std::chrono::steady_clock::duration;
  using TimePoint = std::chrono::steady_clock::time_point;
  virtual ~Clock() = default;
  virtual TimePoint Now() const = 0;
};

// std::chrono::steady_clock.
std::shared_ptr<const Clock> SteadyClock();

// A clock that moves only when told to. Starts at an arbitrary fixed point.
class FakeClock final : public Clock {
 public:
  TimePoint Now() const override { return TimePoint(Duration(now_.load())); }
  void Advance(Duration d) { now_.fetch_add(d.count()); }

 private:
  std::atomic<Duration::rep> now_{Duration(std::chrono::hours(1)).count()};
};

}  // namespace shoal::engine
