// Byte ranges end to end on loopback, written from IBackgroundCopyJob3::AddFileWithRanges
// (learn.microsoft.com/windows/win32/api/bits2_0/nf-bits2_0-ibackgroundcopyjob3-addfilewithranges)
// and IDeliveryOptimizationJob::AddFileWithRanges: only the ranges are downloaded; "the ranges
// are written to the LocalName file in the order given" (packed); "BG_E_INVALID_RANGE: one of
// the ranges is outside the bounds of the remote file" once the job runs; and do-api.md §6.2:
// "With ranges, totals are range sums". A real torrent session, a real origin, the CDN, a seed,
// plain HTTP, and a restart of a durable engine.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "engine/metainfo.h"
#include "tests/integration/swarm_fixture.h"
#include "tests/support/fault_origin.h"

namespace shoal::testing {
namespace {

using engine::ByteRange;
using engine::FileSpec;
using engine::JobState;
using engine::kLengthToEof;
namespace fs = std::filesystem;

constexpr std::size_t kMiB = 1 << 20;

// The caller's ranges of `data`, one after another in the order given.
std::string Packed(const std::string& data, const std::vector<ByteRange>& ranges) {
  std::string out;
  for (const ByteRange& r : ranges) {
    out += data.substr(r.offset, r.length == kLengthToEof ? std::string::npos : r.length);
  }
  return out;
}

std::uint64_t Sum(const std::string& data, const std::vector<ByteRange>& ranges) {
  return Packed(data, ranges).size();
}

// The bytes of the pieces holding a byte of the ranges (the CDN is asked for whole pieces).
std::uint64_t CoveredPieceBytes(const Content& c, const std::vector<ByteRange>& ranges) {
  engine::MetainfoSummary m;
  std::string error;
  EXPECT_EQ(engine::ReadMetainfo(c.metainfo, &m, &error), hr::kOk) << error;
  const std::uint64_t piece = static_cast<std::uint64_t>(m.piece_length);
  std::vector<bool> covered(static_cast<std::size_t>(m.num_pieces));
  for (const ByteRange& r : ranges) {
    const std::uint64_t end = r.length == kLengthToEof ? c.data.size() : r.offset + r.length;
    for (std::uint64_t p = r.offset / piece; p * piece < end; ++p) covered[p] = true;
  }
  std::uint64_t bytes = 0;
  for (std::size_t p = 0; p < covered.size(); ++p) {
    if (covered[p]) bytes += std::min<std::uint64_t>(piece, c.data.size() - p * piece);
  }
  return bytes;
}

FileSpec Ranged(const std::string& url, const std::string& local, std::vector<ByteRange> ranges,
                std::string metainfo = "") {
  FileSpec f;
  f.remote_url = url;
  f.local_path = local;
  f.metainfo = std::move(metainfo);
  f.ranges = std::move(ranges);
  return f;
}

class Ranges : public SwarmTest {
 protected:
  // A file with ranges and a whole-file job of one content at the same time (decision 0013):
  // the second joins the first's transfer instead of colliding with its torrent
  // (0x800700B7 before), and each finishes with its own bytes and its own progress.
  void RangedAndWholeTogether(bool ranged_first) {
    const Content c = Publish("s.bin", 12 * kMiB + 5, 8);
    origin_->SetRateLimit(8 * kMiB);
    const std::vector<ByteRange> ranges = {{9 * kMiB + 11, 300}, {10, 2000}};
    auto e = StartEngine(2);
    fs::create_directories(work_ / "r");
    fs::create_directories(work_ / "w");
    const std::string ranged_out = work_ / "r/s.bin";
    const std::string whole_out = work_ / "w/s.bin";
    const FileSpec ranged = Ranged(c.url, ranged_out, ranges);
    const FileSpec whole{c.url, whole_out, ""};
    auto first = StartJob(*e, {ranged_first ? ranged : whole});
    ASSERT_TRUE(WaitFor([&] { return first->progress.Load().bytes_transferred > 0; }));
    auto second = StartJob(*e, {ranged_first ? whole : ranged});
    const auto& jr = ranged_first ? first : second;
    const auto& jw = ranged_first ? second : first;
    ASSERT_EQ(WaitSettled(*jr), JobState::kTransferred);
    ASSERT_EQ(WaitSettled(*jw), JobState::kTransferred);
    EXPECT_EQ(jr->progress.Load().bytes_total, Sum(c.data, ranges));
    EXPECT_EQ(jr->progress.Load().bytes_transferred, Sum(c.data, ranges));
    EXPECT_EQ(jw->progress.Load().bytes_total, c.data.size());
    EXPECT_EQ(jw->progress.Load().bytes_transferred, c.data.size());
    ASSERT_EQ(e->Complete(jr->id), hr::kOk);
    ASSERT_EQ(e->Complete(jw->id), hr::kOk);
    EXPECT_TRUE(ReadFile(ranged_out) == Packed(c.data, ranges));
    EXPECT_TRUE(ReadFile(whole_out) == c.data);
    EXPECT_EQ(ListDir(work_ / "r"), std::vector<std::string>{"s.bin"});
    EXPECT_EQ(ListDir(work_ / "w"), std::vector<std::string>{"s.bin"});
    // One transfer: the content once, not once more for the ranges' pieces.
    EXPECT_LE(origin_->BytesServed("/s.bin"), c.data.size());
  }
};

// Another portion of a TRANSFERRED file (IDODownload::Start with new ranges on a Transferred
// download: DODownloadState_Transferred "can start again by downloading another portion of the
// file"): the pieces of the new ranges are fetched too, progress counts every range, and the
// local file holds the first ranges and then the new ones, packed.
TEST_F(Ranges, NewRangesOnATransferredFileFetchTheirPiecesToo) {
  const Content c = Publish("m.bin", 16 * kMiB + 9, 10);
  const std::vector<ByteRange> first = {{kMiB + 5, 100}};
  const std::vector<ByteRange> more = {{12 * kMiB, 3000}, {0, 10}};
  auto e = StartEngine(2);
  const std::string out = work_ / "m.bin";
  auto job = StartJob(*e, {Ranged(c.url, out, first)});
  ASSERT_EQ(WaitSettled(*job), JobState::kTransferred);
  EXPECT_EQ(e->AddRanges(job->id, 0, {{kMiB + 50, 1}}), hr::kBgEOverlappingRanges);
  EXPECT_EQ(e->AddRanges(job->id, 0, {{16 * kMiB + 9, 1}}), hr::kBgEInvalidRange);
  EXPECT_EQ(e->AddRanges(job->id, 1, more), hr::kInvalidArg);
  EXPECT_EQ(job->state.load(), JobState::kTransferred);
  ASSERT_EQ(e->AddRanges(job->id, 0, more), hr::kOk);
  std::vector<ByteRange> all = first;
  all.insert(all.end(), more.begin(), more.end());
  ASSERT_EQ(WaitSettled(*job), JobState::kTransferred);
  EXPECT_EQ(job->progress.Load().bytes_total, Sum(c.data, all));
  EXPECT_EQ(job->progress.Load().bytes_transferred, Sum(c.data, all));
  EXPECT_LE(origin_->BytesServed("/m.bin"), CoveredPieceBytes(c, all));
  ASSERT_EQ(e->Complete(job->id), hr::kOk);
  EXPECT_TRUE(ReadFile(out) == Packed(c.data, all)) << "the local file is not both portions";
  std::shared_ptr<const engine::JobView> idle;
  ASSERT_EQ(e->CreateJob("idle", &idle), hr::kOk);
  EXPECT_EQ(e->AddRanges(idle->id, 0, more), hr::kBgEInvalidState);
}

TEST_F(Ranges, ARangedFileThenAWholeFileJobOfOneContentShareTheTransfer) {
  RangedAndWholeTogether(/*ranged_first=*/true);
}

TEST_F(Ranges, AWholeFileJobThenARangedFileOfOneContentShareTheTransfer) {
  RangedAndWholeTogether(/*ranged_first=*/false);
}

TEST_F(Ranges, TheCdnIsAskedOnlyForThePiecesHoldingTheRanges) {
  const Content c = Publish("r.bin", 24 * kMiB + 123, 5);
  // Out of order, one to the end of the file: the local file is packed in this order.
  const std::vector<ByteRange> ranges = {
      {20 * kMiB + 7, 1000}, {100, 5000}, {24 * kMiB, kLengthToEof}};
  auto e = StartEngine(2);
  const std::string out = work_ / "r.bin";
  auto job = StartJob(*e, {Ranged(c.url, out, ranges)});  // metainfo from the sidecar
  ASSERT_EQ(WaitSettled(*job), JobState::kTransferred);
  const engine::JobProgress p = job->progress.Load();
  EXPECT_EQ(p.bytes_total, Sum(c.data, ranges));
  EXPECT_EQ(p.bytes_transferred, Sum(c.data, ranges));
  EXPECT_EQ(p.files_transferred, 1u);
  EXPECT_EQ(job->GetFileProgress(0).bytes_total, 6123u);
  const std::uint64_t covered = CoveredPieceBytes(c, ranges);
  EXPECT_LT(covered, c.data.size() / 2);
  EXPECT_LE(origin_->BytesServed("/r.bin"), covered) << "pieces without a wanted byte were fetched";
  EXPECT_GE(origin_->BytesServed("/r.bin"), Sum(c.data, ranges));
  EXPECT_FALSE(fs::exists(out));
  ASSERT_EQ(e->Complete(job->id), hr::kOk);
  EXPECT_TRUE(ReadFile(out) == Packed(c.data, ranges)) << "the local file is not the packed ranges";
  EXPECT_EQ(ListDir(work_.path().string()), std::vector<std::string>{"r.bin"});
}

TEST_F(Ranges, PeersAreAskedOnlyForThePiecesHoldingTheRanges) {
  const Content c = Publish("p.bin", 24 * kMiB, 6);
  auto seed = StartEngine(2);
  Seed(*seed, c);
  auto leech = StartEngine(3, PeersOnly({seed->ListenEndpoint()}));
  const std::vector<ByteRange> ranges = {{9 * kMiB + 1, 2 * kMiB}, {3, 4}};
  const std::string out = work_ / "p.bin";
  auto job = StartJob(*leech, {Ranged(c.url, out, ranges, c.metainfo)});
  ASSERT_EQ(WaitSettled(*job), JobState::kTransferred);
  EXPECT_EQ(job->progress.Load().bytes_total, Sum(c.data, ranges));
  EXPECT_EQ(job->progress.Load().bytes_transferred, Sum(c.data, ranges));
  const engine::SourceBytes s = job->sources.Load();
  EXPECT_EQ(s.from_http, 0u);
  EXPECT_EQ(origin_->BytesServed("/p.bin"), 0u);
  const std::uint64_t covered = CoveredPieceBytes(c, ranges);
  EXPECT_LT(covered, c.data.size() / 2);
  // What the seed uploaded is what the leech asked for: the covering pieces, no more.
  EXPECT_LE(seed->GetStats().bytes.to_peers, covered);
  EXPECT_GE(s.from_peers, Sum(c.data, ranges));
  ASSERT_EQ(leech->Complete(job->id), hr::kOk);
  EXPECT_TRUE(ReadFile(out) == Packed(c.data, ranges));
}

TEST_F(Ranges, RangesOutsideTheFileAreRefusedOrFailTheJob) {
  const Content c = Publish("o.bin", 2 * kMiB, 7);
  auto e = StartEngine(2);
  std::shared_ptr<const engine::JobView> job;
  ASSERT_EQ(e->CreateJob("o", &job), hr::kOk);
  // The size is known from the metainfo: refused at once.
  EXPECT_EQ(e->AddFiles(job->id, {Ranged(c.url, work_ / "a", {{2 * kMiB, 1}}, c.metainfo)}),
            hr::kBgEInvalidRange);
  EXPECT_EQ(e->AddFiles(job->id, {Ranged(c.url, work_ / "a", {{10, 10}, {15, 1}}, c.metainfo)}),
            hr::kBgEOverlappingRanges);
  // Known only once the sidecar arrives: the job fails with BG_E_INVALID_RANGE.
  ASSERT_EQ(e->AddFiles(job->id, {Ranged(c.url, work_ / "a", {{2 * kMiB - 1, 2}})}), hr::kOk);
  ASSERT_EQ(e->Resume(job->id), hr::kOk);
  ASSERT_EQ(WaitSettled(*job), JobState::kError);
  engine::JobErrorInfo info;
  ASSERT_EQ(e->GetError(job->id, &info), hr::kOk);
  EXPECT_EQ(info.code, hr::kBgEInvalidRange) << info.message;
  EXPECT_EQ(info.context, engine::ErrorContext::kRemoteFile);
  EXPECT_EQ(origin_->BytesServed("/o.bin"), 0u);
}

// Plain HTTP (no metainfo): Range requests for the ranges only.
class PlainRanges : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string error;
    origin_ = FaultOrigin::Start(&error);
    ASSERT_TRUE(origin_) << error;
  }
  std::unique_ptr<engine::Engine> Start() {
    engine::EngineOptions o;
    o.listen_interface = "127.0.0.1:0";
    o.delay_foreground_download_from_http_s = 0;
    o.delay_background_download_from_http_s = 0;
    if (durable_) {
      o.data_dir = work_ / "state";
      o.persist_interval_s = 1;
    }
    std::string error;
    auto e = engine::Engine::Start(o, nullptr, &error);
    EXPECT_TRUE(e) << error;
    return e;
  }
  std::shared_ptr<const engine::JobView> Add(engine::Engine& e, std::vector<ByteRange> ranges) {
    std::shared_ptr<const engine::JobView> job;
    EXPECT_EQ(e.CreateJob("plain", &job), hr::kOk);
    FileSpec f = Ranged(origin_->Url("/h.bin"), work_ / "h.bin", std::move(ranges));
    f.http_only = true;
    EXPECT_EQ(e.AddFiles(job->id, {f}), hr::kOk);
    return job;
  }
  static JobState Settle(const engine::JobView& job) {
    EXPECT_TRUE(
        WaitFor([&] { return !engine::IsActive(job.state.load()); }, std::chrono::seconds(120)));
    return job.state.load();
  }
  bool durable_ = false;
  TempDir work_;
  std::unique_ptr<FaultOrigin> origin_;
};

