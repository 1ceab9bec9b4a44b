// Statistics (bytes by source, uploads, connections, duration) and bandwidth limits on real
// loopback transfers. Limits are checked as bytes over a measured window against
// limit x window x 1.5 + a burst allowance, never as a total-time threshold.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "tests/integration/swarm_fixture.h"

namespace shoal::testing {
namespace {

using engine::FileSpec;
using engine::JobState;
using Clock = std::chrono::steady_clock;

constexpr std::size_t kMiB = 1 << 20;
constexpr std::uint64_t kLimitKbps = 512;             // 512 KiB/s
constexpr std::uint64_t kBurst = 3 * kMiB / 2;        // pieces in flight, curl buffers
constexpr auto kWindow = std::chrono::seconds(3);

double Since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

std::uint64_t Ceiling(std::uint64_t kbps, double seconds) {
  return static_cast<std::uint64_t>(static_cast<double>(kbps * 1024) * seconds * 1.5) + kBurst;
}

TEST_F(SwarmTest, StatsCountPeerBytesUploadsConnectionsAndDuration) {
  const Content c = Publish("stats.bin", 8 * kMiB);
  auto seed = StartEngine(2);
  Seed(*seed, c);
  engine::EngineOptions o = PeersOnly({seed->ListenEndpoint()});
  auto leech = StartEngine(3, o);
  auto job = StartJob(*leech, {{c.url, work_ / "stats.bin", c.metainfo}});
  // Connections are sampled on the engine's tick while the transfer runs.
  std::uint32_t most_peers = 0;
  while (IsActive(job->state.load())) {
    most_peers = std::max(most_peers, job->activity.Load().peer_connections);
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ASSERT_EQ(WaitSettled(*job), JobState::kTransferred);
  const engine::SourceBytes s = job->sources.Load();
  EXPECT_EQ(s.from_peers, c.data.size());
  EXPECT_EQ(s.from_http, 0u);
  EXPECT_EQ(s.from_cache_server, 0u);
  EXPECT_EQ(job->GetFileSources(0).from_peers, c.data.size());
  const engine::JobActivity a = job->activity.Load();
  EXPECT_GT(a.download_duration_ns, 0);
  EXPECT_EQ(a.http_connections, 0u);
  // The seed counts what it sent from libtorrent's upload alerts.
  ASSERT_TRUE(WaitFor([&] { return seed->GetStats().bytes.to_peers >= c.data.size(); }))
      << seed->GetStats().bytes.to_peers;
  EXPECT_EQ(seed->GetStats().bytes.from_peers, 0u);
  EXPECT_GE(leech->GetStats().bytes.from_peers, c.data.size());
  EXPECT_EQ(leech->GetStats().bytes.to_peers, 0u);
  // A fast loopback transfer may beat the tick; when it did not, a peer was seen.
  if (most_peers == 0) std::fprintf(stderr, "note: transfer finished before a tick\n");
  EXPECT_LE(most_peers, 1u);
}

// A job that serves its pieces to a peer while it downloads counts those uploads as its
// own BytesToPeers: here B's only source is A's job, so A's job uploaded what B got.
TEST_F(SwarmTest, JobCountsWhatItUploadsToAPeerWhileBothDownload) {
  const Content c = Publish("shared.bin", 8 * kMiB);
  engine::EngineOptions ao = Defaults();
  ao.max_background_download_kbps = 2048;  // A is still downloading when B joins in
  auto a = StartEngine(2, ao);
  auto a_job = StartJob(*a, {{c.url, work_ / "a.bin", c.metainfo}});
  auto b = StartEngine(3, PeersOnly({a->ListenEndpoint()}));
  auto b_job = StartJob(*b, {{c.url, work_ / "b.bin", c.metainfo}});
  ASSERT_EQ(WaitSettled(*b_job), JobState::kTransferred);
  ASSERT_EQ(WaitSettled(*a_job), JobState::kTransferred);
  const engine::SourceBytes got = b_job->sources.Load();
  EXPECT_EQ(got.from_peers, c.data.size());
  EXPECT_EQ(got.from_http, 0u);
  // Uploads are published on A's tick: wait for the last blocks to show.
  EXPECT_TRUE(WaitFor([&] { return a_job->sources.Load().to_peers >= got.from_peers; }))
      << a_job->sources.Load().to_peers;
  const engine::SourceBytes sent = a_job->sources.Load();
  EXPECT_EQ(sent.to_peers, got.from_peers);
  EXPECT_EQ(sent.from_http, c.data.size());
  EXPECT_EQ(a_job->GetFileSources(0).to_peers, sent.to_peers);
  EXPECT_EQ(a->GetStats().bytes.to_peers, sent.to_peers);  // A's only torrent is the job's
  EXPECT_EQ(b_job->sources.Load().to_peers, 0u);
}

TEST_F(SwarmTest, UploadLimitHoldsForLanPeers) {
  const Content c = Publish("up.bin", 16 * kMiB);
  engine::EngineOptions so = Defaults();
  so.max_upload_kbps = kLimitKbps;
  auto seed = StartEngine(2, so);
  Seed(*seed, c);
  engine::EngineOptions o = PeersOnly({seed->ListenEndpoint()});
  auto leech = StartEngine(3, o);
  const auto t0 = Clock::now();
  auto job = StartJob(*leech, {{c.url, work_ / "up.bin", c.metainfo}},
                      engine::Priority::kForeground);
  std::this_thread::sleep_for(kWindow);
  const double t = Since(t0);
  const std::uint64_t sent = seed->GetStats().bytes.to_peers;
  EXPECT_GT(sent, 0u);
  EXPECT_LE(sent, Ceiling(kLimitKbps, t)) << "after " << t << " s";
  EXPECT_LE(job->progress.Load().bytes_transferred, Ceiling(kLimitKbps, t));
  EXPECT_EQ(leech->Cancel(job->id), hr::kOk);
}

TEST_F(SwarmTest, ForegroundDownloadLimitHoldsForLanPeers) {
  const Content c = Publish("fg.bin", 16 * kMiB);
  auto seed = StartEngine(2);
  Seed(*seed, c);
  engine::EngineOptions o = PeersOnly({seed->ListenEndpoint()});
  o.max_foreground_download_kbps = kLimitKbps;
  auto leech = StartEngine(3, o);
  const auto t0 = Clock::now();
  auto job = StartJob(*leech, {{c.url, work_ / "fg.bin", c.metainfo}},
                      engine::Priority::kForeground);
  std::this_thread::sleep_for(kWindow);
  const double t = Since(t0);
  const std::uint64_t got = leech->GetStats().bytes.from_peers;
  EXPECT_GT(got, 0u);
  EXPECT_LE(got, Ceiling(kLimitKbps, t)) << "after " << t << " s";
  EXPECT_EQ(leech->Cancel(job->id), hr::kOk);
}

TEST_F(SwarmTest, BackgroundJobsYieldToAnActiveForegroundJob) {
  const Content fg = Publish("fg2.bin", 16 * kMiB, 2);
  const Content bg = Publish("bg2.bin", 16 * kMiB, 3);
  auto seed = StartEngine(2);
  Seed(*seed, fg);
  Seed(*seed, bg);
  engine::EngineOptions o = PeersOnly({seed->ListenEndpoint()});
  o.max_foreground_download_kbps = kLimitKbps;  // keeps the foreground job busy a while
  auto leech = StartEngine(3, o);
  auto fg_job = StartJob(*leech, {{fg.url, work_ / "fg2.bin", fg.metainfo}},
                         engine::Priority::kForeground);
  const auto t0 = Clock::now();
  auto bg_job = StartJob(*leech, {{bg.url, work_ / "bg2.bin", bg.metainfo}});
  std::this_thread::sleep_for(kWindow);
  const double t = Since(t0);
  ASSERT_TRUE(IsActive(fg_job->state.load()));
  // The background job trickles at 16 KiB/s; unlimited it would be done in well under 1 s.
  EXPECT_LE(bg_job->sources.Load().from_peers, Ceiling(16, t)) << "after " << t << " s";
  EXPECT_LT(bg_job->progress.Load().bytes_transferred, bg.data.size());
  // Once the foreground job is gone the background job runs free.
  EXPECT_EQ(leech->Cancel(fg_job->id), hr::kOk);
  EXPECT_EQ(WaitSettled(*bg_job), JobState::kTransferred);
}

TEST_F(SwarmTest, BackgroundLimitHoldsForCdnPieces) {
  const Content c = Publish("cdn-limit.bin", 16 * kMiB);
  engine::EngineOptions o = Defaults();
  o.max_background_download_kbps = kLimitKbps;
  auto e = StartEngine(2, o);
  const auto t0 = Clock::now();
  auto job = StartJob(*e, {{c.url, work_ / "cdn-limit.bin", ""}});
  std::this_thread::sleep_for(kWindow);
  const double t = Since(t0);
  const std::uint64_t served = origin_->BytesServed("/cdn-limit.bin");
  EXPECT_GT(job->progress.Load().bytes_transferred, 0u);
  EXPECT_LE(served, Ceiling(kLimitKbps, t)) << "after " << t << " s";
  EXPECT_EQ(e->Cancel(job->id), hr::kOk);
}

TEST_F(SwarmTest, BackgroundLimitHoldsForPlainHttp) {
  const Content c = Publish("plain-limit.bin", 16 * kMiB);
  engine::EngineOptions o = Defaults();
  o.max_background_download_kbps = kLimitKbps;
  auto e = StartEngine(2, o);
  FileSpec spec{c.url, work_ / "plain-limit.bin", ""};
  spec.http_only = true;
  const auto t0 = Clock::now();
  auto job = StartJob(*e, {spec});
  std::this_thread::sleep_for(kWindow);
  const double t = Since(t0);
  const std::uint64_t got = job->progress.Load().bytes_transferred;
  EXPECT_GT(got, 0u);
  EXPECT_LE(got, Ceiling(kLimitKbps, t)) << "after " << t << " s";
  EXPECT_EQ(job->sources.Load().from_http, got);
  EXPECT_EQ(e->Cancel(job->id), hr::kOk);
}

}  // namespace
}  // namespace shoal::testing
