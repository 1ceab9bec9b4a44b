// The service's store (decision 0017): jobs of one content, of different users, leave one
// copy in the store, the second taken from the seed without the origin.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

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
#if defined(__SANITIZE_THREAD__)
  GTEST_SKIP() << "TSan cannot run threads in a child forked from a multi-threaded process";
#endif
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
  // one copy of it (before: one per job).
  const int code = InChild([&] {
    if (::setgid(65534) != 0 || ::setuid(65534) != 0) return 90;
    EventLog events;
    std::string why;
    auto b = api::ConnectServiceBackend(service_->socket(), &events, &why);
    if (!b) return 1;
    std::shared_ptr<const api::JobHandle> own;
    if (b->CreateJob("nobody's", &own) != hr::kOk) return 2;
    if (b->AddFiles(own->id(), {{origin_->Url("/one.bin"), theirs, torrent}}) != hr::kOk) {
      return 3;
    }
    if (b->Resume(own->id()) != hr::kOk) return 4;
    if (!WaitFor([&] { return own->State() == api::JobState::kTransferred; })) return 5;
    if (own->Progress().bytes_transferred != data.size()) return 6;
    if (own->Sources().from_http != 0 || own->Sources().from_peers != 0) return 7;
    if (b->Complete(own->id()) != hr::kOk) return 8;
    struct stat st {};
    if (::stat(theirs.c_str(), &st) != 0 || st.st_uid != 65534) return 9;  // written as them
    return ReadFile(theirs) == data ? 0 : 10;
  });
  ASSERT_EQ(code, 0) << service_->Log();
  EXPECT_EQ(origin_->BytesSent("/one.bin"), sent) << "nothing fetched again";
  EXPECT_EQ(StoreFiles(service_->cache_dir()), 1u) << "one stored copy, not one per job";
  api::ServiceClient client(service_->socket());
  Json stats;
  ASSERT_EQ(client.Call("GET", "/v1/stats", nullptr, &stats), hr::kOk);
  EXPECT_EQ(stats.at("stats").at("cached_files"), 1) << "the seed kept seeding";
}

}  // namespace
}  // namespace shoal::testing