TEST_F(PlainRanges, OnlyTheRangesAreRequestedAndTheFileHoldsThemPacked) {
  const std::string data = RandomBytes(3 * kMiB + 17, 9);
  origin_->Put("/h.bin", data);
  const std::vector<ByteRange> ranges = {{2 * kMiB, kLengthToEof}, {10, 20}, {kMiB, kMiB - 5}};
  auto e = Start();
  auto job = Add(*e, ranges);
  ASSERT_EQ(e->Resume(job->id), hr::kOk);
  ASSERT_EQ(Settle(*job), JobState::kTransferred);
  EXPECT_EQ(job->progress.Load().bytes_total, Sum(data, ranges));
  EXPECT_EQ(job->progress.Load().bytes_transferred, Sum(data, ranges));
  // One byte for the size, then the ranges in 1 MiB chunks; never the whole file.
  const std::vector<std::string> asked = origin_->Ranges("/h.bin");
  ASSERT_FALSE(asked.empty());
  EXPECT_EQ(asked.front(), "bytes=0-0");
  for (const std::string& r : asked) EXPECT_FALSE(r.empty()) << "a request without Range";
  EXPECT_EQ(origin_->BytesSent("/h.bin"), 1 + Sum(data, ranges));
  ASSERT_EQ(e->Complete(job->id), hr::kOk);
  EXPECT_TRUE(ReadFile(work_ / "h.bin") == Packed(data, ranges));
}

