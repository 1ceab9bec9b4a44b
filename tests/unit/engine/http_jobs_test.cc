// Plain-HTTP files and the BITS retry timers, driven through a scripted HttpSource and a fake
// clock: no network, no sleeping out retry delays.
#include <gtest/gtest.h>

#include <mutex>
#include <thread>

#include "engine/engine.h"
#include "engine/metainfo.h"
#include "tests/support/event_log.h"
#include "tests/support/fake_http_source.h"
#include "tests/support/fixtures.h"

namespace shoal::engine {
namespace {

using std::chrono::seconds;
using testing::EventLog;
using testing::FakeHttpSource;
using testing::WaitFor;

class HttpJobs : public ::testing::Test {
 protected:
  void SetUp() override {
    auto source = std::make_unique<FakeHttpSource>();
    http_ = source.get();
    clock_ = std::make_shared<FakeClock>();
    EngineSeams seams;
    seams.clock = clock_;
    seams.http_source = std::move(source);
    EngineOptions o;
    o.listen_interface = "127.0.0.1:0";
    std::string error;
    engine_ = Engine::Start(o, &events_, &error, std::move(seams));
    ASSERT_TRUE(engine_) << error;
  }

  // A job of plain-HTTP files (no sidecar), with the given timers, resumed.
  std::shared_ptr<const JobView> StartJob(int files = 1, std::uint32_t retry_s = 600,
                                          std::uint32_t timeout_s = 3600,
                                          const std::string& sha256 = "") {
    std::shared_ptr<const JobView> job;
    EXPECT_EQ(engine_->CreateJob("http", &job), hr::kOk);
    std::vector<FileSpec> specs;
    for (int i = 0; i < files; ++i) {
      FileSpec s{"http://cdn.invalid/f" + std::to_string(i), dir_ / ("f" + std::to_string(i)), ""};
      s.http_only = true;
      s.sha256 = sha256;
      specs.push_back(s);
    }
    EXPECT_EQ(engine_->AddFiles(job->id, specs), hr::kOk);
    EXPECT_EQ(engine_->SetProperties(job->id, [&](JobProperties& p) {
      p.minimum_retry_delay_s = retry_s;
      p.no_progress_timeout_s = timeout_s;
      return hr::kOk;
    }), hr::kOk);
    EXPECT_EQ(engine_->Resume(job->id), hr::kOk);
    return job;
  }

  // Another job of StartJob's first URL, to its own file g0, resumed.
  std::shared_ptr<const JobView> SecondJobOfF0() {
    std::shared_ptr<const JobView> job;
    EXPECT_EQ(engine_->CreateJob("again", &job), hr::kOk);
    FileSpec s{"http://cdn.invalid/f0", dir_ / "g0", ""};
    s.http_only = true;
    EXPECT_EQ(engine_->AddFiles(job->id, {s}), hr::kOk);
    EXPECT_EQ(engine_->Resume(job->id), hr::kOk);
    return job;
  }

  static bool WaitState(const JobView& job, JobState s) {
    return WaitFor([&] { return job.state.load() == s; });
  }
  // Lets the engine's 250 ms tick run a few times against the clock as it is.
  static void LetTicksRun() { std::this_thread::sleep_for(std::chrono::milliseconds(700)); }

