#include "engine/cache_limits.h"

#include <algorithm>
#include <numeric>

namespace shoal::engine {

std::vector<bool> WithinCacheLimits(const std::vector<CachedFile>& files, std::int64_t now_ns,
                                    std::uint32_t max_age_s, std::uint64_t max_size_bytes) {
  std::vector<std::size_t> newest_first(files.size());
  std::iota(newest_first.begin(), newest_first.end(), std::size_t{0});
  std::stable_sort(newest_first.begin(), newest_first.end(), [&](std::size_t a, std::size_t b) {
    return files[a].added_ns > files[b].added_ns;
  });
  const std::int64_t max_age_ns = std::int64_t{max_age_s} * 1'000'000'000;
  std::vector<bool> keep(files.size(), false);
  std::uint64_t cached = 0;
  for (const std::size_t i : newest_first) {
    const CachedFile& f = files[i];
    if (f.size < 0 || now_ns - f.added_ns > max_age_ns) continue;
    const auto size = static_cast<std::uint64_t>(f.size);
    if (max_size_bytes != 0 && cached + size > max_size_bytes) continue;
    cached += size;
    keep[i] = true;
  }
  return keep;
}

}  // namespace shoal::engine
