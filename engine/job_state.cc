#include "engine/job_state.h"

namespace shoal::engine {
Transition NextState(JobState s, JobAction a, bool has_files) {
  const Transition stay{hr::kOk, s};
  const Transition refuse{hr::kBgEInvalidState, s};
  if (IsFinal(s)) return refuse;  // a final state is never left

  switch (a) {
    case JobAction::kAddFile:
    case JobAction::kSetProperty:
      return stay;
    case JobAction::kResume:
      if (s == JobState::kSuspended && !has_files) return {hr::kBgEEmpty, s};
      if (IsActive(s)) return stay;
      return {hr::kOk, JobState::kQueued};  // SUSPENDED, ERROR, TRANSIENT_ERROR, TRANSFERRED
    case JobAction::kSuspend:
      return {hr::kOk, JobState::kSuspended};
    case JobAction::kCancel:
      return {hr::kOk, JobState::kCancelled};
    case JobAction::kComplete:
      return {hr::kOk, JobState::kAcknowledged};
    case JobAction::kConnect:
      if (s == JobState::kQueued) return {hr::kOk, JobState::kConnecting};
      return refuse;
    case JobAction::kStartTransfer:
      if (s == JobState::kQueued || s == JobState::kConnecting) {
        return {hr::kOk, JobState::kTransferring};
      }
      return refuse;
    case JobAction::kAllFilesDone:
      if (IsActive(s)) return {hr::kOk, JobState::kTransferred};
      return refuse;
    case JobAction::kTransientError:
      if (IsActive(s)) return {hr::kOk, JobState::kTransientError};
      return refuse;
    case JobAction::kFatalError:
      if (IsActive(s) || s == JobState::kTransientError) return {hr::kOk, JobState::kError};
      return refuse;
    case JobAction::kRetry:
      if (s == JobState::kTransientError) return {hr::kOk, JobState::kQueued};
      return refuse;
    case JobAction::kNoProgressTimeout:
      if (s == JobState::kTransientError) return {hr::kOk, JobState::kError};
      return refuse;
  }
  return refuse;
}

}  // namespace shoal::engine
