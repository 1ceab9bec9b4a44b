// DOMaxCacheAge and DOAbsoluteMaxCacheSize as one rule: which finished files stay in the cache
// (served to peers) and which leave it. Plain functions of their arguments: thread-safe.
// The engine applies it at start and while it runs (seed_cache.cc).
#pragma once

#include <cstdint>
#include <vector>

namespace shoal::engine {

struct CachedFile {
  std::int64_t added_ns = 0;  // when Complete put it in place (ns since the Unix epoch)
  std::int64_t size = -1;     // bytes on disk; -1: the file is gone
};

// For each file, whether it stays: it exists, it completed no more than `max_age_s` before
// `now_ns`, and, taken newest first, it fits in what `max_size_bytes` leaves (0 = no size
// limit). A file too large for what is left is passed over; an older, smaller one may fit.
std::vector<bool> WithinCacheLimits(const std::vector<CachedFile>& files, std::int64_t now_ns,
                                    std::uint32_t max_age_s, std::uint64_t max_size_bytes);

}  // namespace shoal::engine
