#include "engine/clock.h"

namespace shoal::engine {
namespace {

class Steady final : public Clock {
 public:
  TimePoint Now() const override { return std::chrono::steady_clock::now(); }
};

}  // namespace

std::int64_t Clock::WallNs() const {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::int64_t FakeClock::WallNs() const {
  return Clock::WallNs() +
         std::chrono::duration_cast<std::chrono::nanoseconds>(Duration(advanced_.load())).count();
}

std::shared_ptr<const Clock> SteadyClock() {
  static const auto clock = std::make_shared<const Steady>();
  return clock;
}

}  // namespace shoal::engine
