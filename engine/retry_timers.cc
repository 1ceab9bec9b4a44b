#include "engine/retry_timers.h"

namespace shoal::engine {
namespace {

Clock::Duration Seconds(std::uint32_t s) {
  return std::chrono::duration_cast<Clock::Duration>(std::chrono::seconds(s));
}

}  // namespace

bool OnTransientError(RetryState& retry, Clock::TimePoint now, const JobProperties& props) {
  if (!retry.no_progress_since) retry.no_progress_since = now;
  const std::uint32_t timeout = props.no_progress_timeout_s;
  if (timeout == 0 || now - *retry.no_progress_since >= Seconds(timeout)) return true;
  retry.retry_at = now + Seconds(props.minimum_retry_delay_s);
  return false;
}

RetryDue CheckRetry(const RetryState& retry, Clock::TimePoint now, const JobProperties& props) {
  if (retry.no_progress_since &&
      now - *retry.no_progress_since >= Seconds(props.no_progress_timeout_s)) {
    return RetryDue::kTimedOut;
  }
  return now < retry.retry_at ? RetryDue::kNotYet : RetryDue::kRetry;
}

}  // namespace shoal::engine
