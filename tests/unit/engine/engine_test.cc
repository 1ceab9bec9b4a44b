// Engine job API without transfers: defaults, properties, lifecycle refusals, events.
#include "engine/engine.h"

#include <gtest/gtest.h>

#include <mutex>
#include <thread>

#include "engine/engine_impl.h"
#include "engine/metainfo.h"
#include "tests/support/fixtures.h"

namespace shoal::engine {
namespace {

class RecordingObserver : public JobObserver {
 public:
  void OnJobEvent(const Uuid&, JobEvent e) override {
    std::lock_guard lock(mu);
    events.push_back(e);
    thread_ids.push_back(std::this_thread::get_id());
  }
  std::mutex mu;
  std::vector<JobEvent> events;
  std::vector<std::thread::id> thread_ids;
};

std::unique_ptr<Engine> Start(EngineOptions o = {}, JobObserver* observer = nullptr) {
  o.listen_interface = "127.0.0.1:0";
  std::string error;
  auto e = Engine::Start(o, observer, &error);
  EXPECT_TRUE(e) << error;
  return e;
}

TEST(Engine, NewJobIsSuspendedWithBitsDefaults) {
  auto e = Start();
  std::shared_ptr<const JobView> job;
  ASSERT_EQ(e->CreateJob("name", &job), hr::kOk);
  EXPECT_EQ(job->state.load(), JobState::kSuspended);
  JobProperties p;
  ASSERT_EQ(e->GetProperties(job->id, &p), hr::kOk);
  EXPECT_EQ(p.display_name, "name");
  EXPECT_EQ(p.priority, Priority::kNormal);
  EXPECT_EQ(p.notify_flags, 0x3u);
  const JobProgress progress = job->progress.Load();
  EXPECT_EQ(progress.bytes_total, 0u);
  EXPECT_EQ(progress.files_total, 0u);
  const JobTimes t = job->times.Load();
  EXPECT_GT(t.creation_ns, 0);
  EXPECT_EQ(t.transfer_completion_ns, 0);
  EXPECT_EQ(e->FindJob(job->id), job);
}

TEST(Engine, FailedPropertyEditChangesNothing) {
  auto e = Start();
  std::shared_ptr<const JobView> job;
  ASSERT_EQ(e->CreateJob("a", &job), hr::kOk);
  EXPECT_EQ(e->SetProperties(job->id,
                             [](JobProperties& p) {
                               p.display_name = "changed";
                               return hr::kInvalidArg;
                             }),
            hr::kInvalidArg);
  JobProperties p;
  e->GetProperties(job->id, &p);
  EXPECT_EQ(p.display_name, "a");
}

TEST(Engine, CancelledJobRefusesMutatorsButAnswersGetters) {
  auto e = Start();
  std::shared_ptr<const JobView> job;
  ASSERT_EQ(e->CreateJob("a", &job), hr::kOk);
  EXPECT_EQ(e->Resume(job->id), hr::kBgEEmpty);
  EXPECT_EQ(e->Cancel(job->id), hr::kOk);
  EXPECT_EQ(job->state.load(), JobState::kCancelled);
  EXPECT_EQ(e->Cancel(job->id), hr::kBgEInvalidState);
  EXPECT_EQ(e->Complete(job->id), hr::kBgEInvalidState);
  EXPECT_EQ(e->Suspend(job->id), hr::kBgEInvalidState);
  EXPECT_EQ(e->AddFiles(job->id, {{"http://h/x", "/tmp/x", ""}}), hr::kBgEInvalidState);
  EXPECT_EQ(e->SetProperties(job->id, [](JobProperties&) { return hr::kOk; }),
            hr::kBgEInvalidState);
  JobProperties p;
  EXPECT_EQ(e->GetProperties(job->id, &p), hr::kOk);
  JobErrorInfo err;
  EXPECT_EQ(e->GetError(job->id, &err), hr::kBgEErrorInformationUnavailable);
  EXPECT_FALSE(e->FindJob(job->id));
  EXPECT_TRUE(e->ListJobs().empty());
}

TEST(Engine, UnknownJobIsNotFound) {
  auto e = Start();
  const Uuid nobody = Uuid::Random();
  EXPECT_EQ(e->Resume(nobody), hr::kBgENotFound);
  JobProperties p;
  EXPECT_EQ(e->GetProperties(nobody, &p), hr::kBgENotFound);
}

TEST(Engine, JobLimitIsEnforced) {
  EngineOptions o;
  o.max_jobs = 2;
  auto e = Start(o);
  std::shared_ptr<const JobView> a, b, c;
  EXPECT_EQ(e->CreateJob("a", &a), hr::kOk);
  EXPECT_EQ(e->CreateJob("b", &b), hr::kOk);
  EXPECT_EQ(e->CreateJob("c", &c), hr::kBgETooManyJobsPerUser);
  e->Cancel(a->id);  // final jobs no longer count
  EXPECT_EQ(e->CreateJob("c", &c), hr::kOk);
  EXPECT_EQ(e->ListJobs().size(), 2u);
}

TEST(Engine, AddedFilesHaveUnknownSizeUntilMetainfoArrives) {
  auto e = Start();
  std::shared_ptr<const JobView> job;
  ASSERT_EQ(e->CreateJob("a", &job), hr::kOk);
  ASSERT_EQ(e->AddFiles(job->id, {{"http://127.0.0.1:9/x", "/tmp/shoal-x", ""}}), hr::kOk);
  const JobProgress p = job->progress.Load();
  EXPECT_EQ(p.bytes_total, kSizeUnknown);
  EXPECT_EQ(p.files_total, 1u);
  std::vector<FileInfo> files;
  ASSERT_EQ(e->GetFiles(job->id, &files), hr::kOk);
  ASSERT_EQ(files.size(), 1u);
  EXPECT_EQ(files[0].local_path, "/tmp/shoal-x");
  EXPECT_NE(files[0].temp_path, files[0].local_path);
  EXPECT_EQ(e->AddFiles(job->id, {{"http://127.0.0.1:9/y", "/tmp/shoal-x", ""}}), hr::kInvalidArg)
      << "two files of one job may not share a destination";
}

TEST(Engine, MetainfoDescribingNoFileIsRefusedForSeedsAndJobs) {
  const std::string torrent = "d4:infod5:filesl2:p2e4:name5:multi12:piece lengthi8eee";
  auto e = Start();
  std::string error;
  EXPECT_EQ(e->AddSeed(torrent, "/tmp", &error), hr::kInvalidData);
  EXPECT_NE(error.find("no file"), std::string::npos) << error;
  std::shared_ptr<const JobView> job;
  ASSERT_EQ(e->CreateJob("a", &job), hr::kOk);
  EXPECT_EQ(e->AddFiles(job->id, {{"http://127.0.0.1:9/x", "/tmp/shoal-x", torrent}}),
            hr::kInvalidData);
}

// A seed AddSeed was given leaves the session by its folder (the cache node's eviction); the
// file stays; a folder never seeded is S_FALSE.
TEST(Engine, RemoveSeedStopsServingAFolder) {
  testing::TempDir dir;
  testing::WriteRandomFile(dir / "f.bin", 300000);
  MetainfoSpec spec;
  spec.path = dir / "f.bin";
  spec.web_seeds = {"http://127.0.0.1:9/f.bin"};
  spec.v2_only = true;
  std::string torrent, error;
  ASSERT_EQ(CreateMetainfo(spec, &torrent, &error), hr::kOk) << error;
  auto e = Start();
  ASSERT_EQ(e->AddSeed(torrent, dir.path(), &error), hr::kOk) << error;
  EXPECT_EQ(e->GetStats().torrents, 1u);
  EXPECT_EQ(e->RemoveSeed(dir.path()), hr::kOk);
  EXPECT_TRUE(testing::WaitFor([&] { return e->GetStats().torrents == 0; }));
  EXPECT_EQ(e->RemoveSeed(dir.path()), hr::kFalse);
  EXPECT_TRUE(std::filesystem::exists(dir / "f.bin"));
}

TEST(Engine, ObserverHearsChangesOnTheEngineThread) {
  RecordingObserver obs;
  auto e = Start({}, &obs);
  std::shared_ptr<const JobView> job;
  ASSERT_EQ(e->CreateJob("a", &job), hr::kOk);
  e->SetProperties(job->id, [](JobProperties& p) {
    p.description = "d";
    return hr::kOk;
  });
  e->Cancel(job->id);
  std::lock_guard lock(obs.mu);
  ASSERT_GE(obs.events.size(), 2u);
  for (JobEvent ev : obs.events) EXPECT_EQ(ev, JobEvent::kModification);
  for (auto id : obs.thread_ids) EXPECT_NE(id, std::this_thread::get_id());
}

TEST(Engine, BadPeerAddressFailsToStartWithAReason) {
  EngineOptions o;
  o.listen_interface = "127.0.0.1:0";
  o.peers = {"no-port-here"};
  std::string error;
  EXPECT_FALSE(Engine::Start(o, nullptr, &error));
  EXPECT_NE(error.find("no-port-here"), std::string::npos);
}

// The engine-thread rule is asserted: a mutator reached from another thread (here, on an
// engine whose thread never started) logs which one and aborts rather than race.
TEST(EngineDeathTest, MutatorOffTheEngineThreadAborts) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  Engine::Impl impl(EngineOptions{}, nullptr, SteadyClock());
  std::shared_ptr<const JobView> job;
  EXPECT_DEATH(impl.CreateJob("x", &job), "error: engine: CreateJob called off the engine thread");
}

}  // namespace
}  // namespace shoal::engine
