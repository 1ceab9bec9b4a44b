// Finished content keeps being served to peers after a restart of a durable engine, within
// the cache limits: a second peer with the CDN forbidden gets every byte from the restarted one.
#include <gtest/gtest.h>

#include "engine/engine.h"
#include "engine/job_store.h"
#include "engine/metainfo.h"
#include "tests/support/fault_origin.h"
#include "tests/support/fixtures.h"

namespace shoal::testing {
namespace {

using engine::JobState;

TEST(Reseed, FinishedContentIsServedAgainAfterRestartWithinTheCacheLimits) {
  TempDir dir;
  std::string error;
  auto origin = FaultOrigin::Start(&error);
  ASSERT_TRUE(origin) << error;
  const std::string data = WriteRandomFile(dir / "content.bin", 3 << 20, 11);
  origin->Put("/content.bin", data);
  engine::MetainfoSpec spec;
  spec.path = dir / "content.bin";
  spec.web_seeds = {origin->Url("/content.bin")};
  spec.piece_size = 256 << 10;
  std::string torrent;
  ASSERT_EQ(engine::CreateMetainfo(spec, &torrent, &error), hr::kOk) << error;
  std::filesystem::create_directories(dir / "a");
  std::filesystem::create_directories(dir / "b");

  auto options = [&](const std::string& data_dir) {
    engine::EngineOptions o;
    o.listen_interface = "127.0.0.1:0";
    o.data_dir = data_dir;
    o.policy.delay_foreground_download_from_http_s = 0;
    o.policy.delay_background_download_from_http_s = 0;
    return o;
  };
  auto run_job = [&](engine::Engine& e, const std::string& path) {
    std::shared_ptr<const engine::JobView> job;
    EXPECT_EQ(e.CreateJob("c", &job), hr::kOk);
    engine::FileSpec f;
    f.remote_url = origin->Url("/content.bin");
    f.local_path = path;
    f.metainfo = torrent;
    EXPECT_EQ(e.AddFiles(job->id, {f}), hr::kOk);
    EXPECT_EQ(e.Resume(job->id), hr::kOk);
    EXPECT_TRUE(WaitFor([&] { return job->state.load() == JobState::kTransferred; }));
    EXPECT_EQ(e.Complete(job->id), hr::kOk);
    return job;
  };
  {
    auto a = engine::Engine::Start(options(dir / "state"), nullptr, &error);
    ASSERT_TRUE(a) << error;
    run_job(*a, dir / "a/content.bin");
  }
  const int served_by_origin = origin->Requests("/content.bin");
  auto a = engine::Engine::Start(options(dir / "state"), nullptr, &error);
  ASSERT_TRUE(a) << error;
  auto o = options("");
  o.policy.no_http = true;
  o.peers = {a->ListenEndpoint()};
  auto b = engine::Engine::Start(o, nullptr, &error);
  ASSERT_TRUE(b) << error;
  auto job = run_job(*b, dir / "b/content.bin");
  EXPECT_EQ(job->sources.Load().from_peers, data.size());
  EXPECT_EQ(ReadFile(dir / "b/content.bin"), data);
  EXPECT_EQ(origin->Requests("/content.bin"), served_by_origin);
  b.reset();
  a.reset();

  // Over the size limit: dropped from the cache at start, the file itself left alone.
  auto small = options(dir / "state");
  small.absolute_max_cache_size_bytes = 1 << 20;
  a = engine::Engine::Start(small, nullptr, &error);
  ASSERT_TRUE(a) << error;
  a.reset();
  std::string warnings;
  auto store = engine::OpenSqliteJobStore(dir / "state", &warnings, &error);
  ASSERT_TRUE(store) << error;
  EXPECT_TRUE(store->LoadSeeds(&warnings).empty());
  EXPECT_EQ(ReadFile(dir / "a/content.bin"), data);
}

}  // namespace
}  // namespace shoal::testing
