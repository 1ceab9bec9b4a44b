// SeedCache over an in-memory store, a scripted swarm and a fake clock: what is served, what
// leaves the cache by age or size, and that a file is deleted only when it is the store's.
#include "engine/seed_cache.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "tests/support/engine_fakes.h"
#include "tests/support/fixtures.h"

namespace shoal::engine {
namespace {

using testing::FakeJobStore;
using testing::FakeSwarm;

class SeedCacheTest : public ::testing::Test {
 protected:
  FakeJobStore store_;
  FakeSwarm swarm_;
  FakeClock clock_;
  EngineOptions options_;
  ResumeBook resume_{&store_, swarm_};
  testing::TempDir dir_;
};

TEST_F(SeedCacheTest, ServeStoresTheSeedAndReplacesTheSamePath) {
  SeedCache cache(options_, &store_, swarm_, resume_, clock_);
  testing::WriteFile(dir_ / "a", "aaaa");
  cache.Serve(1, "meta", dir_.path().string(), "a", {}, false);
  EXPECT_EQ(store_.seeds.size(), 1u);
  cache.Serve(2, "meta2", dir_.path().string(), "a", {}, false);  // completed again, same path
  EXPECT_EQ(cache.size(), 1u);
  EXPECT_TRUE(swarm_.torrents[1].removed);
  EXPECT_EQ(store_.seeds.begin()->second.metainfo, "meta2");
}

TEST_F(SeedCacheTest, TheNewestThatFitTheSizeLimitStay) {
  options_.absolute_max_cache_size_bytes = 10;
  SeedCache cache(options_, &store_, swarm_, resume_, clock_);
  testing::WriteFile(dir_ / "old", std::string(6, 'o'));
  testing::WriteFile(dir_ / "new", std::string(6, 'n'));
  cache.Serve(1, "m1", dir_.path().string(), "old", {}, false);
  clock_.Advance(std::chrono::seconds(1));
  cache.Serve(2, "m2", dir_.path().string(), "new", {}, false);
  EXPECT_EQ(cache.size(), 1u);
  EXPECT_TRUE(swarm_.torrents[1].removed);
  EXPECT_FALSE(swarm_.torrents[2].removed);
  EXPECT_EQ(store_.seeds.count(dir_ / "old"), 0u);
  EXPECT_TRUE(std::filesystem::exists(dir_ / "old"));  // the user's file stays
}

TEST_F(SeedCacheTest, ContentPastMaxCacheAgeLeavesAtTheMinuteCheck) {
  options_.max_cache_age_s = 3600;
  SeedCache cache(options_, &store_, swarm_, resume_, clock_);
  testing::WriteFile(dir_ / "a", "a");
  cache.Serve(1, "m", dir_.path().string(), "a", {}, false);
  clock_.Advance(std::chrono::hours(2));
  cache.Check(30);  // not a minute since the last check
  EXPECT_EQ(cache.size(), 1u);
  cache.Check(60);
  EXPECT_EQ(cache.size(), 0u);
  EXPECT_TRUE(swarm_.torrents[1].removed);
  EXPECT_TRUE(store_.seeds.empty());
}

// Decision 0017: a file of the service's store is nobody else's; it goes with its seed.
TEST_F(SeedCacheTest, AStoreFileLeavesWithItsSeed) {
  options_.absolute_max_cache_size_bytes = 10;
  SeedCache cache(options_, &store_, swarm_, resume_, clock_);
  testing::WriteFile(dir_ / "old", std::string(6, 'o'));
  testing::WriteFile(dir_ / "new", std::string(6, 'n'));
  cache.Serve(1, "m1", dir_.path().string(), "old", {}, /*owned=*/true);
  clock_.Advance(std::chrono::seconds(1));
  cache.Serve(2, "m2", dir_.path().string(), "new", {}, /*owned=*/true);
  EXPECT_EQ(cache.size(), 1u);
  EXPECT_TRUE(swarm_.torrents[1].removed);
  EXPECT_FALSE(std::filesystem::exists(dir_ / "old"));
  EXPECT_TRUE(std::filesystem::exists(dir_ / "new"));
}

// After a restart the store's own files still go with their seeds; the users' stay.
TEST_F(SeedCacheTest, ARestoredStoreFileLeavesWithItsSeed) {
  options_.max_cache_age_s = 3600;
  const std::int64_t aged = clock_.WallNs() - std::int64_t{7200} * 1'000'000'000;
  testing::WriteFile(dir_ / "store-aged", "s");
  testing::WriteFile(dir_ / "user-aged", "u");
  testing::WriteFile(dir_ / "store-kept", "k");
  store_.seeds[dir_ / "store-aged"] = {"m1", dir_.path().string(), "store-aged", aged, true};
  store_.seeds[dir_ / "user-aged"] = {"m2", dir_.path().string(), "user-aged", aged, false};
  store_.seeds[dir_ / "store-kept"] = {"m3", dir_.path().string(), "store-kept",
                                       clock_.WallNs(), true};
  SeedCache cache(options_, &store_, swarm_, resume_, clock_);
  std::string warnings;
  cache.Restore(&warnings);
  EXPECT_EQ(cache.size(), 1u);
  EXPECT_FALSE(std::filesystem::exists(dir_ / "store-aged"));
  EXPECT_TRUE(std::filesystem::exists(dir_ / "user-aged")) << "a user's file is never deleted";
  // The restored store file is still the store's when it ages out later.
  clock_.Advance(std::chrono::hours(2));
  cache.Check(60);  // the minute check
  EXPECT_EQ(cache.size(), 0u);
  EXPECT_FALSE(std::filesystem::exists(dir_ / "store-kept"));
}

// DOMaxCacheSize: with no absolute limit, a percentage of the disk holding the content.
TEST_F(SeedCacheTest, WithoutAnAbsoluteLimitAPercentageOfTheDiskHolds) {
  options_.max_cache_size_percent = 10;  // of a 100-byte disk: 10 bytes
  std::string asked;
  SeedCache cache(options_, &store_, swarm_, resume_, clock_, [&](const std::string& dir) {
    asked = dir;
    return std::uint64_t{100};
  });
  testing::WriteFile(dir_ / "old", std::string(6, 'o'));
  testing::WriteFile(dir_ / "new", std::string(6, 'n'));
  cache.Serve(1, "m1", dir_.path().string(), "old", {}, false);
  clock_.Advance(std::chrono::seconds(1));
  cache.Serve(2, "m2", dir_.path().string(), "new", {}, false);
  EXPECT_EQ(asked, dir_.path().string());
  EXPECT_EQ(cache.size(), 1u);
  EXPECT_TRUE(swarm_.torrents[1].removed);
  EXPECT_EQ(cache.evictions(), 1u);
  // An absolute limit overrides the percentage; 0 percent is no limit.
  options_.absolute_max_cache_size_bytes = 100;
  cache.Serve(3, "m3", dir_.path().string(), "old", {}, false);
  EXPECT_EQ(cache.size(), 2u);
}

TEST_F(SeedCacheTest, RestoreServesStoredSeedsWithinTheLimits) {
  testing::WriteFile(dir_ / "kept", "k");
  store_.seeds[dir_ / "kept"] = {"m1", dir_.path().string(), "kept", clock_.WallNs()};
  store_.seeds[dir_ / "gone"] = {"m2", dir_.path().string(), "gone", clock_.WallNs()};  // no file
  options_.max_cache_age_s = 3600;
  store_.seeds[dir_ / "aged"] = {"m3", dir_.path().string(), "aged",
                                 clock_.WallNs() - std::int64_t{7200} * 1'000'000'000};
  testing::WriteFile(dir_ / "aged", "a");
  SeedCache cache(options_, &store_, swarm_, resume_, clock_);
  std::string warnings;
  cache.Restore(&warnings);
  EXPECT_EQ(cache.size(), 1u);
  ASSERT_EQ(swarm_.torrents.size(), 1u);
  EXPECT_EQ(swarm_.torrents.begin()->second.params.file_name, "kept");
  EXPECT_EQ(swarm_.torrents.begin()->second.params.job_file, -1);  // served, never downloaded
  EXPECT_EQ(store_.seeds.size(), 1u);
}

TEST_F(SeedCacheTest, RestoreServesNothingWhenSeedingIsOff) {
  testing::WriteFile(dir_ / "a", "a");
  store_.seeds[dir_ / "a"] = {"m", dir_.path().string(), "a", clock_.WallNs()};
  options_.seed_after_complete = false;
  SeedCache cache(options_, &store_, swarm_, resume_, clock_);
  std::string warnings;
  cache.Restore(&warnings);
  EXPECT_EQ(cache.size(), 0u);
  EXPECT_TRUE(swarm_.torrents.empty());
  EXPECT_TRUE(store_.seeds.empty());
}

}  // namespace
}  // namespace shoal::engine
