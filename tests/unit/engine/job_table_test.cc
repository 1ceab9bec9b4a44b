// JobTable: one owner of jobs, by id, in creation order, and of which job file owns a torrent.
#include "engine/job_table.h"

#include <gtest/gtest.h>

#include "tests/support/engine_fakes.h"

namespace shoal::engine {
namespace {

using testing::MakeJob;

TEST(JobTable, FindsJobsByIdAndCountsOnlyLiveOnes) {
  JobTable table;
  Job& a = table.Add(MakeJob(JobState::kQueued, 1, 10));
  Job& b = table.Add(MakeJob(JobState::kAcknowledged, 1, 10));
  Job& c = table.Add(MakeJob(JobState::kSuspended, 1, 10));
  EXPECT_EQ(table.Find(a.view->id), &a);
  EXPECT_EQ(table.Find(b.view->id), &b);
  EXPECT_EQ(table.Find(Uuid::Random()), nullptr);
  EXPECT_EQ(table.LiveCount(), 2u);
  std::vector<Job*> live;
  table.ForEachLive([&](Job& j) { live.push_back(&j); });
  EXPECT_EQ(live, (std::vector<Job*>{&a, &c}));  // creation order, final jobs skipped
  ASSERT_EQ(table.all().size(), 3u);
  EXPECT_EQ(table.all()[1].get(), &b);
}

TEST(JobTable, NewIdIsNotTaken) {
  JobTable table;
  for (int i = 0; i < 100; ++i) {
    auto job = MakeJob(JobState::kQueued, 0, 0);
    job->view = std::make_shared<JobView>(table.NewId());
    EXPECT_EQ(table.Find(job->view->id), nullptr);
    table.Add(std::move(job));
  }
  EXPECT_EQ(table.LiveCount(), 100u);
}

TEST(JobTable, TracksTorrentOwners) {
  JobTable table;
  Job& a = table.Add(MakeJob(JobState::kQueued, 2, 10));
  table.Own(7, a, 1);
  const JobTable::Owner* owner = table.OwnerOf(7);
  ASSERT_NE(owner, nullptr);
  EXPECT_EQ(owner->job, &a);
  EXPECT_EQ(owner->file, 1);
  EXPECT_EQ(table.OwnerOf(8), nullptr);
  table.Disown(7);
  EXPECT_EQ(table.OwnerOf(7), nullptr);
}

}  // namespace
}  // namespace shoal::engine
