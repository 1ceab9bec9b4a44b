// Finished content keeps being served to peers after a restart of a durable engine, within
// the cache limits: a second peer with the CDN forbidden gets every byte from the restarted one.
// The limits also hold while the engine runs: content past DOMaxCacheAge (a fake clock ages
// it), or pushed out of DOAbsoluteMaxCacheSize by newer content, stops being served; the
// user's file stays.
#include <gtest/gtest.h>

#include <chrono>

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
    o.delay_foreground_download_from_http_s = 0;
    o.delay_background_download_from_http_s = 0;
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
  o.no_http = true;
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

// A durable engine on a fake clock that completes jobs of content served by a local origin.
class SeedCache : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string error;
    origin_ = FaultOrigin::Start(&error);
    ASSERT_TRUE(origin_) << error;
    std::filesystem::create_directories(dir_ / "out");
  }
  std::unique_ptr<engine::Engine> Start(const engine::EngineOptions& o) {
    std::string error;
    engine::EngineSeams seams;
    seams.clock = clock_;
    auto e = engine::Engine::Start(o, nullptr, &error, std::move(seams));
    EXPECT_TRUE(e) << error;
    return e;
  }
  engine::EngineOptions Options() const {
    engine::EngineOptions o;
    o.listen_interface = "127.0.0.1:0";
    o.data_dir = dir_ / "state";
    o.delay_foreground_download_from_http_s = 0;
    o.delay_background_download_from_http_s = 0;
    return o;
  }
  // Fetches `name` (1 MiB, its own content) into out/`as` (default: `name`) and completes the
  // job: it is then seeded.
  std::string Fetch(engine::Engine& e, const std::string& name, unsigned seed,
                    std::string as = "") {
    const std::string data = WriteRandomFile(dir_ / name, 1 << 20, seed);
    origin_->Put("/" + name, data);
    engine::MetainfoSpec spec;
    spec.path = dir_ / name;
    spec.web_seeds = {origin_->Url("/" + name)};
    spec.piece_size = 256 << 10;
    engine::FileSpec f;
    std::string error;
    EXPECT_EQ(engine::CreateMetainfo(spec, &f.metainfo, &error), hr::kOk) << error;
    metainfo_ = f.metainfo;
    f.remote_url = spec.web_seeds[0];
    f.local_path = dir_ / ("out/" + (as.empty() ? name : as));
    std::shared_ptr<const engine::JobView> job;
    EXPECT_EQ(e.CreateJob(name, &job), hr::kOk);
    EXPECT_EQ(e.AddFiles(job->id, {f}), hr::kOk);
    EXPECT_EQ(e.Resume(job->id), hr::kOk);
    EXPECT_TRUE(WaitFor([&] { return job->state.load() == JobState::kTransferred; }));
    EXPECT_EQ(e.Complete(job->id), hr::kOk);
    return data;
  }
  std::vector<std::string> StoredSeeds() {
    std::string warnings, error;
    auto store = engine::OpenSqliteJobStore(dir_ / "state", &warnings, &error);
    EXPECT_TRUE(store) << error;
    std::vector<std::string> names;
    if (store) {
      for (const auto& s : store->LoadSeeds(&warnings)) names.push_back(s.file_name);
    }
    return names;
  }

  TempDir dir_;
  std::unique_ptr<FaultOrigin> origin_;
  std::shared_ptr<engine::FakeClock> clock_ = std::make_shared<engine::FakeClock>();
  std::string metainfo_;  // of the last Fetch
};

