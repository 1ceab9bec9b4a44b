// The plain-HTTP source against a fault-injecting origin on loopback: real libcurl, a fake
// clock for the retry timers. Each case asserts state, HRESULT, error context, ErrorCount, and
// that the final file is byte-exact or absent.
#include <sys/stat.h>

#include "engine/metainfo.h"
#include "tests/integration/http_fixture.h"

namespace shoal::testing {
namespace {


TEST_F(HttpSource, ContentWithoutMetainfoArrivesByteExact) {
  const std::string data = RandomBytes(3 * kMiB + 17);
  origin_->Put("/plain.bin", data);
  auto job = StartJob("/plain.bin", "plain.bin");
  ASSERT_EQ(Settle(*job), JobState::kTransferred);
  EXPECT_EQ(origin_->Requests("/plain.bin.torrent"), 1) << "the sidecar was asked for first";
  EXPECT_EQ(job->sources.Load().from_peers, 0u);
  EXPECT_EQ(job->error_count.load(), 0u);
  ExpectFile(*job, "plain.bin", data);
}

TEST_F(HttpSource, ServerErrorIsTransientAndRecovers) {
  const std::string data = RandomBytes(kMiB);
  Fault e500;
  e500.status = 500;
  origin_->Put("/500.bin", data, {e500});
  auto job = StartJob("/500.bin", "500.bin");
  ExpectError(*job, JobState::kTransientError, hr::HttpError(500), ErrorContext::kRemoteFile, 1);
  EXPECT_EQ(events_.errors(), 0) << "transient errors fire no JobError";
  RetryAndExpectFile(*job, "500.bin", data);
  EXPECT_EQ(job->error_count.load(), 1u);
}

TEST_F(HttpSource, ResetMidBodyResumesWithARange) {
  const std::string data = RandomBytes(4 * kMiB);
  Fault reset;
  reset.end = Fault::End::kReset;
  reset.cut_at = 2 * kMiB;
  origin_->Put("/reset.bin", data, {reset});
  auto job = StartJob("/reset.bin", "reset.bin");
  ExpectError(*job, JobState::kTransientError, hr::kInternetConnectionReset,
              ErrorContext::kRemoteFile, 1);
  RetryAndExpectFile(*job, "reset.bin", data);
  const auto ranges = origin_->Ranges("/reset.bin");
  ASSERT_EQ(ranges.size(), 2u);
  EXPECT_EQ(ranges[0], "");
  EXPECT_EQ(ranges[1].rfind("bytes=", 0), 0u) << "the retry resumes: " << ranges[1];
}

// A resume names the version its bytes are of (If-Range): content that changed in between,
// even to the same size, arrives whole in its new version, whether the origin honours
// If-Range (a 200) or ignores it (a 206 whose ETag differs: fetched again from zero).
class HttpResume : public HttpSource {
 protected:
  void ResumeOfChangedContent(bool ignores);
};

void HttpResume::ResumeOfChangedContent(bool ignores) {
  const std::string name = "changed.bin";
  const std::string v1 = RandomBytes(4 * kMiB, 1), v2 = RandomBytes(4 * kMiB, 2);
  Fault reset;
  reset.end = Fault::End::kReset;
  reset.cut_at = 2 * kMiB;
  reset.headers = "ETag: \"v1\"\r\n";
  origin_->Put("/" + name, v1, {reset});
  auto job = StartJob("/" + name, name);
  ExpectError(*job, JobState::kTransientError, hr::kInternetConnectionReset,
              ErrorContext::kRemoteFile, 1);
  Fault changed;
  changed.headers = "ETag: \"v2\"\r\n";
  changed.ignore_if_range = ignores;
  origin_->Put("/" + name, v2, {}, changed);
  RetryAndExpectFile(*job, name, v2);
  const std::vector<std::string> asked = origin_->IfRanges("/" + name);
  ASSERT_FALSE(asked.empty());
  EXPECT_EQ(asked.front(), "\"v1\"") << "the resume names the version it has";
  EXPECT_EQ(asked.size(), ignores ? 2u : 1u);
}

TEST_F(HttpResume, OfChangedContentFetchesTheNewVersionWhole) {
  ResumeOfChangedContent(/*ignores=*/false);
}

TEST_F(HttpResume, OfChangedContentFetchesItWholeWhenTheOriginIgnoresIfRange) {
  ResumeOfChangedContent(/*ignores=*/true);
}

TEST_F(HttpSource, TruncatedBodyResumesAfterTheBytesReceived) {
  const std::string data = RandomBytes(3 * kMiB);
  Fault cut;
  cut.end = Fault::End::kFin;
  cut.cut_at = kMiB;
  origin_->Put("/cut.bin", data, {cut});
  auto job = StartJob("/cut.bin", "cut.bin");
  ExpectError(*job, JobState::kTransientError, hr::kInternetConnectionAborted,
              ErrorContext::kRemoteFile, 1);
  EXPECT_EQ(job->progress.Load().bytes_transferred, kMiB);
  RetryAndExpectFile(*job, "cut.bin", data);
  EXPECT_EQ(origin_->Ranges("/cut.bin").back(), "bytes=" + std::to_string(kMiB) + "-");
}

TEST_F(HttpSource, ServerIgnoringRangeMakesTheFileRestartFromZero) {
  const std::string data = RandomBytes(2 * kMiB);
  Fault cut;
  cut.end = Fault::End::kFin;
  cut.cut_at = kMiB;
  Fault no_range;
  no_range.ignore_range = true;
  origin_->Put("/norange.bin", data, {cut}, no_range);
  auto job = StartJob("/norange.bin", "norange.bin");
  ASSERT_EQ(Settle(*job), JobState::kTransientError);
  RetryAndExpectFile(*job, "norange.bin", data);
  EXPECT_EQ(origin_->Ranges("/norange.bin").back(), "bytes=" + std::to_string(kMiB) + "-");
  EXPECT_GE(job->sources.Load().from_http, data.size() + kMiB) << "the first MiB came twice";
}

TEST_F(HttpSource, RedirectChainIsFollowed) {
  const std::string data = RandomBytes(kMiB + 1);
  origin_->Put("/final.bin", data);
  origin_->Redirect("/hop1.bin", "/hop2.bin");
  origin_->Redirect("/hop2.bin", origin_->Url("/final.bin"));
  auto job = StartJob("/hop1.bin", "hop.bin");
  ASSERT_EQ(Settle(*job), JobState::kTransferred);
  EXPECT_EQ(origin_->Requests("/final.bin"), 1);
  ExpectFile(*job, "hop.bin", data);
}

TEST_F(HttpSource, RedirectLoopIsFatal) {
  origin_->Redirect("/ping.bin", "/pong.bin");
  origin_->Redirect("/pong.bin", "/ping.bin");
  auto job = StartJob("/ping.bin", "loop.bin");
  ExpectError(*job, JobState::kError, hr::kHttpRedirectFailed, ErrorContext::kRemoteFile, 1);
  EXPECT_TRUE(WaitFor([&] { return events_.errors() == 1; }));
  ExpectAbsent(*job, "loop.bin");
}

TEST_F(HttpSource, MissingContentIsAFatal404) {
  auto job = StartJob("/nowhere.bin", "nowhere.bin");
  ExpectError(*job, JobState::kError, hr::HttpError(404), ErrorContext::kRemoteFile, 1);
  EXPECT_EQ(origin_->Requests("/nowhere.bin"), 1);
  clock_->Advance(seconds(100000));
  EXPECT_FALSE(WaitFor([&] { return origin_->Requests("/nowhere.bin") > 1; },
                       std::chrono::milliseconds(700)))
      << "fatal errors are not retried";
  ExpectAbsent(*job, "nowhere.bin");
}

TEST_F(HttpSource, ForbiddenIsAFatal403) {
  Fault e403;
  e403.status = 403;
  origin_->Put("/secret.bin", "x", {}, e403);
  auto job = StartJob("/secret.bin", "secret.bin");
  ExpectError(*job, JobState::kError, hr::HttpError(403), ErrorContext::kRemoteFile, 1);
  ExpectAbsent(*job, "secret.bin");
}

TEST_F(HttpSource, WrongContentLengthEndsInErrorAfterTheNoProgressTimeout) {
  const std::string data = RandomBytes(kMiB);
  Fault lies;
  lies.extra_length = 1000;  // promises more than it ever sends
  origin_->Put("/lies.bin", data, {}, lies);
  auto job = StartJob("/lies.bin", "lies.bin", 1000);
  ExpectError(*job, JobState::kTransientError, hr::kInternetConnectionAborted,
              ErrorContext::kRemoteFile, 1);
  clock_->Advance(seconds(600));  // the retry fetches the same bytes again: no progress
  ASSERT_TRUE(WaitFor([&] { return job->error_count.load() == 2; }));
  EXPECT_GE(origin_->Requests("/lies.bin"), 2);
  ASSERT_EQ(Settle(*job), JobState::kTransientError);
  EXPECT_EQ(events_.errors(), 0);
  clock_->Advance(seconds(600));  // 1200 s without progress > 1000 s
  ASSERT_TRUE(WaitFor([&] { return job->state.load() == JobState::kError; }));
  EXPECT_TRUE(WaitFor([&] { return events_.errors() == 1; }));
  EXPECT_EQ(job->error_count.load(), 2u);
  ExpectAbsent(*job, "lies.bin");
}

TEST_F(HttpSource, SlowDripCompletesWithoutErrors) {
  const std::string data = RandomBytes(256 << 10);
  Fault drip;
  drip.drip_bytes = 8 << 10;
  drip.drip_delay = std::chrono::milliseconds(10);
  origin_->Put("/drip.bin", data, {}, drip);
  auto job = StartJob("/drip.bin", "drip.bin");
  ASSERT_EQ(Settle(*job), JobState::kTransferred);
  EXPECT_EQ(job->error_count.load(), 0u);
  ExpectFile(*job, "drip.bin", data);
}

TEST_F(HttpSource, StalledBodyIsATransientTimeout) {
  const std::string data = RandomBytes(kMiB);
  Fault stall;
  stall.end = Fault::End::kStall;
  stall.cut_at = 64 << 10;
  origin_->Put("/stall.bin", data, {stall});
  auto job = StartJob("/stall.bin", "stall.bin");
  ExpectError(*job, JobState::kTransientError, hr::kInternetTimeout, ErrorContext::kRemoteFile, 1);
  RetryAndExpectFile(*job, "stall.bin", data);
}

TEST_F(HttpSource, UnknownLengthIsReportedUnknownUntilTheBodyEnds) {
  const std::string data = RandomBytes(512 << 10);
  Fault open_ended;
  open_ended.no_length = true;
  open_ended.drip_bytes = 16 << 10;
  open_ended.drip_delay = std::chrono::milliseconds(20);
  origin_->Put("/open.bin", data, {}, open_ended);
  auto job = StartJob("/open.bin", "open.bin");
  int seen_partial = 0;
  ASSERT_TRUE(WaitFor([&] {
    const engine::JobProgress p = job->progress.Load();
    if (p.bytes_transferred > 0 && p.bytes_transferred < data.size()) {
      ++seen_partial;
      EXPECT_EQ(p.bytes_total, engine::kSizeUnknown);
    }
    return !engine::IsActive(job->state.load());
  }));
  EXPECT_GT(seen_partial, 0);
  ASSERT_EQ(job->state.load(), JobState::kTransferred);
  ExpectFile(*job, "open.bin", data);
}

TEST_F(HttpSource, SuspendAndResumeContinueToFullSize) {
  const std::string data = RandomBytes(kMiB);
  Fault drip;
  drip.drip_bytes = 16 << 10;
  drip.drip_delay = std::chrono::milliseconds(10);
  origin_->Put("/pause.bin", data, {}, drip);
  auto job = StartJob("/pause.bin", "pause.bin");
  ASSERT_TRUE(WaitFor([&] { return job->progress.Load().bytes_transferred >= 128 << 10; }));
  ASSERT_EQ(engine_->Suspend(job->id), hr::kOk);
  const std::uint64_t at_pause = job->progress.Load().bytes_transferred;
  EXPECT_LT(at_pause, data.size());
  ASSERT_EQ(engine_->Resume(job->id), hr::kOk);
  ASSERT_EQ(Settle(*job), JobState::kTransferred);
  EXPECT_EQ(job->error_count.load(), 0u);
  const auto ranges = origin_->Ranges("/pause.bin");
  ASSERT_EQ(ranges.size(), 2u);
  EXPECT_EQ(ranges[1], "bytes=" + std::to_string(at_pause) + "-");
  ExpectFile(*job, "pause.bin", data);
}

TEST_F(HttpSource, BadLocalPathWinsOverA404) {
  // The destination folder is checked when the file is added, before any request is made.
  std::shared_ptr<const engine::JobView> job;
  ASSERT_EQ(engine_->CreateJob("path", &job), hr::kOk);
  EXPECT_EQ(engine_->AddFiles(job->id, {{origin_->Url("/nowhere.bin"), work_ / "no/such/dir/x.bin", ""}}),
            hr::kPathNotFound);
  EXPECT_EQ(job->progress.Load().files_total, 0u);
  EXPECT_EQ(origin_->Requests("/nowhere.bin"), 0);
  EXPECT_EQ(origin_->Requests("/nowhere.bin.torrent"), 0);
}

TEST_F(HttpSource, OnlyARegularFileOrNothingIsADestination) {
  // As root, -o /dev/null once replaced the system's /dev/null with a regular file.
  origin_->Put("/f.bin", RandomBytes(1000));
  ASSERT_EQ(::mkfifo((work_ / "fifo").c_str(), 0600), 0);
  std::shared_ptr<const engine::JobView> job;
  ASSERT_EQ(engine_->CreateJob("dest", &job), hr::kOk);
  EXPECT_EQ(engine_->AddFiles(job->id, {{origin_->Url("/f.bin"), work_ / "fifo", ""}}),
            hr::kInvalidArg);
  EXPECT_EQ(engine_->AddFiles(job->id, {{origin_->Url("/f.bin"), "/dev/null", ""}}),
            hr::kInvalidArg);
  EXPECT_EQ(origin_->Requests("/f.bin"), 0);

  // A FIFO that appears at the name while the file is fetched is not replaced either.
  auto later = StartJob("/f.bin", "later.bin");
  ASSERT_EQ(Settle(*later), JobState::kTransferred);
  ASSERT_EQ(::mkfifo((work_ / "later.bin").c_str(), 0600), 0);
  EXPECT_EQ(engine_->Complete(later->id), hr::kInvalidArg);
  struct stat st {};
  ASSERT_EQ(::lstat((work_ / "later.bin").c_str(), &st), 0);
  EXPECT_TRUE(S_ISFIFO(st.st_mode));
}

TEST_F(HttpSource, ANameNearNameMaxIsFetched) {
  // The temp name beside it would pass NAME_MAX (255) if it only added its suffix.
  const std::string data = RandomBytes(1000);
  const std::string name(250, 'n');
  origin_->Put("/long", data);
  auto job = StartJob("/long", name);
  ASSERT_EQ(Settle(*job), JobState::kTransferred);
  ExpectFile(*job, name, data);
}

TEST_F(HttpSource, FailingCdnWithoutPeersFollowsTheRetryRules) {
  // Metainfo is published, so the CDN serves pieces by range requests, and it answers 503.
  TempDir src;
  const std::string data = WriteRandomFile(src / "ws.bin", kMiB);
  engine::MetainfoSpec spec;
  spec.path = src / "ws.bin";
  std::string torrent, error;
  ASSERT_EQ(engine::CreateMetainfo(spec, &torrent, &error), hr::kOk) << error;
  origin_->Put("/ws.bin.torrent", torrent);
  Fault e503;
  e503.status = 503;
  origin_->Put("/ws.bin", data, {}, e503);
  auto job = StartJob("/ws.bin", "ws.bin");
  ExpectError(*job, JobState::kTransientError, hr::HttpError(503), ErrorContext::kRemoteFile, 1);
  EXPECT_EQ(events_.errors(), 0);
  origin_->Put("/ws.bin", data);  // the CDN recovers
  RetryAndExpectFile(*job, "ws.bin", data);
}

TEST_F(HttpSource, ExpectedSha256IsCheckedAfterThePieces) {
  // With metainfo, pieces are verified by libtorrent; the caller's SHA-256 comes on top.
  TempDir src;
  const std::string data = WriteRandomFile(src / "sum.bin", kMiB + 3);
  engine::MetainfoSpec spec;
  spec.path = src / "sum.bin";
  std::string torrent, error, good, bad;
  ASSERT_EQ(engine::CreateMetainfo(spec, &torrent, &error), hr::kOk) << error;
  ASSERT_EQ(engine::Sha256File(src / "sum.bin", &good, &error), hr::kOk) << error;
  bad = good;
  bad[0] = static_cast<char>(bad[0] ^ 1);
  origin_->Put("/sum.bin", data);
  for (const std::string* digest : {&bad, &good}) {
    std::shared_ptr<const engine::JobView> job;
    ASSERT_EQ(engine_->CreateJob("sum", &job), hr::kOk);
    engine::FileSpec f{origin_->Url("/sum.bin"), work_ / "sum.bin", torrent};
    f.sha256 = *digest;
    ASSERT_EQ(engine_->AddFiles(job->id, {f}), hr::kOk);
    ASSERT_EQ(engine_->Resume(job->id), hr::kOk);
    if (digest == &bad) {
      ExpectError(*job, JobState::kError, hr::kBgEValidationFailed, ErrorContext::kRemoteFile, 1);
      ExpectAbsent(*job, "sum.bin");
    } else {
      ASSERT_EQ(Settle(*job), JobState::kTransferred);
      ExpectFile(*job, "sum.bin", data);
    }
  }
}

}  // namespace
}  // namespace shoal::testing
