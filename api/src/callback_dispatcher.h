// CallbackDispatcher: receives job events from the backend (as its BackendEvents sink), queues
// them, and calls the clients' IBackgroundCopyCallback on one thread of its own — never on a
// backend thread or a caller's thread. JobError repeats until the client returns S_OK.
// Thread-safe (OnJobEvent from a backend thread; Stop from any thread, including its own).
#pragma once

#include <chrono>
#include <memory>
#include <thread>

#include "api/src/backend.h"

namespace shoal::api {

class Core;

class CallbackDispatcher : public BackendEvents {
 public:
  explicit CallbackDispatcher(std::weak_ptr<Core> core);
  ~CallbackDispatcher() override;

  void OnJobEvent(const BackendEvent& event) override;
  // Queues an event the facade raises itself (not the backend): a JobTransferred for a
  // callback registered after the job was transferred.
  void Queue(const BackendEvent& event);
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

// The thread that last delivered a backend event to any dispatcher (in process, the engine
// thread), for tests that check where callbacks run.
std::thread::id LastEngineEventThread();

}  // namespace shoal::api
