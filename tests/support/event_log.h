// A JobObserver for tests that counts JobError events (the engine's JobEvent::kError).
// Thread-safe.
#pragma once

#include <mutex>

#include "engine/engine.h"

namespace shoal::testing {

class EventLog : public engine::JobObserver {
 public:
  void OnJobEvent(const engine::Uuid&, engine::JobEvent e) override {
    std::lock_guard lock(mu_);
    if (e == engine::JobEvent::kError) ++errors_;
  }
  int errors() {
    std::lock_guard lock(mu_);
    return errors_;
  }

 private:
  std::mutex mu_;
  int errors_ = 0;
};

}  // namespace shoal::testing
