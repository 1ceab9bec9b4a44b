// JobCells: the job-wide figures readers poll (state, error count, progress, sources, times,
// activity), as they lie in memory. One writer each, read from any thread without a lock
// (atomics and seqlocks, all address-free, so they also work in memory shared between
// processes). The engine's JobView, each slot of the service's progress page and a service
// client's copy of a finished job are all this one struct.
#pragma once

#include <atomic>
#include <cstdint>
#include <type_traits>

#include "engine/seqlock.h"
#include "engine/types.h"

namespace shoal::engine {

struct JobCells {
  std::atomic<JobState> state{JobState::kSuspended};
  std::atomic<std::uint32_t> error_count{0};
  SeqLocked<JobProgress> progress;
  SeqLocked<SourceBytes> sources;
  SeqLocked<JobTimes> times;
  SeqLocked<JobActivity> activity;
};

static_assert(std::is_standard_layout_v<JobCells>);
static_assert(std::is_trivially_destructible_v<JobCells>);

}  // namespace shoal::engine
