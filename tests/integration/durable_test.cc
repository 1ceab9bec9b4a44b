// Durable jobs in process: a real engine with a data directory on loopback, stopped and
// started again. Jobs come back with their GUIDs, names, states and progress; a second engine
// on the same directory is refused; a deleted temp file is fetched again; a corrupt database
// is reported and set aside, and the temp files of the jobs it lost are deleted.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>

#include "engine/engine.h"
#include "engine/job_store.h"
#include "tests/support/fault_origin.h"
#include "tests/support/fixtures.h"

namespace shoal::testing {
namespace {

using engine::Engine;
using engine::JobState;
using engine::JobView;
constexpr std::size_t kMiB = 1 << 20;

class Durable : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string error;
    origin_ = FaultOrigin::Start(&error);
    ASSERT_TRUE(origin_) << error;
  }

  std::unique_ptr<Engine> Start(std::string* error = nullptr, std::uint32_t inactivity_s = 0) {
    engine::EngineOptions o;
    if (inactivity_s > 0) o.job_inactivity_timeout_s = inactivity_s;
    o.listen_interface = "127.0.0.1:0";
    o.data_dir = dir_ / "state";
    o.persist_interval_s = 1;
    std::string scratch;
    return Engine::Start(o, nullptr, error ? error : &scratch);
  }

  // A plain-HTTP job for `path` into out/`name`, resumed unless `suspended`.
  std::shared_ptr<const JobView> AddJob(Engine& e, const std::string& path,
                                        const std::string& name, bool suspended = false) {
    std::shared_ptr<const JobView> job;
    EXPECT_EQ(e.CreateJob(name, &job), hr::kOk);
    engine::FileSpec f;
    f.remote_url = origin_->Url(path);
    f.local_path = dir_ / name;
    f.http_only = true;
    EXPECT_EQ(e.AddFiles(job->id, {f}), hr::kOk);
    if (!suspended) {
      EXPECT_EQ(e.Resume(job->id), hr::kOk);
    }
    return job;
  }

  static bool Transferred(const JobView& j) { return j.state.load() == JobState::kTransferred; }

  TempDir dir_;
  std::unique_ptr<FaultOrigin> origin_;
};

TEST_F(Durable, JobsSurviveACleanRestartWithTheirIdsStatesAndProperties) {
  const std::string a = RandomBytes(kMiB, 1);
  const std::string b = RandomBytes(2 * kMiB + 5, 2);
  origin_->Put("/a.bin", a);
  origin_->Put("/b.bin", b);
  engine::Uuid suspended_id, done_id;
  {
    auto e = Start();
    ASSERT_TRUE(e);
    auto s = AddJob(*e, "/a.bin", "a.bin", /*suspended=*/true);
    suspended_id = s->id;
    ASSERT_EQ(e->SetProperties(s->id, [](engine::JobProperties& p) {
      p.description = "kept across restarts";
      p.priority = engine::Priority::kLow;
      p.minimum_retry_delay_s = 77;
      return hr::kOk;
    }), hr::kOk);
    auto d = AddJob(*e, "/b.bin", "b.bin");
    done_id = d->id;
    ASSERT_TRUE(WaitFor([&] { return Transferred(*d); }));
  }
  auto e = Start();
  ASSERT_TRUE(e);
  EXPECT_EQ(e->StartupWarnings(), "");
  const auto jobs = e->ListJobs();
  ASSERT_EQ(jobs.size(), 2u);
  EXPECT_EQ(jobs[0]->id, suspended_id);  // creation order kept
  EXPECT_EQ(jobs[1]->id, done_id);
  EXPECT_EQ(jobs[0]->state.load(), JobState::kSuspended);
  EXPECT_EQ(jobs[1]->state.load(), JobState::kTransferred);
  EXPECT_EQ(jobs[1]->progress.Load().bytes_transferred, b.size());
  EXPECT_EQ(jobs[1]->sources.Load().from_http, b.size());
  engine::JobProperties p;
  ASSERT_EQ(e->GetProperties(suspended_id, &p), hr::kOk);
  EXPECT_EQ(p.display_name, "a.bin");
  EXPECT_EQ(p.description, "kept across restarts");
  EXPECT_EQ(p.priority, engine::Priority::kLow);
  EXPECT_EQ(p.minimum_retry_delay_s, 77u);
  EXPECT_EQ(origin_->Requests("/a.bin"), 0) << "a SUSPENDED job stays suspended";
  EXPECT_EQ(origin_->Requests("/b.bin"), 1) << "a TRANSFERRED job is not fetched again";
  ASSERT_EQ(e->Complete(done_id), hr::kOk);
  EXPECT_EQ(ReadFile(dir_ / "b.bin"), b);
  e.reset();
  e = Start();
  ASSERT_TRUE(e);
  ASSERT_EQ(e->ListJobs().size(), 1u) << "an ACKNOWLEDGED job leaves the store";
  ASSERT_EQ(e->Resume(suspended_id), hr::kOk);
  auto job = e->FindJob(suspended_id);
  ASSERT_TRUE(WaitFor([&] { return Transferred(*job); }));
  ASSERT_EQ(e->Complete(suspended_id), hr::kOk);
  EXPECT_EQ(ReadFile(dir_ / "a.bin"), a);
}