  testing::TempDir dir_;
  EventLog events_;
  FakeHttpSource* http_ = nullptr;
  std::shared_ptr<FakeClock> clock_;
  std::unique_ptr<Engine> engine_;
  const std::string content_ = "0123456789";
};

TEST_F(HttpJobs, FileArrivesWithProgressAttributedToHttp) {
  auto job = StartJob();
  auto call = http_->WaitForCall(1);
  ASSERT_TRUE(call);
  EXPECT_EQ(call->request.offset, 0u);
  EXPECT_EQ(call->request.url, "http://cdn.invalid/f0");
  call->callbacks.on_head(content_.size(), false);
  call->Deliver(content_, 4);
  ASSERT_TRUE(WaitFor([&] { return job->progress.Load().bytes_transferred == 4; }));
  EXPECT_EQ(job->progress.Load().bytes_total, 10u);
  EXPECT_EQ(job->state.load(), JobState::kTransferring);
  call->Deliver(content_, 10);
  call->Finish();
  ASSERT_TRUE(WaitState(*job, JobState::kTransferred));
  EXPECT_EQ(job->sources.Load().from_http, 10u);
  EXPECT_EQ(job->sources.Load().from_peers, 0u);
  EXPECT_EQ(engine_->Complete(job->id), hr::kOk);
  EXPECT_EQ(testing::ReadFile(dir_ / "f0"), content_);
}

// One content, one transfer (decision 0013): a second job for the same URL follows the first
// job's transfer (one request), reports the bytes as they arrive, and gets its own file.
TEST_F(HttpJobs, TwoJobsOfOneUrlShareOneRequest) {
  auto first = StartJob();
  auto call = http_->WaitForCall(1);
  ASSERT_TRUE(call);
  auto second = SecondJobOfF0();
  ASSERT_TRUE(second);
  call->callbacks.on_head(content_.size(), false);
  call->Deliver(content_, 4);
  ASSERT_TRUE(WaitFor([&] { return second->progress.Load().bytes_transferred == 4; }));
  call->Deliver(content_, 10);
  call->Finish();
  ASSERT_TRUE(WaitState(*first, JobState::kTransferred));
  ASSERT_TRUE(WaitState(*second, JobState::kTransferred));
  EXPECT_EQ(second->sources.Load().from_http, 10u);
  EXPECT_EQ(http_->calls(), 1u);  // before: one request per job
  EXPECT_EQ(engine_->Complete(second->id), hr::kOk);
  EXPECT_EQ(engine_->Complete(first->id), hr::kOk);
  EXPECT_EQ(testing::ReadFile(dir_ / "f0"), content_);
  EXPECT_EQ(testing::ReadFile(dir_ / "g0"), content_);
}

// Decision 0017: the origin names another version (its ETag changed) once the first job's
// response came: the second job fetches its own copy instead of the first one's bytes.
TEST_F(HttpJobs, TwoJobsOfOneUrlWithOtherValidatorsDoNotShare) {
  auto first = StartJob();
  auto call = http_->WaitForCall(1);
  ASSERT_TRUE(call);
  call->callbacks.on_head(content_.size(), false);  // named "1"
  call->Deliver(content_, 4);
  http_->SetValidator("etag:\"2\"");
  auto second = SecondJobOfF0();
  ASSERT_TRUE(second);
  auto own = http_->WaitForCall(2);  // before: it followed the first job's request
  ASSERT_TRUE(own);
  const std::string next = "abcdefghij";
  own->callbacks.on_head(next.size(), false);
  own->Deliver(next, 10);
  own->Finish();
  call->Deliver(content_, 10);
  call->Finish();
  ASSERT_TRUE(WaitState(*first, JobState::kTransferred));
  ASSERT_TRUE(WaitState(*second, JobState::kTransferred));
  EXPECT_EQ(engine_->Complete(first->id), hr::kOk);
  EXPECT_EQ(engine_->Complete(second->id), hr::kOk);
  EXPECT_EQ(testing::ReadFile(dir_ / "f0"), content_);
  EXPECT_EQ(testing::ReadFile(dir_ / "g0"), next);
}

TEST_F(HttpJobs, UnknownLengthStaysUnknownUntilTheBodyEnds) {
  auto job = StartJob();
  auto call = http_->WaitForCall(1);
  ASSERT_TRUE(call);
  call->callbacks.on_head(kSizeUnknown, false);
  call->Deliver(content_, 5);
  ASSERT_TRUE(WaitFor([&] { return job->progress.Load().bytes_transferred == 5; }));
  EXPECT_EQ(job->progress.Load().bytes_total, kSizeUnknown);
  EXPECT_EQ(job->GetFileProgress(0).bytes_total, kSizeUnknown);
  call->Deliver(content_, 10);
  call->Finish();
  ASSERT_TRUE(WaitState(*job, JobState::kTransferred));
  EXPECT_EQ(job->progress.Load().bytes_total, 10u);
}

TEST_F(HttpJobs, TransientErrorRetriesAfterTheDelayFromTheBytesOnDisk) {
  auto job = StartJob(1, 600, 3600);
  auto first = http_->WaitForCall(1);
  ASSERT_TRUE(first);
  first->callbacks.on_head(content_.size(), false);
  first->Deliver(content_, 4);
  first->Finish(hr::HttpError(503), true, 503);
  ASSERT_TRUE(WaitState(*job, JobState::kTransientError));
  EXPECT_EQ(job->error_count.load(), 1u);
  JobErrorInfo info;
  ASSERT_EQ(engine_->GetError(job->id, &info), hr::kOk);
  EXPECT_EQ(static_cast<std::uint32_t>(info.code), 0x801901F7u);
  EXPECT_EQ(info.context, ErrorContext::kRemoteFile);
  EXPECT_EQ(info.file_index, 0);
  EXPECT_EQ(info.protocol, "http");

  clock_->Advance(seconds(599));
  LetTicksRun();
  EXPECT_EQ(job->state.load(), JobState::kTransientError) << "retried before the delay";
  EXPECT_EQ(http_->calls(), 1u);

  clock_->Advance(seconds(1));
  auto second = http_->WaitForCall(2);
  ASSERT_TRUE(second);
  EXPECT_EQ(second->request.offset, 4u) << "resumes after the bytes already on disk";
  EXPECT_EQ(second->request.expected_size, 10u);
  second->Deliver(content_, 10);
  second->Finish();
  ASSERT_TRUE(WaitState(*job, JobState::kTransferred));
  EXPECT_EQ(job->error_count.load(), 1u);
  EXPECT_EQ(events_.errors(), 0) << "transient errors fire no JobError";
  EXPECT_EQ(engine_->GetError(job->id, &info), hr::kBgEErrorInformationUnavailable);
  EXPECT_EQ(engine_->Complete(job->id), hr::kOk);
  EXPECT_EQ(testing::ReadFile(dir_ / "f0"), content_);
}

TEST_F(HttpJobs, NoProgressTimeoutTurnsRepeatedFailuresIntoError) {
  auto job = StartJob(1, 600, 1000);
  http_->WaitForCall(1)->Finish(hr::kInternetCannotConnect, true);
  ASSERT_TRUE(WaitState(*job, JobState::kTransientError));
  clock_->Advance(seconds(600));
  auto retry = http_->WaitForCall(2);
  ASSERT_TRUE(retry);
  retry->Finish(hr::kInternetCannotConnect, true);  // a failed retry counts again
  ASSERT_TRUE(WaitFor([&] { return job->error_count.load() == 2; }));
  EXPECT_EQ(job->state.load(), JobState::kTransientError);
  EXPECT_EQ(events_.errors(), 0);
  clock_->Advance(seconds(600));  // 1200 s since the first error, over the 1000 s timeout
  ASSERT_TRUE(WaitState(*job, JobState::kError));
  EXPECT_EQ(job->error_count.load(), 2u) << "the timeout itself is not another failure";
  ASSERT_TRUE(WaitFor([&] { return events_.errors() == 1; }));
  JobErrorInfo info;
  ASSERT_EQ(engine_->GetError(job->id, &info), hr::kOk);
  EXPECT_EQ(info.code, hr::kInternetCannotConnect);
  EXPECT_EQ(http_->calls(), 2u);
}

TEST_F(HttpJobs, ProgressRestartsTheNoProgressWindow) {
  auto job = StartJob(1, 600, 1000);
  auto first = http_->WaitForCall(1);
  first->callbacks.on_head(content_.size(), false);
  first->Finish(hr::HttpError(500), true, 500);
  ASSERT_TRUE(WaitState(*job, JobState::kTransientError));
  clock_->Advance(seconds(600));
  auto second = http_->WaitForCall(2);
  ASSERT_TRUE(second);
  second->Deliver(content_, 3);  // progress at t=600: the window closes
  ASSERT_TRUE(WaitFor([&] { return job->progress.Load().bytes_transferred == 3; }));
  second->Finish(hr::HttpError(500), true, 500);  // and reopens here
  ASSERT_TRUE(WaitFor([&] { return job->error_count.load() == 2; }));
  clock_->Advance(seconds(600));  // 1200 s after the first error, 600 s after the last
  auto third = http_->WaitForCall(3);
  ASSERT_TRUE(third) << "retried, not timed out";
  EXPECT_EQ(third->request.offset, 3u);
  EXPECT_EQ(events_.errors(), 0);
}

TEST_F(HttpJobs, RetryDelayAboveTheTimeoutEndsInError) {
  auto job = StartJob(1, 600, 300);
  http_->WaitForCall(1)->Finish(hr::kInternetTimeout, true);
  ASSERT_TRUE(WaitState(*job, JobState::kTransientError));
  clock_->Advance(seconds(300));
  ASSERT_TRUE(WaitState(*job, JobState::kError));
  EXPECT_EQ(http_->calls(), 1u);
}

TEST_F(HttpJobs, NoProgressTimeoutZeroMeansNoRetry) {
  auto job = StartJob(1, 600, 0);
  http_->WaitForCall(1)->Finish(hr::kInternetConnectionReset, true);
  ASSERT_TRUE(WaitState(*job, JobState::kError));
  EXPECT_EQ(job->error_count.load(), 1u);
  ASSERT_TRUE(WaitFor([&] { return events_.errors() == 1; }));
}

TEST_F(HttpJobs, ResumeFromTransientErrorRequeuesAtOnce) {
  auto job = StartJob(1, 600, 3600);
  http_->WaitForCall(1)->Finish(hr::HttpError(502), true, 502);
  ASSERT_TRUE(WaitState(*job, JobState::kTransientError));
  EXPECT_EQ(engine_->Resume(job->id), hr::kOk);
  EXPECT_TRUE(http_->WaitForCall(2)) << "no clock advance needed";
}

TEST_F(HttpJobs, FatalHttpErrorIsErrorWithJobError) {
  auto job = StartJob();
  http_->WaitForCall(1)->Finish(hr::HttpError(404), false, 404);
  ASSERT_TRUE(WaitState(*job, JobState::kError));
  JobErrorInfo info;
  ASSERT_EQ(engine_->GetError(job->id, &info), hr::kOk);
  EXPECT_EQ(static_cast<std::uint32_t>(info.code), 0x80190194u);
  EXPECT_EQ(info.context, ErrorContext::kRemoteFile);
  EXPECT_EQ(info.file_index, 0);
  EXPECT_EQ(job->error_count.load(), 1u);
  ASSERT_TRUE(WaitFor([&] { return events_.errors() == 1; }));
  clock_->Advance(seconds(100000));
  LetTicksRun();
  EXPECT_EQ(http_->calls(), 1u) << "fatal errors are not retried";
  EXPECT_EQ(engine_->Resume(job->id), hr::kOk);
  EXPECT_TRUE(http_->WaitForCall(2)) << "Resume from ERROR re-queues at once";
}

TEST_F(HttpJobs, SuspendCancelsTheTransferAndIgnoresItsLateReports) {
  auto job = StartJob();
  auto first = http_->WaitForCall(1);
  first->callbacks.on_head(content_.size(), false);
  first->Deliver(content_, 6);
  ASSERT_TRUE(WaitFor([&] { return job->progress.Load().bytes_transferred == 6; }));
  ASSERT_EQ(engine_->Suspend(job->id), hr::kOk);
  EXPECT_TRUE(first->cancelled.load());
  first->callbacks.on_progress(9);
  first->Finish(hr::kFail, false);
  LetTicksRun();
  EXPECT_EQ(job->progress.Load().bytes_transferred, 6u);
  EXPECT_EQ(job->state.load(), JobState::kSuspended);
  ASSERT_EQ(engine_->Resume(job->id), hr::kOk);
  auto second = http_->WaitForCall(2);
  ASSERT_TRUE(second);
  EXPECT_EQ(second->request.offset, 6u);
}

TEST_F(HttpJobs, RestartFromZeroResetsTheFilesProgress) {
  auto job = StartJob();
  auto first = http_->WaitForCall(1);
  first->callbacks.on_head(content_.size(), false);
  first->Deliver(content_, 6);
  ASSERT_TRUE(WaitFor([&] { return job->progress.Load().bytes_transferred == 6; }));
  first->Finish(hr::kInternetConnectionReset, true);
  ASSERT_TRUE(WaitState(*job, JobState::kTransientError));
  ASSERT_EQ(engine_->Resume(job->id), hr::kOk);
  auto second = http_->WaitForCall(2);
  ASSERT_TRUE(second);
  // The server ignored Range: the source truncated the file and starts over.
  ASSERT_EQ(::ftruncate(second->request.fd, 0), 0);
  second->request.offset = 0;
  second->callbacks.on_head(content_.size(), true);
  ASSERT_TRUE(WaitFor([&] { return job->progress.Load().bytes_transferred == 0; }));
  second->Deliver(content_, 10);
  second->Finish();
  ASSERT_TRUE(WaitState(*job, JobState::kTransferred));
  EXPECT_EQ(engine_->Complete(job->id), hr::kOk);
  EXPECT_EQ(testing::ReadFile(dir_ / "f0"), content_);
}

TEST_F(HttpJobs, FilesOfAJobGoOneAtATimeInOrder) {
  auto job = StartJob(2);
  auto first = http_->WaitForCall(1);
  ASSERT_TRUE(first);
  EXPECT_EQ(first->request.url, "http://cdn.invalid/f0");
  LetTicksRun();
  EXPECT_EQ(http_->calls(), 1u);
  first->callbacks.on_head(3, false);
  first->Deliver(content_, 3);
  first->Finish();
  auto second = http_->WaitForCall(2);
  ASSERT_TRUE(second);
  EXPECT_EQ(second->request.url, "http://cdn.invalid/f1");
  ASSERT_TRUE(WaitFor([&] { return job->progress.Load().files_transferred == 1; }));
  second->callbacks.on_head(0, false);
  second->Finish();
  ASSERT_TRUE(WaitState(*job, JobState::kTransferred));
  EXPECT_EQ(job->progress.Load().bytes_total, 3u);
}

std::string Sha256Of(const std::string& data) {
  testing::TempDir dir;
  testing::WriteFile(dir / "x", data);
  std::string digest, error;
  EXPECT_EQ(Sha256File(dir / "x", &digest, &error), hr::kOk) << error;
  return digest;
}

TEST_F(HttpJobs, MatchingSha256LetsTheFileThrough) {
  auto job = StartJob(1, 600, 3600, Sha256Of(content_));
  auto call = http_->WaitForCall(1);
  ASSERT_TRUE(call);
  call->callbacks.on_head(content_.size(), false);
  call->Deliver(content_, 10);
  call->Finish();
  ASSERT_TRUE(WaitState(*job, JobState::kTransferred));
  EXPECT_EQ(engine_->Complete(job->id), hr::kOk);
  EXPECT_EQ(testing::ReadFile(dir_ / "f0"), content_);
}

TEST_F(HttpJobs, Sha256MismatchFailsTheJobAndTheFileNeverAppears) {
  auto job = StartJob(1, 600, 3600, Sha256Of("something else"));
  auto call = http_->WaitForCall(1);
  ASSERT_TRUE(call);
  call->callbacks.on_head(content_.size(), false);
  call->Deliver(content_, 10);
  call->Finish();
  ASSERT_TRUE(WaitState(*job, JobState::kError));
  JobErrorInfo info;
  ASSERT_EQ(engine_->GetError(job->id, &info), hr::kOk);
  EXPECT_EQ(static_cast<std::uint32_t>(info.code), 0x80200053u);  // BG_E_VALIDATION_FAILED
  EXPECT_EQ(info.context, ErrorContext::kRemoteFile);
  EXPECT_EQ(info.file_index, 0);
  EXPECT_NE(info.message.find("SHA-256"), std::string::npos);
  EXPECT_EQ(job->progress.Load().bytes_transferred, 0u) << "the bytes no longer count";
  EXPECT_EQ(engine_->Complete(job->id), hr::kBgSPartialComplete);
  EXPECT_TRUE(testing::ListDir(dir_.path().string()).empty());
}

TEST_F(HttpJobs, MalformedSha256IsRefusedAtAddFile) {
  std::shared_ptr<const JobView> job;
  ASSERT_EQ(engine_->CreateJob("bad", &job), hr::kOk);
  FileSpec s{"http://cdn.invalid/x", dir_ / "x", ""};
  s.sha256 = "too short";
  EXPECT_EQ(engine_->AddFiles(job->id, {s}), hr::kInvalidArg);
}

}  // namespace
}  // namespace shoal::engine
