// Rate caps: class limits shared by active jobs and unfinished files, foreground precedence,
// the peers/CDN split.
#include "engine/bandwidth.h"

#include <gtest/gtest.h>

#include "tests/support/engine_fakes.h"

namespace shoal::engine {
namespace {

using testing::FakeSwarm;
using testing::MakeJob;

TEST(Bandwidth, NoLimitIsZero) {
  std::vector<std::unique_ptr<Job>> jobs;
  jobs.push_back(MakeJob(JobState::kTransferring, 1, 100));
  EXPECT_EQ(RateFor(*jobs[0], jobs, EngineOptions()), 0u);
}

TEST(Bandwidth, ClassLimitIsSharedByActiveJobsAndUnfinishedFiles) {
  EngineOptions o;
  o.max_background_download_kbps = 800;
  std::vector<std::unique_ptr<Job>> jobs;
  jobs.push_back(MakeJob(JobState::kTransferring, 2, 100));
  jobs.push_back(MakeJob(JobState::kQueued, 1, 100));
  jobs.push_back(MakeJob(JobState::kSuspended, 1, 100));  // not active: no share
  EXPECT_EQ(RateFor(*jobs[0], jobs, o), 800u * 1024 / 2 / 2);
  EXPECT_EQ(RateFor(*jobs[1], jobs, o), 800u * 1024 / 2);
  // A finished file takes no share.
  jobs[0]->tracker.SetStreamedBytes(0, 100);
  EXPECT_EQ(RateFor(*jobs[0], jobs, o), 800u * 1024 / 2);
}

TEST(Bandwidth, ForegroundJobsHoldOthersToATrickle) {
  std::vector<std::unique_ptr<Job>> jobs;
  jobs.push_back(MakeJob(JobState::kTransferring, 1, 100));
  jobs.push_back(MakeJob(JobState::kTransferring, 1, 100));
  jobs[1]->props.priority = Priority::kForeground;
  EngineOptions o;
  EXPECT_EQ(RateFor(*jobs[0], jobs, o), kBackgroundYieldBytesS);
  EXPECT_EQ(RateFor(*jobs[1], jobs, o), 0u);
  o.max_background_download_kbps = 8;  // below the trickle: the limit stays
  EXPECT_EQ(RateFor(*jobs[0], jobs, o), 8u * 1024);
}

TEST(Bandwidth, NeverBelowOneKibPerSecond) {
  EngineOptions o;
  o.max_background_download_kbps = 1;
  std::vector<std::unique_ptr<Job>> jobs;
  jobs.push_back(MakeJob(JobState::kTransferring, 4, 100));
  EXPECT_EQ(RateFor(*jobs[0], jobs, o), 1024u);
}

TEST(Bandwidth, PeersGetHalfWhileTheCdnMayServe) {
  FakeSwarm swarm;
  auto job = MakeJob(JobState::kTransferring, 2, 100);
  job->files[0].torrent = 3;
  ApplyRates(*job, 10000, swarm);
  EXPECT_EQ(swarm.torrents[3].download_limit, 10000);
  EXPECT_EQ(swarm.torrents.count(-1), 0u);  // a file without a torrent is left alone
  job->cdn.unavailable = true;
  ApplyRates(*job, 10000, swarm);
  EXPECT_EQ(swarm.torrents[3].download_limit, 5000);
  ApplyRates(*job, 0, swarm);
  EXPECT_EQ(swarm.torrents[3].download_limit, 0);
}

}  // namespace
}  // namespace shoal::engine
