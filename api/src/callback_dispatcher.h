// CallbackDispatcher: receives job events from the engine thread (as its JobObserver), queues
// them, and calls the clients' IBackgroundCopyCallback on one thread of its own — never on the
// engine thread or a caller's thread. JobError repeats until the client returns S_OK.
// Thread-safe (OnJobEvent from the engine thread; Stop from any thread, including its own).
#pragma once

#include <chrono>
#include <memory>
#include <thread>

#include "engine/engine.h"

namespace shoal::api {

class Core;

class CallbackDispatcher : public engine::JobObserver {
 public:
  explicit CallbackDispatcher(std::weak_ptr<Core> core);
  ~CallbackDispatcher() override;

  void OnJobEvent(const engine::Uuid& job, engine::JobEvent event) override;
  // Stops delivering; joins the thread unless called on it (then the thread ends by itself).
  void Stop();

  struct State;

 private:
  std::shared_ptr<State> state_;
  std::thread thread_;
};

// How long after a JobError that did not return S_OK it is called again (default 5 s).
// Process-wide; tests shorten it.
void SetJobErrorRetryInterval(std::chrono::milliseconds interval);
std::chrono::milliseconds JobErrorRetryInterval();

// The thread that last delivered an engine event to any dispatcher (the engine thread), for
// tests that check where callbacks run.
std::thread::id LastEngineEventThread();

}  // namespace shoal::api
