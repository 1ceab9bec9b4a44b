// The BITS retry rules as pure functions on a fake time line.
#include "engine/retry_timers.h"

#include <gtest/gtest.h>

namespace shoal::engine {
namespace {

using std::chrono::seconds;

JobProperties Props(std::uint32_t retry_s, std::uint32_t timeout_s) {
  JobProperties p;
  p.minimum_retry_delay_s = retry_s;
  p.no_progress_timeout_s = timeout_s;
  return p;
}

TEST(RetryTimers, TransientErrorSchedulesARetryAfterMinimumRetryDelay) {
  const Clock::TimePoint t0{seconds(100)};
  RetryState r;
  EXPECT_FALSE(OnTransientError(r, t0, Props(60, 3600)));
  ASSERT_TRUE(r.no_progress_since);
  EXPECT_EQ(*r.no_progress_since, t0);
  EXPECT_EQ(CheckRetry(r, t0 + seconds(59), Props(60, 3600)), RetryDue::kNotYet);
  EXPECT_EQ(CheckRetry(r, t0 + seconds(60), Props(60, 3600)), RetryDue::kRetry);
}

TEST(RetryTimers, TheWindowOpensOnceAndClosesOnProgress) {
  const Clock::TimePoint t0{seconds(100)};
  RetryState r;
  OnTransientError(r, t0, Props(10, 3600));
  OnTransientError(r, t0 + seconds(30), Props(10, 3600));  // a failed retry
  EXPECT_EQ(*r.no_progress_since, t0);                     // the window kept its start
  EXPECT_EQ(r.retry_at, t0 + seconds(40));
  OnProgress(r);
  EXPECT_FALSE(r.no_progress_since);
}

TEST(RetryTimers, ZeroTimeoutOrASpentWindowIsFinal) {
  const Clock::TimePoint t0{seconds(100)};
  RetryState a;
  EXPECT_TRUE(OnTransientError(a, t0, Props(60, 0)));
  RetryState b;
  EXPECT_FALSE(OnTransientError(b, t0, Props(60, 120)));
  EXPECT_TRUE(OnTransientError(b, t0 + seconds(120), Props(60, 120)));
}

TEST(RetryTimers, TimeoutWinsOverARetryDueAtTheSameMoment) {
  const Clock::TimePoint t0{seconds(100)};
  RetryState r;
  OnTransientError(r, t0, Props(600, 300));  // MinimumRetryDelay above NoProgressTimeout
  EXPECT_EQ(CheckRetry(r, t0 + seconds(299), Props(600, 300)), RetryDue::kNotYet);
  EXPECT_EQ(CheckRetry(r, t0 + seconds(300), Props(600, 300)), RetryDue::kTimedOut);
  EXPECT_EQ(CheckRetry(r, t0 + seconds(600), Props(600, 300)), RetryDue::kTimedOut);
}

}  // namespace
}  // namespace shoal::engine