TEST_F(Durable, UnfinishedTransferContinuesByRangeAfterRestart) {
  const std::string data = RandomBytes(4 * kMiB, 3);
  Fault drip;
  drip.drip_bytes = 16 << 10;
  drip.drip_delay = std::chrono::milliseconds(10);
  origin_->Put("/slow.bin", data, {}, drip);
  engine::Uuid id;
  std::uint64_t at_stop = 0;
  {
    auto e = Start();
    ASSERT_TRUE(e);
    auto job = AddJob(*e, "/slow.bin", "slow.bin");
    id = job->id;
    ASSERT_TRUE(WaitFor([&] { return job->progress.Load().bytes_transferred >= kMiB; }));
    at_stop = job->progress.Load().bytes_transferred;
  }
  bool temp_kept = false;
  for (const auto& name : ListDir(dir_.path().string())) {
    temp_kept = temp_kept || name.find(".shoal-tmp") != std::string::npos;
  }
  EXPECT_TRUE(temp_kept) << "with a data directory, shutdown keeps unfinished temp files";
  origin_->Put("/slow.bin", data);
  auto e = Start();
  ASSERT_TRUE(e);
  auto job = e->FindJob(id);
  ASSERT_TRUE(job);
  EXPECT_GE(job->progress.Load().bytes_transferred, at_stop) << "progress as stored";
  ASSERT_TRUE(WaitFor([&] { return Transferred(*job); })) << "resumes by itself";
  const auto ranges = origin_->Ranges("/slow.bin");  // since the Put above
  ASSERT_EQ(ranges.size(), 1u);
  ASSERT_EQ(ranges[0].rfind("bytes=", 0), 0u) << "continued, not started over";
  const std::uint64_t from = std::stoull(ranges[0].substr(6));
  EXPECT_GE(from, at_stop) << ranges[0];
  ASSERT_EQ(e->Complete(id), hr::kOk);
  EXPECT_EQ(ReadFile(dir_ / "slow.bin"), data);
}

TEST_F(Durable, SecondEngineOnTheSameDataDirIsRefused) {
  auto first = Start();
  ASSERT_TRUE(first);
  std::string error;
  EXPECT_FALSE(Start(&error));
  EXPECT_NE(error.find("in use by another shoal engine"), std::string::npos) << error;
  first.reset();
  EXPECT_TRUE(Start(&error)) << error;
}

