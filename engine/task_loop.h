// TaskLoop: the engine thread and its queue. Any thread may Post a task, or Call one and wait
// for its reply; libtorrent's threads Wake it when alerts wait. Each turn runs the queued
// tasks, then the alert hook if woken, then the tick hook every `tick`. Owns the thread, the
// queue and its lock; knows nothing of jobs. Thread-safe; the hooks run on the loop thread.
#pragma once

#include <chrono>
#include <deque>
#include <functional>
#include <thread>

#include "engine/hresult.h"
#include "engine/mutex.h"

namespace shoal::engine {

class TaskLoop {
 public:
  using Reply = std::function<void(hr::HResult)>;
  struct Hooks {
    std::function<void()> on_start;   // before any task: Start returns once it ran
    std::function<void()> on_alerts;  // after the tasks of a turn, when Wake was called
    std::function<void()> on_tick;    // every tick
    std::function<void()> on_stop;    // last, after the tasks queued before Stop
  };

  explicit TaskLoop(std::chrono::milliseconds tick = std::chrono::milliseconds(250));
  ~TaskLoop();  // Stop()
  TaskLoop(const TaskLoop&) = delete;
  TaskLoop& operator=(const TaskLoop&) = delete;

  // Starts the thread and waits until hooks.on_start has run on it.
  void Start(Hooks hooks);
  // Queues `task`; false once the loop is stopping (the task is dropped).
  bool Post(std::function<void()> task);
  // Runs `task` on the loop thread and waits for the reply it sends (once). From the loop
  // thread itself it runs at once and must reply synchronously (else E_UNEXPECTED). After
  // Stop: DO_E_NO_SERVICE.
  hr::HResult Call(std::function<void(Reply)> task);
  // Asks for the alert hook on the next turn.
  void Wake();
  // Answers what is queued, runs on_stop and joins. Idempotent; not from the loop thread.
  void Stop();
  bool OnLoopThread() const { return std::this_thread::get_id() == thread_id_; }

 private:
  void Run();

  const std::chrono::milliseconds tick_;
  Hooks hooks_;
  Mutex mu_;
  CondVar cv_;
  std::deque<std::function<void()>> tasks_ GUARDED_BY(mu_);
  bool alerts_pending_ GUARDED_BY(mu_) = false;
  bool stop_ GUARDED_BY(mu_) = false;
  std::thread thread_;
  std::thread::id thread_id_;  // set before on_start, then read-only
};

}  // namespace shoal::engine