TEST_F(PlainRanges, ARangePastTheEndFailsTheJobWithInvalidRange) {
  origin_->Put("/h.bin", RandomBytes(1000, 1));
  auto e = Start();
  auto job = Add(*e, {{0, 10}, {990, 11}});
  ASSERT_EQ(e->Resume(job->id), hr::kOk);
  ASSERT_EQ(Settle(*job), JobState::kError);
  engine::JobErrorInfo info;
  ASSERT_EQ(e->GetError(job->id, &info), hr::kOk);
  EXPECT_EQ(info.code, hr::kBgEInvalidRange) << info.message;
  EXPECT_EQ(origin_->BytesSent("/h.bin"), 1u);  // only the size was asked for
}

TEST_F(PlainRanges, RangesSurviveARestartOfADurableEngine) {
  durable_ = true;
  const std::string data = RandomBytes(2 * kMiB, 4);
  origin_->Put("/h.bin", data);
  const std::vector<ByteRange> ranges = {{kMiB + 3, 300}, {7, 70}};
  engine::Uuid id;
  {
    auto e = Start();
    id = Add(*e, ranges)->id;  // left suspended
  }
  auto e = Start();
  ASSERT_TRUE(e);
  auto job = e->FindJob(id);
  ASSERT_TRUE(job);
  std::vector<engine::FileInfo> files;
  ASSERT_EQ(e->GetFiles(id, &files), hr::kOk);
  ASSERT_EQ(files.size(), 1u);
  EXPECT_EQ(files[0].ranges, ranges);
  ASSERT_EQ(e->Resume(id), hr::kOk);
  ASSERT_EQ(Settle(*job), JobState::kTransferred);
  EXPECT_EQ(job->progress.Load().bytes_total, 370u);
  ASSERT_EQ(e->Complete(id), hr::kOk);
  EXPECT_TRUE(ReadFile(work_ / "h.bin") == Packed(data, ranges));
}

