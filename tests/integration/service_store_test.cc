// The service's store (decision 0017): jobs of one content, of different users, leave one
// copy in the store, the second taken from the seed without the origin.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <tuple>

#include "api/src/service_client.h"
#include "engine/metainfo.h"
#include "tests/integration/service_test.h"

namespace shoal::testing {
namespace {

using api::wire::Json;

// Regular files under the service's store (its jobs' folders).
std::size_t StoreFiles(const std::string& dir) {
  std::size_t n = 0;
  std::error_code ec;
  for (auto it = std::filesystem::recursive_directory_iterator(dir, ec);
       !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
    if (it->is_regular_file()) ++n;
  }
  return n;
}

TEST_F(ServiceTest, TwoUsersOfOneContentKeepOneCopyInTheStore) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to switch to another uid";
  std::string torrent;
  const std::string data = PublishWithMetainfo("/one.bin", 3 << 20, 23, &torrent);
  ASSERT_FALSE(data.empty());
  const std::string theirs = NobodysFile();
  ASSERT_FALSE(theirs.empty());
  const std::string mine = dir_ / "root.bin";

  auto backend = Connect();
  ASSERT_TRUE(backend);
  auto job = StartRootsJob(*backend, {origin_->Url("/one.bin"), mine, torrent});
  ASSERT_TRUE(job);
  ASSERT_TRUE(WaitFor([&] { return job->State() == api::JobState::kTransferred; }))
      << service_->Log();
  ASSERT_EQ(backend->Complete(job->id()), hr::kOk);
  EXPECT_EQ(ReadFile(mine), data);
  EXPECT_EQ(StoreFiles(service_->cache_dir()), 1u) << "kept for seeding";
  const std::uint64_t sent = origin_->BytesSent("/one.bin");

  // Another user wants the same content: it is taken from the seed, and the store still holds
  // one copy of it (before: one per job). That user runs `shoal get` against the service.
  const std::string their_torrent = std::filesystem::path(theirs).parent_path() / "one.torrent";
  WriteFile(their_torrent, torrent);
  std::string err;
  ASSERT_EQ(CliAsNobody({"get", "--service", origin_->Url("/one.bin"), "-o", theirs,
                         "--torrent", their_torrent},
                        &err),
            0)
      << err << service_->Log();
  ExpectTheirFile(theirs, data);
  EXPECT_EQ(origin_->BytesSent("/one.bin"), sent) << "nothing fetched again";
  EXPECT_EQ(StoreFiles(service_->cache_dir()), 1u) << "one stored copy, not one per job";
  api::ServiceClient client(service_->socket());
  Json stats;
  ASSERT_EQ(client.Call("GET", "/v1/stats", nullptr, &stats), hr::kOk);
  EXPECT_EQ(stats.at("stats").at("cached_files"), 1) << "the seed kept seeding";
}

// The store's seeds stay within the cache limits (DOAbsoluteMaxCacheSize here): a newer
// content that does not fit beside an older one pushes it out, and the store deletes that
// file, its own; the stats count the eviction.
TEST_F(ServiceTest, TheStoreKeepsItsSeedsWithinTheCacheSize) {
  std::string torrent_a, torrent_b, error;
  const std::string a = PublishWithMetainfo("/a.bin", 3 << 20, 31, &torrent_a);
  const std::string b = PublishWithMetainfo("/b.bin", 3 << 20, 32, &torrent_b);
  ASSERT_FALSE(a.empty() || b.empty());
  std::filesystem::create_directories(dir_ / "small");
  ServiceProcess small(dir_ / "small",
                       {"--set", "absolute_max_cache_size_bytes=" + std::to_string(5 << 20)});
  ASSERT_TRUE(small.Start(&error)) << error;
  EventLog events;
  auto backend = api::ConnectServiceBackend(small.socket(), &events, &error);
  ASSERT_TRUE(backend) << error;
  for (const auto& [path, torrent, data] :
       {std::tuple{"/a.bin", torrent_a, a}, std::tuple{"/b.bin", torrent_b, b}}) {
    const std::string out = dir_ / (std::string(path).substr(1) + ".out");
    auto job = StartRootsJob(*backend, {origin_->Url(path), out, torrent});
    ASSERT_TRUE(job);
    ASSERT_TRUE(WaitFor([&] { return job->State() == api::JobState::kTransferred; }))
        << small.Log();
    ASSERT_EQ(backend->Complete(job->id()), hr::kOk);
    EXPECT_EQ(ReadFile(out), data);
  }
  EXPECT_EQ(StoreFiles(small.cache_dir()), 1u) << "the older content left the store";
  api::ServiceClient client(small.socket());
  Json stats;
  ASSERT_EQ(client.Call("GET", "/v1/stats", nullptr, &stats), hr::kOk);
  EXPECT_EQ(stats.at("stats").at("cached_files"), 1);
  EXPECT_EQ(stats.at("stats").at("cache_evictions"), 1);
}

}  // namespace
}  // namespace shoal::testing