TEST_F(Durable, TempFileDeletedBehindOurBackIsFetchedAgainNotReportedComplete) {
  const std::string data = RandomBytes(kMiB + 3, 4);
  origin_->Put("/gone.bin", data);
  engine::Uuid id;
  std::vector<engine::FileInfo> files;
  {
    auto e = Start();
    auto job = AddJob(*e, "/gone.bin", "gone.bin");
    id = job->id;
    ASSERT_TRUE(WaitFor([&] { return Transferred(*job); }));
    ASSERT_EQ(e->GetFiles(id, &files), hr::kOk);
  }
  ASSERT_EQ(::unlink(files[0].temp_path.c_str()), 0);
  Fault drip;  // slow enough that the state is seen before the file is whole again
  drip.drip_bytes = 16 << 10;
  drip.drip_delay = std::chrono::milliseconds(20);
  origin_->Put("/gone.bin", data, {}, drip);
  auto e = Start();
  auto job = e->FindJob(id);
  ASSERT_TRUE(job);
  EXPECT_NE(job->state.load(), JobState::kTransferred);
  ASSERT_TRUE(WaitFor([&] { return Transferred(*job); }));
  EXPECT_EQ(origin_->Requests("/gone.bin"), 2);
  EXPECT_EQ(origin_->Ranges("/gone.bin"), std::vector<std::string>{""}) << "from the start";
  ASSERT_EQ(e->Complete(id), hr::kOk);
  EXPECT_EQ(ReadFile(dir_ / "gone.bin"), data);
}

TEST_F(Durable, CorruptDatabaseIsReportedAndSetAsideAndTheEngineStarts) {
  std::filesystem::create_directories(dir_ / "state");
  WriteFile(dir_ / "state/jobs.db", RandomBytes(16384, 9));
  auto e = Start();
  ASSERT_TRUE(e);
  EXPECT_NE(e->StartupWarnings().find("is corrupt"), std::string::npos) << e->StartupWarnings();
  EXPECT_TRUE(e->ListJobs().empty());
  origin_->Put("/new.bin", RandomBytes(1000, 5));
  auto job = AddJob(*e, "/new.bin", "new.bin");
  ASSERT_TRUE(WaitFor([&] { return Transferred(*job); }));
  e.reset();
  e = Start();
  EXPECT_EQ(e->StartupWarnings(), "");
  EXPECT_EQ(e->ListJobs().size(), 1u);
}

// Decision 0020: the temp files a durable engine made are listed beside jobs.db, so the ones
// whose rows a corrupt database lost are deleted at the next start; a path the list names
// that is now a symlink is left alone, and so is its target.
TEST_F(Durable, TempFilesOfJobsACorruptDatabaseLostAreDeletedAtStart) {
  const std::string data = RandomBytes(2 * kMiB, 12);
  Fault drip;  // still transferring when the engine stops
  drip.drip_bytes = 4 << 10;
  drip.drip_delay = std::chrono::milliseconds(20);
  origin_->Put("/a.bin", data, {}, drip);
  origin_->Put("/b.bin", data, {}, drip);
  const std::string victim = dir_ / "victim.txt";
  WriteFile(victim, "not shoal's");
  auto temps = [&] {
    std::vector<std::string> out;
    for (const auto& name : ListDir(dir_.path().string())) {
      if (name.find(".shoal-tmp") != std::string::npos) out.push_back(name);
    }
    return out;
  };
  {
    auto e = Start();
    ASSERT_TRUE(e);
    auto a = AddJob(*e, "/a.bin", "a.bin");
    auto b = AddJob(*e, "/b.bin", "b.bin");
    ASSERT_TRUE(WaitFor([&] {
      return a->progress.Load().bytes_transferred > 0 && b->progress.Load().bytes_transferred > 0;
    }));
  }
  std::vector<std::string> before = temps();
  ASSERT_EQ(before.size(), 2u);
  std::sort(before.begin(), before.end());  // .a.bin.… before .b.bin.…
  // One listed temp file becomes a symlink to a file that is not shoal's.
  std::filesystem::remove(dir_ / before[0]);
  std::filesystem::create_symlink(victim, dir_ / before[0]);
  for (const char* f : {"state/jobs.db-wal", "state/jobs.db-shm"})
    std::filesystem::remove(dir_ / f);
  WriteFile(dir_ / "state/jobs.db", RandomBytes(16384, 9));

  auto e = Start();
  ASSERT_TRUE(e);
  const std::string warnings = e->StartupWarnings();
  EXPECT_NE(warnings.find("is corrupt"), std::string::npos) << warnings;
  EXPECT_NE(warnings.find("deleted 1 temp file(s) no stored job claims: " + (dir_ / before[1])),
            std::string::npos)
      << warnings;
  EXPECT_FALSE(std::filesystem::exists(dir_ / before[1]));
  EXPECT_TRUE(std::filesystem::is_symlink(dir_ / before[0]));
  EXPECT_EQ(ReadFile(victim), "not shoal's");
  // The list now names no file; the next start has nothing to say.
  std::filesystem::remove(dir_ / before[0]);
  e.reset();
  e = Start();
  ASSERT_TRUE(e);
  EXPECT_EQ(e->StartupWarnings(), "");
}

