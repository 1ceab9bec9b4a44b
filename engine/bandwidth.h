// Download rate caps: DOMaxForegroundDownloadBandwidth and DOMaxBackgroundDownloadBandwidth
// shared by the active jobs of each class, foreground precedence, and the split of a file's
// cap between its peers and the CDN. Pure functions of the jobs they are given (engine-thread
// data: thread-compatible); ApplyRates writes the caps into the swarm.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "engine/options.h"

namespace shoal::engine {

struct Job;
class Swarm;

// While a FOREGROUND job is active, every other job is held to this trickle (bytes/s), so
// the foreground job gets the link and the others keep their connections.
inline constexpr std::uint64_t kBackgroundYieldBytesS = 16 * 1024;

// A file's download cap in bytes/s (0 = none): its job's class limit shared evenly by the
// class's active jobs and the job's unfinished files, never below 1 KiB/s.
std::uint64_t RateFor(const Job& job, const std::vector<std::unique_ptr<Job>>& jobs,
                      const EngineOptions& options);
// Sets each of the job's torrents to `rate` (halved while the CDN may serve the file, whose
// requests take the other half).
void ApplyRates(const Job& job, std::uint64_t rate, Swarm& swarm);

}  // namespace shoal::engine
