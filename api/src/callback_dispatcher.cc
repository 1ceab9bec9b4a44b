#include "api/src/callback_dispatcher.h"

#include <atomic>
#include <deque>
#include <map>
#include <set>

#include "api/src/com_object.h"
#include "api/src/core.h"
#include "api/src/error.h"
#include "api/src/job.h"
#include "engine/mutex.h"
#include "shoal/bits.h"

namespace shoal::api {
namespace {

using Clock = std::chrono::steady_clock;

std::atomic<std::int64_t> g_retry_ms{5000};
engine::Mutex g_engine_thread_mu;
std::thread::id g_engine_thread GUARDED_BY(g_engine_thread_mu);

using Event = BackendEvent;

}  // namespace

void SetJobErrorRetryInterval(std::chrono::milliseconds interval) {
  g_retry_ms.store(interval.count(), std::memory_order_relaxed);
}

std::chrono::milliseconds JobErrorRetryInterval() {
  return std::chrono::milliseconds(g_retry_ms.load(std::memory_order_relaxed));
}

std::thread::id LastEngineEventThread() {
  engine::MutexLock lock(g_engine_thread_mu);
  return g_engine_thread;
}

struct CallbackDispatcher::State {
  explicit State(std::weak_ptr<Core> c) : core(std::move(c)) {}

  std::weak_ptr<Core> core;
  engine::Mutex mu;
  engine::CondVar cv;
  bool stop GUARDED_BY(mu) = false;
  std::deque<Event> queue GUARDED_BY(mu);
  std::set<Uuid, UuidLess> pending_modification GUARDED_BY(mu);  // coalesces progress events
  std::map<Uuid, Clock::time_point, UuidLess> error_retries GUARDED_BY(mu);
};

namespace {

// Calls the client for one event. Returns true when JobError must be called again.
bool Deliver(CallbackDispatcher::State& s, const Event& ev) {
  std::shared_ptr<Core> core = s.core.lock();
  if (!core) return false;
  Registration reg;
  if (!core->GetRegistration(ev.job, &reg)) return false;
  ScopedRelease<IUnknown> hold_registration(reg.callback);
  if ((reg.flags & BG_NOTIFY_DISABLE) != 0) return false;

  IBackgroundCopyCallback* cb = nullptr;
  if (FAILED(reg.callback->QueryInterface(IID_IBackgroundCopyCallback,
                                          reinterpret_cast<void**>(&cb))) ||
      cb == nullptr) {
    return false;
  }
  ScopedRelease<IBackgroundCopyCallback> hold_callback(cb);
  JobObject* job = core->JobObjectFor(reg.job);
  ScopedRelease<JobObject> hold_job(job);
  IBackgroundCopyJob* job_itf = job;

  // Client code may throw; it must not end this thread.
  try {
    switch (ev.kind) {
      case JobEvent::kTransferred:
        if ((reg.flags & BG_NOTIFY_JOB_TRANSFERRED) != 0) cb->JobTransferred(job_itf);
        return false;
      case JobEvent::kModification:
        if ((reg.flags & BG_NOTIFY_JOB_MODIFICATION) != 0) cb->JobModification(job_itf, 0);
        return false;
      case JobEvent::kError: {
        if ((reg.flags & BG_NOTIFY_JOB_ERROR) == 0) return false;
        if (reg.job->State() != JobState::kError) return false;  // moved on
        JobErrorInfo info;
        if (FAILED(core->backend().GetError(ev.job, &info))) return false;
        ErrorObject* error = ErrorObject::Create(core, reg.job, info);
        ScopedRelease<ErrorObject> hold_error(error);
        return cb->JobError(job_itf, error) != S_OK;
      }
    }
  } catch (...) {
    return ev.kind == JobEvent::kError;
  }
  return false;
}

void Run(std::shared_ptr<CallbackDispatcher::State> s) {
  engine::MutexLock lock(s->mu);
  for (;;) {
    if (s->stop) return;
    Event ev;
    if (!s->queue.empty()) {
      ev = s->queue.front();
      s->queue.pop_front();
      if (ev.kind == JobEvent::kModification) s->pending_modification.erase(ev.job);
    } else if (!s->error_retries.empty()) {
      auto due = s->error_retries.begin();
      for (auto it = s->error_retries.begin(); it != s->error_retries.end(); ++it) {
        if (it->second < due->second) due = it;
      }
      if (due->second > Clock::now()) {
        s->cv.WaitUntil(s->mu, due->second);
        continue;
      }
      ev = {due->first, JobEvent::kError};
      s->error_retries.erase(due);
    } else {
      s->cv.Wait(s->mu);
      continue;
    }
    s->mu.Unlock();
    const bool again = Deliver(*s, ev);  // may destroy the Core (and call Stop) on this thread
    s->mu.Lock();
    if (again && !s->stop) s->error_retries[ev.job] = Clock::now() + JobErrorRetryInterval();
  }
}

}  // namespace

CallbackDispatcher::CallbackDispatcher(std::weak_ptr<Core> core)
    : state_(std::make_shared<State>(std::move(core))) {
  thread_ = std::thread(Run, state_);
}

CallbackDispatcher::~CallbackDispatcher() { Stop(); }

void CallbackDispatcher::OnJobEvent(const BackendEvent& event) {
  {
    engine::MutexLock lock(g_engine_thread_mu);
    g_engine_thread = std::this_thread::get_id();
  }
  Queue(event);
}

void CallbackDispatcher::Queue(const BackendEvent& event) {
  const Uuid& job = event.job;
  engine::MutexLock lock(state_->mu);
  if (state_->stop) return;
  if (event.kind == JobEvent::kModification) {
    if (!state_->pending_modification.insert(job).second) return;  // one is already queued
  } else if (event.kind == JobEvent::kError) {
    state_->error_retries.erase(job);  // this fresh event replaces a pending repeat
  }
  state_->queue.push_back(event);
  state_->cv.NotifyOne();
}

void CallbackDispatcher::Stop() {
  {
    engine::MutexLock lock(state_->mu);
    state_->stop = true;
    state_->queue.clear();
    state_->error_retries.clear();
  }
  state_->cv.NotifyAll();
  if (!thread_.joinable()) return;
  if (thread_.get_id() == std::this_thread::get_id()) {
    thread_.detach();  // Run holds its own reference to the state and returns on `stop`
  } else {
    thread_.join();
  }
}

}  // namespace shoal::api