TEST_F(Durable, JobInactiveForThirtyDaysWhileStoppedIsCancelledWithItsTempFile) {
  std::string warnings, error;
  const std::int64_t now = std::chrono::duration_cast<std::chrono::nanoseconds>(
      std::chrono::system_clock::now().time_since_epoch()).count();
  engine::StoredJob old_job, fresh_job;
  {
    std::filesystem::create_directories(dir_ / "state");
    auto store = engine::OpenSqliteJobStore(dir_ / "state", &warnings, &error);
    ASSERT_TRUE(store) << error;
    for (auto* j : {&old_job, &fresh_job}) {
      j->id = engine::Uuid::Random();
      j->state = JobState::kSuspended;
      engine::StoredFile f;
      f.spec.remote_url = origin_->Url("/x.bin");
      f.spec.local_path = dir_ / (j == &old_job ? "old.bin" : "fresh.bin");
      f.spec.http_only = f.http = true;
      f.temp_name = j == &old_job ? ".old.tmp" : ".fresh.tmp";
      WriteFile(dir_ / f.temp_name, "partial");
      j->files.push_back(f);
    }
    const std::int64_t day = std::int64_t{86400} * 1'000'000'000;
    old_job.times = {now - 40 * day, now - 31 * day, 0};
    fresh_job.times = {now - 40 * day, now - 29 * day, 0};
    ASSERT_TRUE(store->Put(old_job, &error)) << error;
    ASSERT_TRUE(store->Put(fresh_job, &error)) << error;
  }
  auto e = Start();  // the default limit: 30 days
  ASSERT_TRUE(e);
  const auto jobs = e->ListJobs();
  ASSERT_EQ(jobs.size(), 1u);
  EXPECT_EQ(jobs[0]->id, fresh_job.id);
  EXPECT_NE(e->StartupWarnings().find("inactive"), std::string::npos);
  EXPECT_FALSE(std::filesystem::exists(dir_ / ".old.tmp"));
  EXPECT_TRUE(std::filesystem::exists(dir_ / ".fresh.tmp"));
  EXPECT_EQ(jobs[0]->progress.Load().bytes_transferred, 7u) << "the bytes on disk";
}

TEST_F(Durable, TransientErrorRetriesByItselfAfterRestartAndErrorStaysWithItsError) {
  const std::string data = RandomBytes(5000, 8);
  origin_->Put("/t.bin", data);
  std::string warnings, error;
  engine::StoredJob transient, failed;
  {
    std::filesystem::create_directories(dir_ / "state");
    auto store = engine::OpenSqliteJobStore(dir_ / "state", &warnings, &error);
    ASSERT_TRUE(store) << error;
    for (auto* j : {&transient, &failed}) {
      j->id = engine::Uuid::Random();
      const bool t = j == &transient;
      j->state = t ? JobState::kTransientError : JobState::kError;
      j->error_count = 2;
      j->error = engine::JobErrorInfo{hr::HResult(t ? 0x80072EFD : 0x80190194),
                                      engine::ErrorContext::kRemoteFile, 0, "earlier", "http"};
      engine::StoredFile f;
      f.spec.remote_url = origin_->Url("/t.bin");
      f.spec.local_path = dir_ / (t ? "t.bin" : "e.bin");
      f.spec.http_only = f.http = true;
      f.temp_name = t ? ".t.tmp" : ".e.tmp";
      j->files.push_back(f);
      j->times.modification_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
          std::chrono::system_clock::now().time_since_epoch()).count();
      ASSERT_TRUE(store->Put(*j, &error)) << error;
    }
  }
  auto e = Start();
  ASSERT_TRUE(e);
  auto t = e->FindJob(transient.id);
  ASSERT_TRUE(t);
  ASSERT_TRUE(WaitFor([&] { return Transferred(*t); }));
  EXPECT_EQ(t->error_count.load(), 2u);
  auto f = e->FindJob(failed.id);
  ASSERT_TRUE(f);
  EXPECT_EQ(f->state.load(), JobState::kError);
  engine::JobErrorInfo info;
  ASSERT_EQ(e->GetError(failed.id, &info), hr::kOk);
  EXPECT_EQ(info.code, hr::HResult(0x80190194));
  EXPECT_EQ(info.message, "earlier");
  EXPECT_EQ(origin_->Requests("/t.bin"), 1) << "the ERROR job was not retried";
  ASSERT_EQ(e->Complete(transient.id), hr::kOk);
  EXPECT_EQ(ReadFile(dir_ / "t.bin"), data);
}

