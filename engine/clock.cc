#include "engine/clock.h"

namespace shoal::engine {
namespace {

class Steady final : public Clock {
 public:
  TimePoint Now() const override { return std::chrono::steady_clock::now(); }
};

}  // namespace

std::shared_ptr<const Clock> SteadyClock() {
  static const auto clock = std::make_shared<const Steady>();
  return clock;
}

}  // namespace shoal::engine
