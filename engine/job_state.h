// The BITS job lifecycle as one transition table: (state, action) -> (HRESULT, next state).
// Caller actions and engine events alike. Thread-safe (pure function).
#pragma once

#include "engine/hresult.h"
#include "engine/types.h"

namespace shoal::engine {

enum class JobAction {
  // Caller actions (the facade's mutators).
  kAddFile,
  kResume,
  kSuspend,
  kCancel,
  kComplete,
  kSetProperty,
  // Engine events.
  kConnect,         // work on the job began (metainfo fetch, adding torrents)
  kStartTransfer,   // the first source delivers
  kAllFilesDone,    // every file is hash-verified
  kTransientError,  // recoverable failure
  kFatalError,      // unrecoverable failure
  kRetry,           // retry delay elapsed
  kNoProgressTimeout,
};
inline constexpr int kJobActionCount = static_cast<int>(JobAction::kNoProgressTimeout) + 1;

struct Transition {
  hr::HResult result;  // what the caller gets; failed = refused, state unchanged
  JobState next;
};

// `has_files`: whether the job has at least one file (Resume on an empty job is refused).
// Complete returns S_OK here; whether it was partial is the engine's to say.
Transition NextState(JobState state, JobAction action, bool has_files);

}  // namespace shoal::engine
