// The BITS retry timers of one job as a value and pure rules: the no-progress window opens at
// the first transient error and closes on progress; a TRANSIENT_ERROR job is retried once
// MinimumRetryDelay passed, and fails for good once the window exceeds NoProgressTimeout.
// Time is the engine's injected Clock. Thread-compatible.
#pragma once

#include <optional>

#include "engine/clock.h"
#include "engine/types.h"

namespace shoal::engine {

struct RetryState {
  std::optional<Clock::TimePoint> no_progress_since;
  Clock::TimePoint retry_at{};
};

// A transient error at `now`: opens the window if it is closed. True when the error is final
// (NoProgressTimeout 0, or the window is spent); else the retry is due MinimumRetryDelay later.
bool OnTransientError(RetryState& retry, Clock::TimePoint now, const JobProperties& props);

enum class RetryDue { kNotYet, kRetry, kTimedOut };
// What a TRANSIENT_ERROR job does at `now`. The timeout wins over a retry due at the same
// moment, so a MinimumRetryDelay above NoProgressTimeout ends in ERROR, as in BITS.
RetryDue CheckRetry(const RetryState& retry, Clock::TimePoint now, const JobProperties& props);

// New bytes: the window closes.
inline void OnProgress(RetryState& retry) { retry.no_progress_since.reset(); }

}  // namespace shoal::engine
