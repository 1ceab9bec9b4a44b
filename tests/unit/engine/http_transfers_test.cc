// HttpTransfers over the scripted HttpSource and a recording job logic: requests carry the
// resume offset and rate, reports become progress and HTTP bytes, outcomes go to the BITS
// rules, and reports of a stopped transfer are dropped.
#include "engine/http_transfers.h"

#include <fcntl.h>
#include <gtest/gtest.h>

#include "tests/support/engine_fakes.h"
#include "tests/support/fake_http_source.h"
#include "tests/support/fixtures.h"

namespace shoal::engine {
namespace {

using testing::FakeHttpSource;
using testing::FakeJobControl;
using testing::MakeJob;

class HttpTransfersTest : public ::testing::Test {
 protected:
  Job& NewJob(std::uint64_t size = kSizeUnknown) {
    Job& job = control_.AddJob(MakeJob(JobState::kQueued, 2, size, dir_.path().string()));
    for (JobFile& f : job.files) f.http.plain = true;
    return job;
  }
  int OpenTemp(const Job& job, int index) {
    return ::open(job.files[index].temp_path().c_str(), O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
  }

  testing::TempDir dir_;
  FakeHttpSource source_;
  FakeJobControl control_;
  HttpTransfers http_{source_, control_};
};

TEST_F(HttpTransfersTest, ReportsBecomeProgressAndHttpBytes) {
  Job& job = NewJob();
  control_.rate = 4096;
  http_.Start(job, 0, OpenTemp(job, 0));
  EXPECT_TRUE(HttpTransfers::Busy(job));
  auto call = source_.WaitForCall(1);
  ASSERT_TRUE(call);
  EXPECT_EQ(call->request.url, job.files[0].spec.remote_url);
  EXPECT_EQ(call->request.offset, 0u);
  EXPECT_EQ(call->request.max_bytes_s, 4096u);
  call->callbacks.on_head(1000, false);
  call->Deliver(std::string(1000, 'a'), 600);
  control_.RunPosted();
  EXPECT_EQ(job.tracker.FileSize(0), 1000u);
  EXPECT_EQ(job.tracker.File(0).bytes_transferred, 600u);
  EXPECT_EQ(job.files[0].sources.from_http, 600u);
  EXPECT_EQ(control_.new_bytes_reports, 1);
  call->Deliver(std::string(1000, 'a'), 1000);
  call->Finish();
  control_.RunPosted();
  EXPECT_EQ(job.files[0].sources.from_http, 1000u);
  EXPECT_TRUE(job.tracker.FileDone(0));
  EXPECT_FALSE(HttpTransfers::Busy(job));
  EXPECT_EQ(control_.scheduled, 1);  // the next file, or TRANSFERRED
}

TEST_F(HttpTransfersTest, ResumesAfterTheBytesCounted) {
  Job& job = NewJob(1000);
  testing::WriteFile(job.files[0].temp_path(), std::string(400, 'a'));
  job.files[0].http.bytes = 400;
  http_.Start(job, 0, OpenTemp(job, 0));
  auto call = source_.WaitForCall(1);
  ASSERT_TRUE(call);
  EXPECT_EQ(call->request.offset, 400u);
  EXPECT_EQ(call->request.expected_size, 1000u);
}

TEST_F(HttpTransfersTest, ATempFileShorterThanCountedStartsOver) {
  Job& job = NewJob(1000);
  testing::WriteFile(job.files[0].temp_path(), std::string(100, 'a'));
  job.files[0].http.bytes = 400;
  job.tracker.SetStreamedBytes(0, 400);
  http_.Start(job, 0, OpenTemp(job, 0));
  auto call = source_.WaitForCall(1);
  ASSERT_TRUE(call);
  EXPECT_EQ(call->request.offset, 0u);
  EXPECT_EQ(job.tracker.File(0).bytes_transferred, 0u);
}

TEST_F(HttpTransfersTest, RefetchedBytesAreNotNewProgress) {
  Job& job = NewJob();
  http_.Start(job, 0, OpenTemp(job, 0));
  auto call = source_.WaitForCall(1);
  call->callbacks.on_head(1000, false);
  call->Deliver(std::string(1000, 'a'), 500);
  control_.RunPosted();
  call->callbacks.on_head(1000, true);  // the server ignored Range: from 0 again
  call->Deliver(std::string(1000, 'a'), 300);
  call->Finish(hr::HttpError(503), /*transient=*/true, 503);  // carries the final count
  control_.RunPosted();
  EXPECT_EQ(job.tracker.File(0).bytes_transferred, 300u);
  EXPECT_EQ(control_.new_bytes_reports, 1);  // only the first 500 were new
}

TEST_F(HttpTransfersTest, FailuresFollowTheOutcome) {
  Job& job = NewJob();
  http_.Start(job, 0, OpenTemp(job, 0));
  source_.WaitForCall(1)->Finish(hr::HttpError(503), /*transient=*/true, 503);
  control_.RunPosted();
  ASSERT_EQ(control_.failures.size(), 1u);
  EXPECT_TRUE(control_.failures[0].transient);
  job.state = JobState::kQueued;
  http_.Start(job, 1, OpenTemp(job, 1));
  source_.WaitForCall(2)->Finish(hr::HttpError(404), /*transient=*/false, 404);
  control_.RunPosted();
  ASSERT_EQ(control_.failures.size(), 2u);
  EXPECT_FALSE(control_.failures[1].transient);
  EXPECT_EQ(control_.failures[1].code, hr::HttpError(404));
  EXPECT_EQ(control_.failures[1].file, 1);
}

TEST_F(HttpTransfersTest, ReportsOfAStoppedTransferAreDropped) {
  Job& job = NewJob();
  http_.Start(job, 0, OpenTemp(job, 0));
  auto call = source_.WaitForCall(1);
  http_.Stop(job);
  EXPECT_TRUE(call->cancelled);
  call->Deliver(std::string(100, 'a'), 100);
  call->Finish();
  control_.RunPosted();
  EXPECT_EQ(job.tracker.File(0).bytes_transferred, 0u);
  EXPECT_EQ(job.files[0].sources.from_http, 0u);
  EXPECT_EQ(control_.scheduled, 0);
}

}  // namespace
}  // namespace shoal::engine
