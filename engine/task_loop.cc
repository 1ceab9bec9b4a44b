#include "engine/task_loop.h"

#include <future>

namespace shoal::engine {

TaskLoop::TaskLoop(std::chrono::milliseconds tick) : tick_(tick) {}

TaskLoop::~TaskLoop() { Stop(); }

void TaskLoop::Start(Hooks hooks) {
  hooks_ = std::move(hooks);
  std::promise<void> started;
  thread_ = std::thread([this, &started] {
    thread_id_ = std::this_thread::get_id();
    if (hooks_.on_start) hooks_.on_start();
    started.set_value();
    Run();
  });
  started.get_future().wait();
}

bool TaskLoop::Post(std::function<void()> task) {
  {
    MutexLock lock(mu_);
    if (stop_) return false;
    tasks_.push_back(std::move(task));
  }
  cv_.NotifyOne();
  return true;
}

hr::HResult TaskLoop::Call(std::function<void(Reply)> task) {
  auto promise = std::make_shared<std::promise<hr::HResult>>();
  auto once = std::make_shared<std::once_flag>();
  Reply reply = [promise, once](hr::HResult h) {
    std::call_once(*once, [&] { promise->set_value(h); });
  };
  std::future<hr::HResult> result = promise->get_future();
  if (OnLoopThread()) {
    // Re-entrant call from the loop thread: it can only be answered synchronously.
    task(reply);
    return result.wait_for(std::chrono::seconds(0)) == std::future_status::ready ? result.get()
                                                                                 : hr::kUnexpected;
  }
  if (!Post([task = std::move(task), reply] { task(reply); })) return hr::kDoENoService;
  try {
    return result.get();
  } catch (const std::future_error&) {
    return hr::kDoENoService;  // the loop stopped before answering
  }
}

void TaskLoop::Wake() {
  {
    MutexLock lock(mu_);
    alerts_pending_ = true;
  }
  cv_.NotifyOne();
}

void TaskLoop::Stop() {
  {
    MutexLock lock(mu_);
    if (stop_ && !thread_.joinable()) return;
    stop_ = true;
  }
  cv_.NotifyOne();
  if (thread_.joinable()) thread_.join();
}

void TaskLoop::Run() {
  auto next_tick = std::chrono::steady_clock::now() + tick_;
  for (;;) {
    std::deque<std::function<void()>> batch;
    bool alerts = false;
    {
      MutexLock lock(mu_);
      cv_.WaitUntil(mu_, next_tick,
                    [this]() REQUIRES(mu_) { return stop_ || !tasks_.empty() || alerts_pending_; });
      if (stop_) break;
      batch.swap(tasks_);
      alerts = alerts_pending_;
      alerts_pending_ = false;
    }
    for (auto& task : batch) task();
    if (alerts && hooks_.on_alerts) hooks_.on_alerts();
    if (std::chrono::steady_clock::now() >= next_tick) {
      if (hooks_.on_tick) hooks_.on_tick();
      next_tick = std::chrono::steady_clock::now() + tick_;
    }
  }
  // Tasks queued before the stop still get their answer.
  std::deque<std::function<void()>> rest;
  {
    MutexLock lock(mu_);
    rest.swap(tasks_);
  }
  for (auto& task : rest) task();
  if (hooks_.on_stop) hooks_.on_stop();
}

}  // namespace shoal::engine