TEST_F(SeedCache, ContentPastMaxCacheAgeStopsBeingServedWhileTheEngineRuns) {
  auto e = Start(Options());
  ASSERT_TRUE(e);
  const std::string data = Fetch(*e, "a.bin", 1);
  EXPECT_EQ(e->GetStats().cached_files, 1u);
  clock_->Advance(std::chrono::hours(71));  // still within the 3 days, and a minute has passed
  clock_->Advance(std::chrono::minutes(2));
  EXPECT_FALSE(
      WaitFor([&] { return e->GetStats().cached_files == 0; }, std::chrono::milliseconds(1000)));
  EXPECT_EQ(e->GetStats().torrents, 1u);
  clock_->Advance(std::chrono::hours(1));  // now past DOMaxCacheAge
  EXPECT_TRUE(WaitFor([&] { return e->GetStats().cached_files == 0; }));
  EXPECT_EQ(e->GetStats().cache_evictions, 1u);
  EXPECT_TRUE(WaitFor([&] { return e->GetStats().torrents == 0; }));  // libtorrent let go
  e.reset();
  EXPECT_TRUE(StoredSeeds().empty());
  EXPECT_EQ(ReadFile(dir_ / "out/a.bin"), data);  // the user's file is never deleted
}

TEST_F(SeedCache, ANewSeedOverMaxCacheSizeStopsServingTheOldest) {
  auto o = Options();
  o.absolute_max_cache_size_bytes = (2 << 20) + (512 << 10);  // two of the 1 MiB files
  auto e = Start(o);
  ASSERT_TRUE(e);
  const std::string a = Fetch(*e, "a.bin", 1);
  clock_->Advance(std::chrono::seconds(1));
  Fetch(*e, "b.bin", 2);
  EXPECT_EQ(e->GetStats().cached_files, 2u);
  EXPECT_EQ(e->GetStats().cache_evictions, 0u);
  clock_->Advance(std::chrono::seconds(1));
  Fetch(*e, "c.bin", 3);
  EXPECT_EQ(e->GetStats().cached_files, 2u);  // at once, not at the next minute's check
  EXPECT_EQ(e->GetStats().cache_evictions, 1u);
  EXPECT_TRUE(WaitFor([&] { return e->GetStats().torrents == 2; }));
  e.reset();
  EXPECT_EQ(StoredSeeds(), (std::vector<std::string>{"b.bin", "c.bin"}));
  EXPECT_EQ(ReadFile(dir_ / "out/a.bin"), a);
}

TEST_F(SeedCache, ContentCompletedAgainToTheSamePathReplacesTheOldSeed) {
  auto e = Start(Options());
  ASSERT_TRUE(e);
  Fetch(*e, "a.bin", 1);
  const std::string v2 = Fetch(*e, "a2.bin", 2, "a.bin");
  EXPECT_EQ(e->GetStats().cached_files, 1u);
  EXPECT_TRUE(WaitFor([&] { return e->GetStats().torrents == 1; }));
  e.reset();
  EXPECT_EQ(StoredSeeds(), std::vector<std::string>{"a.bin"});
  EXPECT_EQ(ReadFile(dir_ / "out/a.bin"), v2);
}

TEST_F(SeedCache, RestartedEngineNeverRepairsAUsersEditedFileFromPeers) {
  {
    auto a = Start(Options());
    ASSERT_TRUE(a);
    Fetch(*a, "a.bin", 1);
  }
  // The user edits their file while no engine runs; a peer on the LAN has the original.
  std::string edited = ReadFile(dir_ / "out/a.bin");
  edited[0] = static_cast<char>(edited[0] ^ 0xff);
  WriteFile(dir_ / "out/a.bin", edited);
  auto peer_options = Options();
  peer_options.data_dir.clear();
  auto peer = Start(peer_options);
  ASSERT_TRUE(peer);
  std::string error;
  ASSERT_EQ(peer->AddSeed(metainfo_, dir_.path().string(), &error), hr::kOk) << error;
  auto o = Options();
  o.peers = {peer->ListenEndpoint()};
  auto a = Start(o);
  ASSERT_TRUE(a);
  // The two only ever connect briefly (both are upload-only: nothing to trade), so count
  // connections made rather than look for one open.
  ASSERT_TRUE(WaitFor([&] { return peer->GetStats().peer_connections_made > 0; }));
  // The restarted engine serves what it has; it never repairs the user's file from the peer.
  EXPECT_FALSE(WaitFor([&] { return ReadFile(dir_ / "out/a.bin") != edited; },
                       std::chrono::milliseconds(3000)));
}

}  // namespace
}  // namespace shoal::testing
