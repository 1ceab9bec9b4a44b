// How a job fails, on the engine thread: fatal errors (ERROR, JobError), transient ones
// (TRANSIENT_ERROR, retried after MinimumRetryDelay), and the NoProgressTimeout that turns a
// run of transient errors without progress into ERROR. Time comes from the injected Clock.
#include <chrono>

#include "engine/engine_impl.h"

namespace shoal::engine {
namespace {

Clock::Duration Seconds(std::uint32_t s) {
  return std::chrono::duration_cast<Clock::Duration>(std::chrono::seconds(s));
}

}  // namespace

void Engine::Impl::RecordError(Job& job, hr::HResult code, ErrorContext context, int file,
                               std::string message) {
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
  RecordError(job, code, context, file, std::move(message));
  Apply(job, JobAction::kFatalError);
}

void Engine::Impl::TransientError(Job& job, hr::HResult code, ErrorContext context, int file,
                                  std::string message) {
  if (!IsActive(job.state)) return;
  RecordError(job, code, context, file, std::move(message));
  const Clock::TimePoint now = clock_->Now();
  if (!job.no_progress_since) job.no_progress_since = now;
  const std::uint32_t timeout = job.props.no_progress_timeout_s;
  if (timeout == 0 || now - *job.no_progress_since >= Seconds(timeout)) {
    // No retry allowed, or the window is spent: the error is final (JobError fires).
    Apply(job, JobAction::kFatalError);
    return;
  }
  job.retry_at = now + Seconds(job.props.minimum_retry_delay_s);
  Apply(job, JobAction::kTransientError);
}

void Engine::Impl::RunTimers(Job& job) {
  const Clock::TimePoint now = clock_->Now();
  // The timeout wins over a retry due at the same moment, so a MinimumRetryDelay above
  // NoProgressTimeout ends in ERROR, as in BITS.
  if (job.no_progress_since &&
      now - *job.no_progress_since >= Seconds(job.props.no_progress_timeout_s)) {
    Apply(job, JobAction::kNoProgressTimeout);
    return;
  }
  if (now < job.retry_at) return;
  if (hr::Failed(Apply(job, JobAction::kRetry))) return;
  job.queued_at_s = NowS();
  job.gate = HttpGate();
  Schedule(job);
}

}  // namespace shoal::engine
