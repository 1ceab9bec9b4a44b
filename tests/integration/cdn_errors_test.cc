// The CDN serving pieces of content with metainfo while a peer is connected: its failures rest
// it but never fail the job (no TRANSIENT_ERROR, ErrorCount stays 0), and it is used again once
// it recovers. The job's engine reads a fake clock, so the CDN joins only when the test says.
#include <thread>

#include "engine/metainfo.h"
#include "tests/integration/http_fixture.h"

namespace shoal::testing {
namespace {

TEST_F(HttpSource, FailingCdnWithAPeerConnectedDoesNotFailTheJob) {
  TempDir src, peer_dir;
  const std::string data = WriteRandomFile(src / "p.bin", 4 * kMiB);
  engine::MetainfoSpec spec;
  spec.path = src / "p.bin";
  std::string torrent, error;
  ASSERT_EQ(engine::CreateMetainfo(spec, &torrent, &error), hr::kOk) << error;
  Fault e500;
  e500.status = 500;
  origin_->Put("/p.bin", data, {}, e500);
  const std::string url = origin_->Url("/p.bin");

  // A peer with nothing yet: connected, but unable to help until pieces arrive.
  engine::EngineOptions po;
  po.listen_interface = "127.0.0.2:0";
  po.no_http = true;
  auto peer = engine::Engine::Start(po, nullptr, &error);
  ASSERT_TRUE(peer) << error;
  std::shared_ptr<const engine::JobView> peer_job;
  ASSERT_EQ(peer->CreateJob("peer", &peer_job), hr::kOk);
  ASSERT_EQ(peer->AddFiles(peer_job->id, {{url, peer_dir / "p.bin", torrent}}), hr::kOk);
  ASSERT_EQ(peer->Resume(peer_job->id), hr::kOk);

  engine::EngineSeams seams;
  seams.clock = clock_;
  engine::EngineOptions o;
  o.listen_interface = "127.0.0.3:0";
  o.peers = {peer->ListenEndpoint()};
  o.delay_foreground_download_from_http_s = 1;  // on the fake clock
  o.delay_background_download_from_http_s = 1;
  EventLog events;
  auto e = engine::Engine::Start(o, &events, &error, std::move(seams));
  ASSERT_TRUE(e) << error;
  std::shared_ptr<const engine::JobView> job;
  ASSERT_EQ(e->CreateJob("leech", &job), hr::kOk);
  ASSERT_EQ(e->AddFiles(job->id, {{url, work_ / "p.bin", torrent}}), hr::kOk);
  ASSERT_EQ(e->Resume(job->id), hr::kOk);
  // Loopback peers connect within milliseconds; the CDN stays out until the clock moves.
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  ASSERT_EQ(origin_->Requests("/p.bin"), 0);

  clock_->Advance(seconds(2));  // the HTTP delay is over: the CDN is asked, and fails
  ASSERT_TRUE(WaitFor([&] { return origin_->Requests("/p.bin") >= 1; }));
  EXPECT_FALSE(WaitFor([&] { return !engine::IsActive(job->state.load()); },
                       std::chrono::milliseconds(700)))
      << "the job left the transfer: " << engine::ToString(job->state.load());
  EXPECT_EQ(job->error_count.load(), 0u);

  origin_->Put("/p.bin", data);  // the CDN recovers
  clock_->Advance(seconds(10));  // past the CDN's rest
  ASSERT_TRUE(WaitFor([&] { return !engine::IsActive(job->state.load()); }, seconds(120)));
  ASSERT_EQ(job->state.load(), JobState::kTransferred);
  EXPECT_EQ(job->error_count.load(), 0u);
  EXPECT_EQ(events.errors(), 0);
  ASSERT_EQ(e->Complete(job->id), hr::kOk);
  EXPECT_TRUE(ReadFile(work_ / "p.bin") == data);
}

}  // namespace
}  // namespace shoal::testing
