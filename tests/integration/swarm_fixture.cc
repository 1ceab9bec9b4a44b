#include "tests/integration/swarm_fixture.h"

#include <filesystem>
#include <thread>

namespace shoal::testing {

void SwarmTest::SetUp() {
  origin::HttpOriginOptions o;
  o.bind_address = "127.0.0.1";
  o.root = origin_root_.path().string();
  std::string error;
  origin_ = origin::HttpOrigin::Start(o, &error);
  ASSERT_TRUE(origin_) << error;
}

Content SwarmTest::Publish(const std::string& name, std::size_t size, unsigned seed) {
  Content c;
  c.name = name;
  c.data = WriteRandomFile(origin_root_ / name, size, seed);
  c.url = origin_->BaseUrl() + "/" + name;
  engine::MetainfoSpec spec;
  spec.path = origin_root_ / name;
  spec.web_seeds = {c.url};
  std::string error;
  EXPECT_EQ(engine::CreateMetainfo(spec, &c.metainfo, &error), hr::kOk) << error;
  WriteFile(origin_root_ / (name + ".torrent"), c.metainfo);
  return c;
}

engine::EngineOptions SwarmTest::Defaults() {
  engine::EngineOptions o;
  o.delay_foreground_download_from_http_s = 0;
  o.delay_background_download_from_http_s = 0;
  return o;
}

engine::EngineOptions SwarmTest::PeersOnly(std::vector<std::string> peers) {
  engine::EngineOptions o = Defaults();
  o.no_http = true;
  o.peers = std::move(peers);
  return o;
}

std::unique_ptr<engine::Engine> SwarmTest::StartEngine(int host, engine::EngineOptions options) {
  options.listen_interface = "127.0.0." + std::to_string(host) + ":0";
  std::string error;
  auto e = engine::Engine::Start(options, nullptr, &error);
  EXPECT_TRUE(e) << error;
  return e;
}

void SwarmTest::Seed(engine::Engine& engine, const Content& content) {
  const std::string dir = work_ / ("seed-" + engine.ListenEndpoint());
  std::filesystem::create_directories(dir);
  WriteFile(dir + "/" + content.name, content.data);
  std::string error;
  ASSERT_EQ(engine.AddSeed(content.metainfo, dir, &error), hr::kOk) << error;
}

std::shared_ptr<const engine::JobView> SwarmTest::StartJob(
    engine::Engine& engine, const std::vector<engine::FileSpec>& files,
    engine::Priority priority) {
  std::shared_ptr<const engine::JobView> job;
  EXPECT_EQ(engine.CreateJob("test job", &job), hr::kOk);
  EXPECT_EQ(engine.AddFiles(job->id, files), hr::kOk);
  EXPECT_EQ(engine.SetProperties(job->id,
                                 [&](engine::JobProperties& p) {
                                   p.priority = priority;
                                   return hr::kOk;
                                 }),
            hr::kOk);
  EXPECT_EQ(engine.Resume(job->id), hr::kOk);
  return job;
}

engine::JobState SwarmTest::WaitSettled(const engine::JobView& job, std::chrono::seconds timeout) {
  std::uint64_t last = 0;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    const engine::JobState s = job.state.load();
    const engine::JobProgress p = job.progress.Load();
    // Progress only ever grows and never passes the total.
    EXPECT_GE(p.bytes_transferred, last);
    if (p.bytes_total != engine::kSizeUnknown) {
      EXPECT_LE(p.bytes_transferred, p.bytes_total);
    }
    last = p.bytes_transferred;
    if (s != engine::JobState::kQueued && s != engine::JobState::kConnecting &&
        s != engine::JobState::kTransferring) {
      return s;
    }
    if (std::chrono::steady_clock::now() > deadline) {
      ADD_FAILURE() << "job still " << engine::ToString(s) << " after " << timeout.count() << " s";
      return s;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

}  // namespace shoal::testing
