// How a job fails, on the engine thread: fatal errors (ERROR, JobError), transient ones
// (TRANSIENT_ERROR, retried after MinimumRetryDelay), and the NoProgressTimeout that turns a
// run of transient errors without progress into ERROR (the rules: retry_timers.h).
#include "engine/engine_impl.h"
#include "engine/log.h"

namespace shoal::engine {

void Engine::Impl::RecordError(Job& job, hr::HResult code, ErrorContext context, int file,
                               std::string message) {
  AssertEngineThread(__func__);
  std::string protocol;
  if (file >= 0) {
    const std::string& url = job.files[file].spec.remote_url;
    protocol = url.substr(0, url.find(':'));
  }
  job.error = JobErrorInfo{code, context, file, std::move(message), std::move(protocol)};
  // BITS counts every failure: each entry to (TRANSIENT_)ERROR and each failed retry.
  job.view->error_count.fetch_add(1, std::memory_order_relaxed);
  ++job.generation;
  PauseTorrents(job);
}

void Engine::Impl::Fail(Job& job, hr::HResult code, ErrorContext context, int file,
                        std::string message) {
  if (IsFinal(job.state) || job.state == JobState::kError) return;
  ShareError(job, code, context, file, message, /*transient=*/false);
  RecordError(job, code, context, file, std::move(message));
  Apply(job, JobAction::kFatalError);
}

void Engine::Impl::TransientError(Job& job, hr::HResult code, ErrorContext context, int file,
                                  std::string message) {
  if (!IsActive(job.state)) return;
  ShareError(job, code, context, file, message, /*transient=*/true);
  RecordError(job, code, context, file, std::move(message));
  if (OnTransientError(job.retry, clock_->Now(), job.props)) {
    // No retry allowed, or the window is spent: the error is final (JobError fires).
    if (job.error) job.error->no_progress = true;
    Apply(job, JobAction::kFatalError);
    return;
  }
  Apply(job, JobAction::kTransientError);
}

void Engine::Impl::RunTimers(Job& job) {
  switch (CheckRetry(job.retry, clock_->Now(), job.props)) {
    case RetryDue::kNotYet:
      return;
    case RetryDue::kTimedOut:
      if (job.error) job.error->no_progress = true;
      Apply(job, JobAction::kNoProgressTimeout);
      return;
    case RetryDue::kRetry:
      if (hr::Failed(Apply(job, JobAction::kRetry))) return;
      job.queued_at_s = NowS();
      job.cdn.gate = HttpGate();
      Schedule(job);
      return;
  }
}

}  // namespace shoal::engine