TEST_F(Durable, NoProgressTimeoutCountsAcrossRestarts) {
  auto wall_ns = [] {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  };
  Fault down;
  down.status = 503;
  origin_->Put("/down.bin", "", {}, down);
  const std::int64_t before = wall_ns();
  engine::Uuid id;
  {
    auto e = Start();
    ASSERT_TRUE(e);
    auto job = AddJob(*e, "/down.bin", "down.bin", /*suspended=*/true);
    id = job->id;
    ASSERT_EQ(e->SetProperties(id, [](engine::JobProperties& p) {
      p.no_progress_timeout_s = 60;
      p.minimum_retry_delay_s = 60;
      return hr::kOk;
    }), hr::kOk);
    ASSERT_EQ(e->Resume(id), hr::kOk);
    ASSERT_TRUE(WaitFor([&] { return job->state.load() == JobState::kTransientError; }));
  }
  std::string warnings, error;
  std::int64_t stalled = 0;
  {
    auto store = engine::OpenSqliteJobStore(dir_ / "state", &warnings, &error);
    ASSERT_TRUE(store) << error;
    auto jobs = store->LoadAll(&warnings);
    ASSERT_EQ(jobs.size(), 1u);
    stalled = jobs[0].stalled_since_ns;
    EXPECT_GE(stalled, before);
    EXPECT_LE(stalled, wall_ns());
    // As if the engine had been down for two minutes: the 60 s window is spent.
    jobs[0].stalled_since_ns = stalled - 120'000'000'000;
    ASSERT_TRUE(store->Put(jobs[0], &error)) << error;
  }
  const int requests = origin_->Requests("/down.bin");
  auto e = Start();
  ASSERT_TRUE(e);
  auto job = e->FindJob(id);
  ASSERT_TRUE(job);
  ASSERT_TRUE(WaitFor([&] { return job->state.load() == JobState::kError; }))
      << "a window that ran out while no engine ran ends the job, as BITS would";
  EXPECT_EQ(origin_->Requests("/down.bin"), requests) << "not retried";
  engine::JobErrorInfo info;
  ASSERT_EQ(e->GetError(id, &info), hr::kOk);
  EXPECT_EQ(info.code, hr::HResult(0x801901F7));  // the 503 that started the window
}

TEST_F(Durable, RunningEngineCancelsAJobInactiveForItsLimit) {
  origin_->Put("/idle.bin", RandomBytes(1000, 6));
  auto e = Start(nullptr, /*inactivity_s=*/1);
  ASSERT_TRUE(e);
  auto job = AddJob(*e, "/idle.bin", "idle.bin", /*suspended=*/true);
  ASSERT_TRUE(WaitFor([&] { return e->FindJob(job->id) == nullptr; }));
  EXPECT_EQ(job->state.load(), JobState::kCancelled);
  e.reset();
  e = Start();
  EXPECT_TRUE(e->ListJobs().empty()) << "and it left the store";
}

}  // namespace
}  // namespace shoal::testing
