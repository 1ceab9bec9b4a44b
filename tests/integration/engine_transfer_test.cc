// Real transfers on loopback: libtorrent sessions, a real HTTP origin with Range support.
#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <thread>

#include "tests/integration/swarm_fixture.h"

namespace shoal::testing {
namespace {

using engine::FileSpec;
using engine::JobState;
namespace fs = std::filesystem;

constexpr std::size_t kMiB = 1 << 20;

TEST_F(SwarmTest, CdnOnlyDownloadsThroughTheWebSeed) {
  const Content c = Publish("cdn.bin", 8 * kMiB + 123);
  auto e = StartEngine(2);
  const std::string out = work_ / "cdn.bin";
  auto job = StartJob(*e, {{c.url, out, ""}});  // metainfo from the sidecar
  ASSERT_EQ(WaitSettled(*job), JobState::kTransferred);

  const engine::JobProgress p = job->progress.Load();
  EXPECT_EQ(p.bytes_total, c.data.size());
  EXPECT_EQ(p.bytes_transferred, c.data.size());
  EXPECT_EQ(p.files_transferred, 1u);
  EXPECT_FALSE(fs::exists(out)) << "the file must not appear before Complete";
  EXPECT_EQ(e->Complete(job->id), hr::kOk);
  EXPECT_EQ(job->state.load(), JobState::kAcknowledged);
  EXPECT_EQ(ReadFile(out), c.data);
  EXPECT_EQ(ListDir(work_.path().string()), std::vector<std::string>{"cdn.bin"});
  const engine::SourceBytes s = job->sources.Load();
  EXPECT_EQ(s.from_peers, 0u);
  EXPECT_GE(s.from_http, c.data.size());
  EXPECT_GE(origin_->BytesServed("/cdn.bin"), c.data.size());
}

TEST_F(SwarmTest, PeersOnlyWithHttpDisabledTakesNothingFromTheCdn) {
  const Content c = Publish("p2p.bin", 16 * kMiB);
  auto seed = StartEngine(2);
  Seed(*seed, c);
  engine::EngineOptions o = PeersOnly({seed->ListenEndpoint()});
  auto leech = StartEngine(3, o);
  const std::string out = work_ / "p2p.bin";
  auto job = StartJob(*leech, {{c.url, out, c.metainfo}});
  ASSERT_EQ(WaitSettled(*job), JobState::kTransferred);
  EXPECT_EQ(leech->Complete(job->id), hr::kOk);
  EXPECT_EQ(ReadFile(out), c.data);
  const engine::SourceBytes s = job->sources.Load();
  EXPECT_EQ(s.from_http, 0u);
  EXPECT_GE(s.from_peers, c.data.size());
  EXPECT_EQ(origin_->BytesServed("/p2p.bin"), 0u);
}

TEST_F(SwarmTest, CdnWaitsItsDelayWhilePeersDeliver) {
  const Content c = Publish("delay.bin", 16 * kMiB);
  auto seed = StartEngine(2);
  Seed(*seed, c);
  engine::EngineOptions o = Defaults();
  o.delay_background_download_from_http_s = 30;  // far beyond a loopback transfer
  o.peers = {seed->ListenEndpoint()};
  auto leech = StartEngine(3, o);
  auto job = StartJob(*leech, {{c.url, work_ / "delay.bin", c.metainfo}});
  ASSERT_EQ(WaitSettled(*job), JobState::kTransferred);
  EXPECT_EQ(job->sources.Load().from_http, 0u);
  EXPECT_EQ(origin_->BytesServed("/delay.bin"), 0u);
}

TEST_F(SwarmTest, CdnAndLatePeersShareTheTransferAndEveryByteIsAttributed) {
  const Content c = Publish("mixed.bin", 24 * kMiB);
  origin_->SetRateLimit(6 * kMiB);  // a slow WAN link
  auto leech = StartEngine(3);      // no delay: the CDN starts at once
  const std::string out = work_ / "mixed.bin";
  auto job = StartJob(*leech, {{c.url, out, c.metainfo}}, engine::Priority::kForeground);
  ASSERT_TRUE(WaitFor([&] { return job->progress.Load().bytes_transferred >= 2 * kMiB; }));
  // A peer with the content arrives and dials the downloader.
  engine::EngineOptions o = Defaults();
  o.peers = {leech->ListenEndpoint()};
  auto seed = StartEngine(2, o);
  Seed(*seed, c);
  ASSERT_EQ(WaitSettled(*job), JobState::kTransferred);
  EXPECT_EQ(leech->Complete(job->id), hr::kOk);
  EXPECT_EQ(ReadFile(out), c.data);
  const engine::SourceBytes s = job->sources.Load();
  EXPECT_GE(s.from_http, 2 * kMiB);
  EXPECT_GT(s.from_peers, 0u);
  EXPECT_GE(s.from_http + s.from_peers, c.data.size());
  EXPECT_LE(s.from_http, origin_->BytesServed("/mixed.bin"));
}

// A site with no copy of the content but the CDN's: peers take from the origin only pieces no
// peer has, spread over the file, and the rest from each other (decision 0003).
TEST_F(SwarmTest, ASiteWithoutASeedTakesEachPieceFromTheCdnAboutOnce) {
  const Content c = Publish("site.bin", 16 * kMiB);
  origin_->SetRateLimit(8 * kMiB);  // the site's WAN link
  std::vector<std::unique_ptr<engine::Engine>> engines;
  std::vector<std::shared_ptr<const engine::JobView>> jobs;
  engine::EngineOptions o = Defaults();
  for (int i = 0; i < 4; ++i) {
    engines.push_back(StartEngine(3 + i, o));
    o.peers.push_back(engines.back()->ListenEndpoint());
  }
  for (int i = 0; i < 4; ++i) {
    jobs.push_back(StartJob(*engines[i], {{c.url, work_ / ("site" + std::to_string(i)), ""}}));
  }
  std::uint64_t from_http = 0;
  for (int i = 0; i < 4; ++i) {
    ASSERT_EQ(WaitSettled(*jobs[i]), JobState::kTransferred);
    EXPECT_EQ(engines[i]->Complete(jobs[i]->id), hr::kOk);
    EXPECT_EQ(ReadFile(work_ / ("site" + std::to_string(i))), c.data);
    const engine::SourceBytes s = jobs[i]->sources.Load();
    EXPECT_GE(s.from_http + s.from_peers, c.data.size());
    from_http += s.from_http;
  }
  // Every byte crossed the origin at least once; independent peers would pull about 4 copies.
  EXPECT_GE(from_http, c.data.size());
  EXPECT_LE(origin_->BytesServed("/site.bin"), c.data.size() * 3 / 2);
  // The origin also counts pieces a peer delivered first while their CDN request was running.
  EXPECT_LE(from_http, origin_->BytesServed("/site.bin"));
}

// Decision 0018: peers that are found and have nothing do not make a client wait out the HTTP
// delay (here ten minutes): the pieces none of them has come from the CDN at once, each from
// its owner, and the rest from each other.
TEST_F(SwarmTest, FoundPeersWithNothingDoNotHoldTheCdnBackForTheDelay) {
  const Content c = Publish("site.bin", 4 * kMiB);
  engine::EngineOptions o = Defaults();
  o.delay_foreground_download_from_http_s = 600;
  o.delay_background_download_from_http_s = 600;
  o.peers = {"127.0.0.9:1"};  // never answers: A is not lone, it waits for peers
  auto a = StartEngine(3, o);
  o.peers = {a->ListenEndpoint()};
  auto b = StartEngine(4, o);
  auto ja = StartJob(*a, {{c.url, work_ / "a.bin", ""}});
  auto jb = StartJob(*b, {{c.url, work_ / "b.bin", ""}});
  ASSERT_EQ(WaitSettled(*ja, std::chrono::seconds(60)), JobState::kTransferred);
  ASSERT_EQ(WaitSettled(*jb, std::chrono::seconds(60)), JobState::kTransferred);
  EXPECT_EQ(a->Complete(ja->id), hr::kOk);
  EXPECT_EQ(b->Complete(jb->id), hr::kOk);
  EXPECT_EQ(ReadFile(work_ / "a.bin"), c.data);
  EXPECT_EQ(ReadFile(work_ / "b.bin"), c.data);
  // Each fetched its share from the CDN and took the other's from its peer.
  EXPECT_GT(ja->sources.Load().from_peers, 0u);
  EXPECT_GT(jb->sources.Load().from_peers, 0u);
  EXPECT_LE(origin_->BytesServed("/site.bin"), c.data.size() * 3 / 2);
}

TEST_F(SwarmTest, OneSeedThreeDownloaders) {
  const Content c = Publish("site.bin", 12 * kMiB);
  auto seed = StartEngine(2);
  Seed(*seed, c);
  std::vector<std::unique_ptr<engine::Engine>> leeches;
  std::vector<std::shared_ptr<const engine::JobView>> jobs;
  std::vector<std::string> peers = {seed->ListenEndpoint()};
  for (int i = 0; i < 3; ++i) {
    engine::EngineOptions o = PeersOnly(peers);
    leeches.push_back(StartEngine(3 + i, o));
    peers.push_back(leeches.back()->ListenEndpoint());
  }
  for (int i = 0; i < 3; ++i) {
    jobs.push_back(
        StartJob(*leeches[i], {{c.url, work_ / ("site" + std::to_string(i)), c.metainfo}}));
  }
  for (int i = 0; i < 3; ++i) {
    ASSERT_EQ(WaitSettled(*jobs[i]), JobState::kTransferred) << "downloader " << i;
    EXPECT_EQ(leeches[i]->Complete(jobs[i]->id), hr::kOk);
    EXPECT_EQ(ReadFile(work_ / ("site" + std::to_string(i))), c.data);
  }
  EXPECT_EQ(origin_->BytesServed("/site.bin"), 0u);
}

TEST_F(SwarmTest, MultiFileJobReportsPerFileAndJobProgress) {
  const Content a = Publish("a.bin", 3 * kMiB + 5, 1);
  const Content b = Publish("b.bin", 5 * kMiB + 7, 2);
  auto e = StartEngine(2);
  auto job = StartJob(*e, {{a.url, work_ / "a.bin", ""}, {b.url, work_ / "b.bin", ""}});
  ASSERT_EQ(WaitSettled(*job), JobState::kTransferred);
  const engine::JobProgress p = job->progress.Load();
  EXPECT_EQ(p.files_total, 2u);
  EXPECT_EQ(p.files_transferred, 2u);
  EXPECT_EQ(p.bytes_total, a.data.size() + b.data.size());
  EXPECT_EQ(p.bytes_transferred, p.bytes_total);
  EXPECT_EQ(job->GetFileProgress(0).bytes_total, a.data.size());
  EXPECT_EQ(job->GetFileProgress(1).bytes_transferred, b.data.size());
  EXPECT_FALSE(job->GetFileProgress(1).completed);
  EXPECT_EQ(e->Complete(job->id), hr::kOk);
  EXPECT_TRUE(job->GetFileProgress(0).completed);
  EXPECT_EQ(ReadFile(work_ / "a.bin"), a.data);
  EXPECT_EQ(ReadFile(work_ / "b.bin"), b.data);
}

TEST_F(SwarmTest, CancelMidTransferLeavesNothingBehind) {
  const Content c = Publish("cancel.bin", 32 * kMiB);
  origin_->SetRateLimit(4 * kMiB);
  auto e = StartEngine(2);
  const std::string dir = work_ / "out";
  fs::create_directories(dir);
  auto job = StartJob(*e, {{c.url, dir + "/cancel.bin", ""}});
  ASSERT_TRUE(WaitFor([&] { return job->progress.Load().bytes_transferred > 0; }));
  EXPECT_FALSE(ListDir(dir).empty()) << "a temp file exists while transferring";
  EXPECT_EQ(e->Cancel(job->id), hr::kOk);
  EXPECT_EQ(job->state.load(), JobState::kCancelled);
  EXPECT_TRUE(ListDir(dir).empty());
  EXPECT_EQ(e->Cancel(job->id), hr::kBgEInvalidState);
  EXPECT_EQ(e->Resume(job->id), hr::kBgEInvalidState);
  EXPECT_FALSE(e->FindJob(job->id));
}

TEST_F(SwarmTest, CompleteReplacesAnExistingFileAtomically) {
  const Content c = Publish("replace.bin", 2 * kMiB);
  const std::string out = work_ / "replace.bin";
  WriteFile(out, "old contents");
  auto e = StartEngine(2);
  auto job = StartJob(*e, {{c.url, out, ""}});
  ASSERT_EQ(WaitSettled(*job), JobState::kTransferred);
  EXPECT_EQ(ReadFile(out), "old contents");  // untouched until Complete
  EXPECT_EQ(e->Complete(job->id), hr::kOk);
  EXPECT_EQ(ReadFile(out), c.data);
  EXPECT_EQ(ListDir(work_.path().string()), std::vector<std::string>{"replace.bin"});
}

TEST_F(SwarmTest, CompleteBeforeTransferredKeepsOnlyWholeFiles) {
  const Content small = Publish("small.bin", 64 * 1024, 3);
  const Content big = Publish("big.bin", 64 * kMiB, 4);
  origin_->SetRateLimit(8 * kMiB);
  auto e = StartEngine(2);
  auto job = StartJob(*e, {{small.url, work_ / "small.bin", ""}, {big.url, work_ / "big.bin", ""}});
  ASSERT_TRUE(WaitFor([&] { return job->progress.Load().files_transferred >= 1; }));
  ASSERT_NE(job->state.load(), JobState::kTransferred);
  EXPECT_EQ(e->Complete(job->id), hr::kBgSPartialComplete);
  EXPECT_EQ(job->state.load(), JobState::kAcknowledged);
  EXPECT_EQ(ReadFile(work_ / "small.bin"), small.data);
  EXPECT_EQ(ListDir(work_.path().string()), std::vector<std::string>{"small.bin"});
}

// BITS transfers a job's files in order. IBackgroundCopyJob::Complete
// (https://learn.microsoft.com/en-us/windows/win32/api/bits/nf-bits-ibackgroundcopyjob-complete):
// called "while BITS is processing the third of five files, only the first two files are
// saved", and it returns BG_S_PARTIAL_COMPLETE when "a subset of the files transferred
// successfully". So a missing second file stops the job only once the first is whole (its
// pieces still arrive in parallel), and Complete keeps the first.
TEST_F(SwarmTest, AnErrorInTheSecondFileHaltsOnlyTheFilesFromIt) {
  const Content first = Publish("first.bin", 8 * kMiB, 5);
  origin_->SetRateLimit(8 * kMiB);  // the first file takes about a second
  auto e = StartEngine(2);
  const std::string missing = origin_->BaseUrl() + "/missing.bin";
  auto job = StartJob(*e, {{first.url, work_ / "first.bin", ""}, {missing, work_ / "m.bin", ""}});
  ASSERT_EQ(WaitSettled(*job), JobState::kError);
  engine::JobErrorInfo info;
  ASSERT_EQ(e->GetError(job->id, &info), hr::kOk);
  EXPECT_EQ(static_cast<std::uint32_t>(info.code), static_cast<std::uint32_t>(hr::HttpError(404)));
  EXPECT_EQ(info.file_index, 1);
  EXPECT_EQ(job->GetFileProgress(0).bytes_transferred, first.data.size())
      << "the first file is whole before the second one's error";
  EXPECT_EQ(job->progress.Load().files_transferred, 1u);
  EXPECT_EQ(e->Complete(job->id), hr::kBgSPartialComplete);
  EXPECT_TRUE(ReadFile(work_ / "first.bin") == first.data);
  EXPECT_EQ(ListDir(work_.path().string()), std::vector<std::string>{"first.bin"});
}

}  // namespace
}  // namespace shoal::testing