// A durable engine stopped mid-transfer keeps the chunks already on disk: after the restart
// the origin serves only the rest. The size is known from the store, so nothing is probed.
class PlainRangesRestart : public PlainRanges {
 protected:
  static constexpr std::uint64_t kLength = 4 * kMiB + 7;
  const std::vector<ByteRange> ranges_ = {{100, kLength}};
  std::string data_ = RandomBytes(5 * kMiB, 12);
  engine::Uuid id_;

  // Runs a first engine until two 1 MiB chunks are in (the origin then stalls), and stops it.
  void FirstRun() {
    durable_ = true;
    Fault stall;
    stall.end = Fault::End::kStall;
    stall.cut_at = 0;
    origin_->Put("/h.bin", data_, {Fault{}, Fault{}, Fault{}, stall});  // size, 2 chunks, stall
    auto e = Start();
    auto job = Add(*e, ranges_);
    id_ = job->id;
    ASSERT_EQ(e->Resume(id_), hr::kOk);
    ASSERT_TRUE(WaitFor([&] { return job->progress.Load().bytes_transferred == 2 * kMiB; }));
  }
  std::string TempFile() {
    for (const auto& entry : fs::directory_iterator(work_.path())) {
      if (entry.path().string().find(".shoal-tmp") != std::string::npos) return entry.path();
    }
    return "";
  }
  // Restarts, lets the job finish, and returns the bytes the origin sent in this run.
  std::uint64_t SecondRun() {
    const std::uint64_t before = origin_->BytesSent("/h.bin");
    auto e = Start();
    auto job = e->FindJob(id_);
    EXPECT_TRUE(job);
    if (!job) return 0;
    EXPECT_EQ(Settle(*job), JobState::kTransferred);
    EXPECT_EQ(job->progress.Load().bytes_transferred, kLength);
    EXPECT_EQ(e->Complete(id_), hr::kOk);
    EXPECT_TRUE(ReadFile(work_ / "h.bin") == Packed(data_, ranges_));
    return origin_->BytesSent("/h.bin") - before;
  }
};

TEST_F(PlainRangesRestart, TheChunksOnDiskAreKeptAndOnlyTheRestIsFetched) {
  ASSERT_NO_FATAL_FAILURE(FirstRun());
  EXPECT_EQ(origin_->BytesSent("/h.bin"), 1 + 2 * kMiB);
  EXPECT_EQ(SecondRun(), kLength - 2 * kMiB);
}

TEST_F(PlainRangesRestart, AChunkTornOnDiskIsFetchedAgain) {
  ASSERT_NO_FATAL_FAILURE(FirstRun());
  // A write that never reached the disk: the record of the first chunk no longer matches.
  const std::string temp = TempFile();
  ASSERT_FALSE(temp.empty());
  {
    std::fstream f(temp, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(100 + 5000);
    f.write(std::string(4096, '\0').data(), 4096);
  }
  EXPECT_EQ(SecondRun(), kLength - kMiB);
}

}  // namespace
}  // namespace shoal::testing
