// The cache rule (DOMaxCacheAge, DOAbsoluteMaxCacheSize) as a pure function.
#include "engine/cache_limits.h"

#include <gtest/gtest.h>

namespace shoal::engine {
namespace {

constexpr std::int64_t kSecond = 1'000'000'000;
constexpr std::int64_t kNow = 1'800'000'000 * kSecond;
constexpr std::uint32_t kThreeDays = 3 * 86400;

TEST(CacheLimits, KeepsFilesUpToMaxAgeAndDropsOlderOnes) {
  const std::vector<CachedFile> files = {
      {kNow - kThreeDays * kSecond - 1, 10},  // one ns past the age
      {kNow - kThreeDays * kSecond, 10},      // exactly the age
      {kNow, 10}};
  EXPECT_EQ(WithinCacheLimits(files, kNow, kThreeDays, 0), (std::vector<bool>{false, true, true}));
}

TEST(CacheLimits, DropsFilesThatAreGone) {
  EXPECT_EQ(WithinCacheLimits({{kNow, -1}, {kNow, 0}}, kNow, kThreeDays, 0),
            (std::vector<bool>{false, true}));
}

TEST(CacheLimits, KeepsTheNewestThatFitInMaxSizeWhateverTheirOrder) {
  // Listed out of order: the newest two (300 + 400 bytes) fit in 700, the oldest does not.
  const std::vector<CachedFile> files = {
      {kNow - 2 * kSecond, 300}, {kNow - 9 * kSecond, 100}, {kNow - 1 * kSecond, 400}};
  EXPECT_EQ(WithinCacheLimits(files, kNow, kThreeDays, 700),
            (std::vector<bool>{true, false, true}));
  EXPECT_EQ(WithinCacheLimits(files, kNow, kThreeDays, 800), (std::vector<bool>{true, true, true}));
}

TEST(CacheLimits, PassesOverAFileTooLargeForWhatIsLeftAndKeepsAnOlderSmallerOne) {
  const std::vector<CachedFile> files = {
      {kNow - 3 * kSecond, 50}, {kNow - 2 * kSecond, 500}, {kNow - 1 * kSecond, 400}};
  EXPECT_EQ(WithinCacheLimits(files, kNow, kThreeDays, 450),
            (std::vector<bool>{true, false, true}));
}

}  // namespace
}  // namespace shoal::engine
