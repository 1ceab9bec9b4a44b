// DurableJobs on a real data directory: jobs written and rebuilt as they were, ACKNOWLEDGED
// ones removed, inactive and half-cancelled ones finished at load, lost temp files refetched.
#include "engine/durable_jobs.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "engine/job.h"
#include "engine/resume_book.h"
#include "tests/support/engine_fakes.h"
#include "tests/support/fixtures.h"

namespace shoal::engine {
namespace {

using testing::MakeJob;

class DurableJobsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    options_.data_dir = state_ / "state";
    std::string error;
    durable_ = DurableJobs::Open(options_, clock_, &error);
    ASSERT_TRUE(durable_) << error;
  }
  std::unique_ptr<Job> NewJob(JobState state, std::uint64_t size) {
    auto job = MakeJob(state, 2, size, files_.path().string());
    job->view->times.Store({clock_.WallNs(), clock_.WallNs(), 0});
    return job;
  }

  testing::TempDir state_, files_;
  EngineOptions options_;
  FakeClock clock_;
  std::unique_ptr<DurableJobs> durable_;
};

TEST_F(DurableJobsTest, ASecondOpenOfTheSameDirectoryIsRefused) {
  std::string error;
  EXPECT_FALSE(DurableJobs::Open(options_, clock_, &error));
  EXPECT_FALSE(error.empty());
}

TEST_F(DurableJobsTest, AJobIsRebuiltAsItWasStored) {
  auto job = NewJob(JobState::kTransferring, 100);
  job->props.display_name = "kept";
  job->files[1].http.plain = true;
  testing::WriteFile(job->files[1].temp_path(), std::string(40, 'x'));
  job->tracker.SetStreamedBytes(1, 40);
  job->files[1].sources.from_http = 40;
  durable_->Put(*job);
  std::vector<StoredJob> loaded = durable_->Load();
  ASSERT_EQ(loaded.size(), 1u);
  auto back = durable_->Rebuild(std::move(loaded[0]));
  EXPECT_EQ(back->view->id, job->view->id);
  EXPECT_EQ(back->state, JobState::kTransferring);
  EXPECT_EQ(back->props.display_name, "kept");
  ASSERT_EQ(back->files.size(), 2u);
  EXPECT_EQ(back->files[0].temp_name, job->files[0].temp_name);
  EXPECT_TRUE(back->files[1].http.plain);
  EXPECT_EQ(back->files[1].http.bytes, 40u);  // continues from its length on disk
  EXPECT_EQ(back->files[1].sources.from_http, 40u);
  EXPECT_EQ(back->tracker.File(1).bytes_transferred, 40u);
  EXPECT_FALSE(back->files[0].temp_created);  // never created on disk
  EXPECT_TRUE(back->files[1].temp_created);
}

TEST_F(DurableJobsTest, AcknowledgedJobsLeaveTheStore) {
  auto job = NewJob(JobState::kQueued, 100);
  durable_->Put(*job);
  job->state = JobState::kAcknowledged;
  durable_->Put(*job);
  EXPECT_TRUE(durable_->Load().empty());
}

TEST_F(DurableJobsTest, InactiveAndHalfCancelledJobsAreFinishedAtLoad) {
  options_.job_inactivity_timeout_s = 60;
  auto idle = NewJob(JobState::kSuspended, 100);
  testing::WriteFile(idle->files[0].temp_path(), "partial");
  durable_->Put(*idle);
  clock_.Advance(std::chrono::seconds(61));
  auto cancelled = NewJob(JobState::kCancelled, 100);
  cancelled->files[0].temp_name = ".c.shoal-tmp";
  testing::WriteFile(cancelled->files[0].temp_path(), "partial");
  durable_->Put(*cancelled);
  EXPECT_TRUE(durable_->Load().empty());
  EXPECT_FALSE(std::filesystem::exists(idle->files[0].temp_path()));
  EXPECT_FALSE(std::filesystem::exists(cancelled->files[0].temp_path()));
  EXPECT_NE(durable_->warnings().find("inactive too long"), std::string::npos);
  EXPECT_NE(durable_->warnings().find("Cancel a crash interrupted"), std::string::npos);
}

TEST_F(DurableJobsTest, ATransferredJobWithALostTempFileIsFetchedAgain) {
  auto job = NewJob(JobState::kTransferred, 4);
  for (int i = 0; i < 2; ++i) job->tracker.SetStreamedBytes(i, 4);
  testing::WriteFile(job->files[0].temp_path(), "1234");  // file 1's temp file is gone
  durable_->Put(*job);
  auto back = durable_->Rebuild(std::move(durable_->Load()[0]));
  EXPECT_EQ(back->state, JobState::kQueued);
}

TEST(InactiveTooLong, OnlyUnfinishedJobsPastTheTimeout) {
  EngineOptions o;
  o.job_inactivity_timeout_s = 10;
  const std::int64_t s = 1'000'000'000;
  EXPECT_FALSE(InactiveTooLong(o, JobState::kSuspended, 100 * s, 110 * s));
  EXPECT_TRUE(InactiveTooLong(o, JobState::kSuspended, 100 * s, 111 * s));
  EXPECT_FALSE(InactiveTooLong(o, JobState::kTransferred, 100 * s, 999 * s));
  EXPECT_FALSE(InactiveTooLong(o, JobState::kCancelled, 100 * s, 999 * s));
  o.job_inactivity_timeout_s = 0;
  EXPECT_FALSE(InactiveTooLong(o, JobState::kSuspended, 100 * s, 999 * s));
}

}  // namespace
}  // namespace shoal::engine
