// One worker thread running queued tasks in order, off the engine thread (sidecar fetches,
// whole-file hashing). Destruction raises stopping(), drops tasks not yet started and waits for
// the running one. Thread-safe.
#pragma once

#include <atomic>
#include <deque>
#include <functional>
#include <thread>

#include "engine/mutex.h"

namespace shoal::engine {

class BackgroundQueue {
 public:
  BackgroundQueue();
  ~BackgroundQueue();
  BackgroundQueue(const BackgroundQueue&) = delete;
  BackgroundQueue& operator=(const BackgroundQueue&) = delete;

  void Run(std::function<void()> task);
  // Long tasks poll this to give up early at destruction.
  const std::atomic<bool>& stopping() const { return stopping_; }

 private:
  void Loop();
  Mutex mu_;
  CondVar cv_;
  std::deque<std::function<void()>> tasks_ GUARDED_BY(mu_);
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

}  // namespace shoal::engine
