#include "engine/job_state.h"

#include <gtest/gtest.h>

namespace shoal::engine {
namespace {

using S = JobState;
using A = JobAction;

constexpr S kAllStates[] = {S::kQueued,        S::kConnecting,  S::kTransferring,
                            S::kSuspended,     S::kError,       S::kTransientError,
                            S::kTransferred,   S::kAcknowledged, S::kCancelled};

struct Expect {
  hr::HResult result;
  S next;
};

// The whole table, written out state by state, so that any change to it shows here.
Expect Expected(S s, A a, bool has_files) {
  const Expect refuse{hr::kBgEInvalidState, s};
  const Expect stay{hr::kOk, s};
  const bool final = s == S::kAcknowledged || s == S::kCancelled;
  const bool active = s == S::kQueued || s == S::kConnecting || s == S::kTransferring;
  if (final) return refuse;
  switch (a) {
    case A::kAddFile:
    case A::kSetProperty: return stay;
    case A::kResume:
      if (s == S::kSuspended && !has_files) return {hr::kBgEEmpty, s};
      return active ? stay : Expect{hr::kOk, S::kQueued};
    case A::kSuspend: return {hr::kOk, S::kSuspended};
    case A::kCancel: return {hr::kOk, S::kCancelled};
    case A::kComplete: return {hr::kOk, S::kAcknowledged};
    case A::kConnect: return s == S::kQueued ? Expect{hr::kOk, S::kConnecting} : refuse;
    case A::kStartTransfer:
      return s == S::kQueued || s == S::kConnecting ? Expect{hr::kOk, S::kTransferring} : refuse;
    case A::kAllFilesDone: return active ? Expect{hr::kOk, S::kTransferred} : refuse;
    case A::kTransientError: return active ? Expect{hr::kOk, S::kTransientError} : refuse;
    case A::kFatalError:
      return active || s == S::kTransientError ? Expect{hr::kOk, S::kError} : refuse;
    case A::kRetry: return s == S::kTransientError ? Expect{hr::kOk, S::kQueued} : refuse;
    case A::kNoProgressTimeout:
      return s == S::kTransientError ? Expect{hr::kOk, S::kError} : refuse;
  }
  return refuse;
}

TEST(JobStateTable, EveryStateActionPairMatchesBits) {
  int checked = 0;
  for (S s : kAllStates) {
    for (int a = 0; a < kJobActionCount; ++a) {
      for (bool has_files : {false, true}) {
        const Transition t = NextState(s, static_cast<A>(a), has_files);
        const Expect e = Expected(s, static_cast<A>(a), has_files);
        EXPECT_EQ(t.result, e.result) << ToString(s) << " action " << a << " files " << has_files;
        EXPECT_EQ(t.next, e.next) << ToString(s) << " action " << a << " files " << has_files;
        ++checked;
      }
    }
  }
  EXPECT_EQ(checked, 9 * kJobActionCount * 2);
}

TEST(JobStateTable, FinalStatesRefuseEveryMutator) {
  for (S s : {S::kAcknowledged, S::kCancelled}) {
    for (A a : {A::kAddFile, A::kResume, A::kSuspend, A::kCancel, A::kComplete, A::kSetProperty}) {
      const Transition t = NextState(s, a, true);
      EXPECT_EQ(t.result, hr::kBgEInvalidState);
      EXPECT_EQ(t.next, s);
    }
  }
}

TEST(JobStateTable, ResumeOnEmptyJobStaysSuspendedWithBgEEmpty) {
  const Transition t = NextState(S::kSuspended, A::kResume, false);
  EXPECT_EQ(t.result, hr::kBgEEmpty);
  EXPECT_EQ(t.next, S::kSuspended);
}

TEST(JobStateTable, ErrorStatesRequeueOnResume) {
  EXPECT_EQ(NextState(S::kError, A::kResume, true).next, S::kQueued);
  EXPECT_EQ(NextState(S::kTransientError, A::kResume, true).next, S::kQueued);
  EXPECT_EQ(NextState(S::kTransferred, A::kResume, true).next, S::kQueued);
}

}  // namespace
}  // namespace shoal::engine
