#include "api/src/callback_dispatcher.h"

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <deque>
#include <map>
#include <set>
#include <vector>

#include "api/src/com_object.h"
#include "api/src/core.h"
#include "api/src/error.h"
#include "api/src/file.h"
#include "api/src/job.h"
#include "api/src/notify_cmd.h"
#include "engine/mutex.h"
#include "shoal/bits.h"

namespace shoal::api {
namespace {

using Clock = std::chrono::steady_clock;

std::atomic<std::int64_t> g_retry_ms{5000};
engine::Mutex g_engine_thread_mu;
std::thread::id g_engine_thread GUARDED_BY(g_engine_thread_mu);

using Event = BackendEvent;

// Deliveries under way, process-wide. A client may release its last reference while one of its
// callbacks runs (the Core, and its engine, are then destroyed on the dispatcher's thread once
// the callback returns) and return from main meanwhile: exit would tear down the libraries that
// engine still runs on (seen: OpenSSL's cleanup under libtorrent's start-up, a SIGSEGV at the
// exit of `shoal get`). Exit waits for them, up to kExitWait: a handler registered at the first
// delivery, so it runs before the exit handlers registered earlier (the library's statics).
// Never destroyed: a delivery that starts during exit still finds it.
class Deliveries {
 public:
  static constexpr std::chrono::seconds kExitWait{30};
  static Deliveries& Get() {
    static Deliveries* const deliveries = [] {
      auto* d = new Deliveries();
      std::atexit([] { Get().WaitForNone(); });
      return d;
    }();
    return *deliveries;
  }
  void Begin() {
    engine::MutexLock lock(mu_);
    ++n_;
  }
  void End() {
    engine::MutexLock lock(mu_);
    if (--n_ == 0) cv_.NotifyAll();
  }
  void WaitForNone() {
    engine::MutexLock lock(mu_);
    cv_.WaitUntil(mu_, Clock::now() + kExitWait, [this]() REQUIRES(mu_) { return n_ == 0; });
  }

