// Cases ported in spirit from the Linux DO client's suite (spec do-settings §1.7), run against
// the fault-injecting origin: a scheme-changing redirect, two jobs to one destination, cancel
// mid-download, concurrent jobs with some cancelled, a temp file deleted while suspended.
#include "tests/integration/http_fixture.h"

namespace shoal::testing {
namespace {

Fault Drip() {
  Fault f;
  f.drip_bytes = 16 << 10;
  f.drip_delay = std::chrono::milliseconds(10);
  return f;
}

TEST_F(HttpSource, RedirectToAnotherSchemeIsFatal) {
  origin_->Redirect("/ftp.bin", "ftp://127.0.0.1/ftp.bin");
  auto job = StartJob("/ftp.bin", "ftp.bin");
  ExpectError(*job, JobState::kError, hr::kHttpRedirectFailed, ErrorContext::kRemoteFile, 1);
  ExpectAbsent(*job, "ftp.bin");
}

// The rule: each job downloads into its own temp file; Complete renames it into place
// atomically, so the last Complete wins, and cancelling one job never touches another's file.
TEST_F(HttpSource, TwoJobsToOneDestinationLastCompleteWins) {
  const std::string a = RandomBytes(300 << 10, 1), b = RandomBytes(200 << 10, 2);
  origin_->Put("/a.bin", a);
  origin_->Put("/b.bin", b);
  auto first = StartJob("/a.bin", "same.bin");
  auto second = StartJob("/b.bin", "same.bin");
  ASSERT_EQ(Settle(*first), JobState::kTransferred);
  ASSERT_EQ(Settle(*second), JobState::kTransferred);
  EXPECT_EQ(engine_->Cancel(second->id), hr::kOk);
  EXPECT_FALSE(fs::exists(work_ / "same.bin"));
  ASSERT_EQ(engine_->Complete(first->id), hr::kOk);
  EXPECT_TRUE(ReadFile(work_ / "same.bin") == a);
  auto third = StartJob("/b.bin", "same.bin");
  ASSERT_EQ(Settle(*third), JobState::kTransferred);
  ASSERT_EQ(engine_->Complete(third->id), hr::kOk);
  EXPECT_TRUE(ReadFile(work_ / "same.bin") == b);
  EXPECT_EQ(ListDir(work_.path().string()), std::vector<std::string>{"same.bin"});
}

TEST_F(HttpSource, CancelMidDownloadLeavesNothingBehind) {
  origin_->Put("/slow.bin", RandomBytes(kMiB), {}, Drip());
  auto job = StartJob("/slow.bin", "slow.bin");
  ASSERT_TRUE(WaitFor([&] { return job->progress.Load().bytes_transferred > 0; }));
  EXPECT_EQ(engine_->Cancel(job->id), hr::kOk);
  EXPECT_TRUE(ListDir(work_.path().string()).empty());
  // The worker may still be writing for a moment: into the unlinked file, never a new one.
  EXPECT_FALSE(WaitFor([&] { return !ListDir(work_.path().string()).empty(); },
                       std::chrono::milliseconds(300)));
}

TEST_F(HttpSource, ConcurrentJobsWithSomeCancelled) {
  std::vector<std::string> data;
  std::vector<std::shared_ptr<const engine::JobView>> jobs;
  for (int i = 0; i < 4; ++i) {
    data.push_back(RandomBytes(512 << 10, 10 + i));
    const std::string name = "c" + std::to_string(i) + ".bin";
    origin_->Put("/" + name, data.back(), {}, Drip());
    jobs.push_back(StartJob("/" + name, name));
  }
  for (int i : {1, 3}) {
    ASSERT_TRUE(WaitFor([&] { return jobs[i]->progress.Load().bytes_transferred > 0; }));
    EXPECT_EQ(engine_->Cancel(jobs[i]->id), hr::kOk);
  }
  for (int i : {0, 2}) {
    ASSERT_EQ(Settle(*jobs[i]), JobState::kTransferred);
    ASSERT_EQ(engine_->Complete(jobs[i]->id), hr::kOk);
    EXPECT_TRUE(ReadFile(work_ / ("c" + std::to_string(i) + ".bin")) == data[i]);
  }
  EXPECT_EQ(ListDir(work_.path().string()), (std::vector<std::string>{"c0.bin", "c2.bin"}));
}

// DoSvc pauses such a job with 0x80070002; shoal, which counts only bytes it can see on disk,
// starts the file over.
TEST_F(HttpSource, TempFileDeletedWhileSuspendedRestartsFromZero) {
  const std::string data = RandomBytes(kMiB);
  origin_->Put("/gone.bin", data, {}, Drip());
  auto job = StartJob("/gone.bin", "gone.bin");
  ASSERT_TRUE(WaitFor([&] { return job->progress.Load().bytes_transferred >= 64 << 10; }));
  ASSERT_EQ(engine_->Suspend(job->id), hr::kOk);
  std::vector<engine::FileInfo> files;
  ASSERT_EQ(engine_->GetFiles(job->id, &files), hr::kOk);
  ASSERT_TRUE(fs::remove(files[0].temp_path));
  ASSERT_EQ(engine_->Resume(job->id), hr::kOk);
  ASSERT_EQ(Settle(*job), JobState::kTransferred);
  const auto ranges = origin_->Ranges("/gone.bin");
  ASSERT_EQ(ranges.size(), 2u);
  EXPECT_EQ(ranges[1], "") << "nothing left to resume from";
  ExpectFile(*job, "gone.bin", data);
}

}  // namespace
}  // namespace shoal::testing