namespace shoal::testing {
namespace {

// A peer source as discovery will give one (peers/): the endpoints it knows now.
class ListedSource final : public engine::PeerSource {
 public:
  explicit ListedSource(std::vector<std::string> peers) : peers_(std::move(peers)) {}
  std::vector<std::string> Peers() override {
    ++asked;
    return peers_;
  }
  std::atomic<int> asked{0};

 private:
  const std::vector<std::string> peers_;
};

// The engine's peer-source seam (engine/peer_source.h): with no configured peer, no tracker
// and no CDN, the only way to the seed is the endpoint a source names.
TEST_F(SwarmTest, PeersNamedByAPeerSourceAreDialled) {
  const Content c = Publish("sourced.bin", 8 * kMiB);
  auto seed = StartEngine(2);
  Seed(*seed, c);
  auto source = std::make_shared<ListedSource>(std::vector<std::string>{seed->ListenEndpoint()});
  engine::EngineOptions o = PeersOnly({});
  o.listen_interface = "127.0.0.3:0";
  engine::EngineSeams seams;
  seams.peer_sources = {source};
  std::string error;
  auto leech = engine::Engine::Start(o, nullptr, &error, std::move(seams));
  ASSERT_TRUE(leech) << error;
  const std::string out = work_ / "sourced.bin";
  auto job = StartJob(*leech, {{c.url, out, c.metainfo}});
  ASSERT_EQ(WaitSettled(*job), JobState::kTransferred);
  EXPECT_GE(source->asked.load(), 1);
  EXPECT_EQ(leech->Complete(job->id), hr::kOk);
  EXPECT_EQ(ReadFile(out), c.data);
  EXPECT_EQ(job->sources.Load().from_peers, c.data.size());
  EXPECT_EQ(origin_->BytesServed("/sourced.bin"), 0u);
}

}  // namespace
}  // namespace shoal::testing