 private:
  Deliveries() = default;
  engine::Mutex mu_;
  engine::CondVar cv_;
  int n_ GUARDED_BY(mu_) = 0;
};

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
  // Per job, which files FileTransferred was called for (by index).
  std::map<Uuid, std::vector<bool>, UuidLess> files_reported GUARDED_BY(mu);
};

namespace {

// The job's notify command line, for a TRANSFERRED or ERROR event no interface took
// (IBackgroundCopyJob2::SetNotifyCmdLine: "only if the interface isn't registered or the
// callback methods fail"), when the job is still in that state and its flags ask for it.
void RunCommandLine(Core& core, const Event& ev) {
  if (ev.kind != JobEvent::kTransferred && ev.kind != JobEvent::kError) return;
  const std::shared_ptr<const JobHandle> job = core.backend().FindJob(ev.job);
  if (!job) return;
  const JobState want =
      ev.kind == JobEvent::kTransferred ? JobState::kTransferred : JobState::kError;
  if (job->State() != want) return;
  JobProperties props;
  if (FAILED(core.backend().GetProperties(ev.job, &props)) || props.notify_program.empty()) return;
  const std::uint32_t flag =
      ev.kind == JobEvent::kTransferred ? BG_NOTIFY_JOB_TRANSFERRED : BG_NOTIFY_JOB_ERROR;
  if ((props.notify_flags & BG_NOTIFY_DISABLE) != 0 || (props.notify_flags & flag) == 0) return;
  StartNotifyProgram(props.notify_program, props.notify_parameters);
}

// IBackgroundCopyCallback2::FileTransferred for each file done since the last call, in file
// order, once per file.
void ReportFiles(CallbackDispatcher::State& s, Core& core, const Registration& reg,
                 IBackgroundCopyCallback* cb, IBackgroundCopyJob* job_itf) {
  if ((reg.flags & BG_NOTIFY_FILE_TRANSFERRED) == 0) return;
  IBackgroundCopyCallback2* cb2 = nullptr;
  if (FAILED(cb->QueryInterface(IID_IBackgroundCopyCallback2, reinterpret_cast<void**>(&cb2))) ||
      cb2 == nullptr) {
    return;
  }
  ScopedRelease<IBackgroundCopyCallback2> hold(cb2);
  const std::size_t count = reg.job->FileCount();
  std::vector<std::size_t> due;
  {
    engine::MutexLock lock(s.mu);
    std::vector<bool>& reported = s.files_reported[reg.job->id()];
    reported.resize(std::max(reported.size(), count), false);
    for (std::size_t i = 0; i < count; ++i) {
      const FileProgress p = reg.job->GetFileProgress(i);
      if (reported[i] || p.bytes_total == engine::kSizeUnknown ||
          p.bytes_transferred != p.bytes_total) {
        continue;
      }
      reported[i] = true;
      due.push_back(i);
    }
  }
  if (due.empty()) return;
  std::vector<FileInfo> files;
  if (FAILED(core.backend().GetFiles(reg.job->id(), &files))) return;
  for (const std::size_t i : due) {
    if (i >= files.size()) break;
    auto* file = new FileObject(reg.job, i, files[i]);
    ScopedRelease<FileObject> hold_file(file);
    cb2->FileTransferred(job_itf, static_cast<IBackgroundCopyFile5*>(file));
  }
}

// Calls the client for one event (`repeat`: a JobError called again). Returns true when
// JobError must be called again.
bool Deliver(CallbackDispatcher::State& s, const Event& ev, bool repeat) {
  std::shared_ptr<Core> core = s.core.lock();
  if (!core) return false;
  Registration reg;
  if (!core->GetRegistration(ev.job, &reg)) {
    {
      engine::MutexLock lock(s.mu);
      s.files_reported.erase(ev.job);  // unregistered (or final): nothing more to report
    }
    if (!repeat) RunCommandLine(*core, ev);
    return false;
  }
  ScopedRelease<IUnknown> hold_registration(reg.callback);
  if ((reg.flags & BG_NOTIFY_DISABLE) != 0) return false;

  IBackgroundCopyCallback* cb = nullptr;
  if (FAILED(reg.callback->QueryInterface(IID_IBackgroundCopyCallback,
                                          reinterpret_cast<void**>(&cb))) ||
      cb == nullptr) {
    if (!repeat) RunCommandLine(*core, ev);
    return false;
  }
  ScopedRelease<IBackgroundCopyCallback> hold_callback(cb);
  JobObject* job = core->JobObjectFor(reg.job);
  ScopedRelease<JobObject> hold_job(job);
  IBackgroundCopyJob* job_itf = job;

  // Client code may throw; it must not end this thread.
  try {
    switch (ev.kind) {
      case JobEvent::kTransferred: {
        ReportFiles(s, *core, reg, cb, job_itf);  // the last files before the job
        if ((reg.flags & BG_NOTIFY_JOB_TRANSFERRED) == 0) return false;
        if (FAILED(cb->JobTransferred(job_itf))) RunCommandLine(*core, ev);
        return false;
      }
      case JobEvent::kModification:
        ReportFiles(s, *core, reg, cb, job_itf);
        if ((reg.flags & BG_NOTIFY_JOB_MODIFICATION) != 0) cb->JobModification(job_itf, 0);
        return false;
      case JobEvent::kError: {
        if ((reg.flags & BG_NOTIFY_JOB_ERROR) == 0) return false;
        if (reg.job->State() != JobState::kError) return false;  // moved on
        JobErrorInfo info;
        if (FAILED(core->backend().GetError(ev.job, &info))) return false;
        ErrorObject* error = ErrorObject::Create(core, reg.job, info);
        ScopedRelease<ErrorObject> hold_error(error);
        const bool again = cb->JobError(job_itf, error) != S_OK;
        if (again && !repeat) RunCommandLine(*core, ev);
        return again;
      }
    }
  } catch (...) {
    if (!repeat && ev.kind != JobEvent::kModification) RunCommandLine(*core, ev);
    return ev.kind == JobEvent::kError;
  }
  return false;
}

void Run(std::shared_ptr<CallbackDispatcher::State> s) {
  engine::MutexLock lock(s->mu);
  for (;;) {
    if (s->stop) return;
    Event ev;
    bool repeat = false;
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
      repeat = true;
      s->error_retries.erase(due);
    } else {
      s->cv.Wait(s->mu);
      continue;
    }
    s->mu.Unlock();
    Deliveries::Get().Begin();
    const bool again =
        Deliver(*s, ev, repeat);  // may destroy the Core (and call Stop) on this thread
    Deliveries::Get().End();
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
