#include "engine/bandwidth.h"

#include <algorithm>

#include "engine/job.h"
#include "engine/swarm.h"

namespace shoal::engine {
std::uint64_t RateFor(const Job& job, const std::vector<std::unique_ptr<Job>>& jobs,
                      const EngineOptions& options) {
  const bool fg = Foreground(job);
  std::uint64_t limit = std::uint64_t{fg ? options.max_foreground_download_kbps
                                         : options.max_background_download_kbps} *
                        1024;
  std::uint64_t same_class = 0;
  bool foreground_active = false;
  for (const auto& other : jobs) {
    if (!IsActive(other->state)) continue;
    if (Foreground(*other) == fg) ++same_class;
    foreground_active = foreground_active || Foreground(*other);
  }
  if (!fg && foreground_active) {
    limit = limit == 0 ? kBackgroundYieldBytesS : std::min(limit, kBackgroundYieldBytesS);
  }
  if (limit == 0) return 0;
  std::uint64_t files = 0;
  for (int i = 0; i < static_cast<int>(job.files.size()); ++i) {
    files += job.tracker.FileDone(i) ? 0 : 1;
  }
  const std::uint64_t share =
      limit / std::max<std::uint64_t>(same_class, 1) / std::max<std::uint64_t>(files, 1);
  return std::max<std::uint64_t>(share, 1024);
}

void ApplyRates(const Job& job, std::uint64_t rate, Swarm& swarm) {
  for (const JobFile& f : job.files) {
    if (f.torrent < 0) continue;
    // When the CDN may serve this file, its requests take the other half (cdn_pump.cc).
    const std::uint64_t peers =
        job.cdn.unavailable ? std::max<std::uint64_t>(rate / 2, 1024) : rate;
    swarm.SetDownloadLimit(f.torrent, rate == 0 ? 0 : static_cast<int>(peers));
  }
}

}  // namespace shoal::engine
