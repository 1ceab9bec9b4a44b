// A real engine process (tests/support/engine_child.cc) killed with SIGKILL at the crash points
// of Complete and of a state change (SHOAL_CRASH_AT, engine/crash_point.h), then an engine
// started again in this process on the same data directory. Checked: the same job, each final
// file either absent or whole and byte-exact (never partial), a stored Complete rolled forward
// (files in place, temp files gone, the job out of the store, its content seeded), a state
// change seen by its caller kept, one killed inside its transaction not half-written.
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <filesystem>
#include <thread>

#include "engine/engine.h"
#include "engine/job_store.h"
#include "engine/metainfo.h"
#include "tests/support/child_process.h"
#include "tests/support/fault_origin.h"
#include "tests/support/fixtures.h"

namespace shoal::testing {
namespace {

using engine::JobState;
const char* const kNames[] = {"f0.bin", "f1.bin", "f2.bin"};

class CrashPoints : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string error;
    origin_ = FaultOrigin::Start(&error);
    ASSERT_TRUE(origin_) << error;
    std::filesystem::create_directories(out_dir());
    // f0 has metainfo (pieces from the CDN, seeded after Complete); f1, f2 are plain HTTP.
    const std::size_t sizes[] = {(1 << 20) + 17, (3 << 19) + 1, (700 << 10) + 3};
    for (int i = 0; i < 3; ++i) {
      data_[i] = WriteRandomFile(dir_ / kNames[i], sizes[i], 10 + i);
      origin_->Put(std::string("/") + kNames[i], data_[i]);
    }
    engine::MetainfoSpec spec;
    spec.path = dir_ / "f0.bin";
    spec.web_seeds = {origin_->Url("/f0.bin")};
    spec.piece_size = 64 << 10;
    std::string torrent;
    ASSERT_EQ(engine::CreateMetainfo(spec, &torrent, &error), hr::kOk) << error;
    origin_->Put("/f0.bin.torrent", torrent);
  }

  std::string out_dir() const { return dir_ / "out"; }
  std::string state_dir() const { return dir_ / "state"; }
  std::string Final(int i) const { return out_dir() + "/" + kNames[i]; }

  // Runs engine_child with ACTION (creating the job when `create`), SHOAL_CRASH_AT set to
  // `crash_at` unless empty. Returns its stdout; *code is its exit (128 + signal).
  std::string RunChild(bool create, const std::string& action, const std::string& crash_at,
                       int* code, bool kill_after_reply = false) {
    std::vector<std::string> args = {ENGINE_CHILD, state_dir(), out_dir(), action};
    if (create) args.push_back(origin_->Url(""));
    std::vector<std::string> env;
    if (!crash_at.empty()) env.push_back("SHOAL_CRASH_AT=" + crash_at);
    Child child(args, dir_ / "child_stderr.txt", env);
    EXPECT_TRUE(child.started());
    std::string out, line;
    while (child.Line(&line)) {
      out += line;
      // "none" waits to be killed once TRANSFERRED; so does any action once it replied.
      if ((action == "none" && line == "transferred\n") ||
          (kill_after_reply && line.rfind("returned ", 0) == 0)) {
        child.Signal(SIGKILL);
      }
    }
    *code = child.Wait();
    return out;
  }

  // The job the child printed ("job {GUID}").
  static std::string JobId(const std::string& out) {
    const auto at = out.find("job {");
    return at == std::string::npos ? "" : out.substr(at + 4, 38);
  }

  std::vector<engine::StoredJob> Stored() {
    std::string warnings, error;
    auto store = engine::OpenSqliteJobStore(state_dir(), &warnings, &error);
    EXPECT_TRUE(store) << error;
    return store ? store->LoadAll(&warnings) : std::vector<engine::StoredJob>{};
  }

  std::vector<engine::StoredSeed> Seeds() {
    std::string warnings, error;
    auto store = engine::OpenSqliteJobStore(state_dir(), &warnings, &error);
    EXPECT_TRUE(store) << error;
    return store ? store->LoadSeeds(&warnings) : std::vector<engine::StoredSeed>{};
  }

  std::unique_ptr<engine::Engine> Restart() {
    engine::EngineOptions o;
    o.listen_interface = "127.0.0.1:0";
    o.data_dir = state_dir();
    std::string error;
    auto e = engine::Engine::Start(o, nullptr, &error);
    EXPECT_TRUE(e) << error;
    return e;
  }

  int TempFiles() const {
    int n = 0;
    for (const auto& name : ListDir(out_dir())) {
      n += name.find(".shoal-tmp") != std::string::npos;
    }
    return n;
  }

  // Every final file is absent or whole and byte-exact; returns how many are present.
  int CheckFinalFiles() const {
    int present = 0;
    for (int i = 0; i < 3; ++i) {
      if (!std::filesystem::exists(Final(i))) continue;
      ++present;
      EXPECT_EQ(ReadFile(Final(i)), data_[i]) << kNames[i] << " is exposed but not whole";
    }
    return present;
  }

  int OriginRequests() const {
    int n = 0;
    for (const char* name : kNames) n += origin_->Requests(std::string("/") + name);
    return n;
  }

  // The origin's count once a killed child's requests are all in: the origin has answered
  // (or seen the end of) every request it counted, and no new one came for 200 ms. Read
  // straight after the kill, a request the child sent just before it could still be on its
  // way to the origin's threads (slow under ASan) and be counted against the restart.
  int SettledOriginRequests() const {
    int last = -1;
    auto answered = [&] {
      for (const char* name : kNames) {
        const std::string path = std::string("/") + name;
        if (origin_->Served(path) < origin_->Requests(path)) return false;
      }
      return true;
    };
    EXPECT_TRUE(WaitFor([&] {
      const int now = OriginRequests();
      const bool settled = now == last && answered();
      last = now;
      if (!settled) std::this_thread::sleep_for(std::chrono::milliseconds(200));
      return settled;
    }));
    return OriginRequests();
  }

  // Each file's Range requests, for a failure message.
  std::string RangesAsked() const {
    std::string text;
    for (const char* name : kNames) {
      text += std::string(name) + ":";
      for (const std::string& r : origin_->Ranges(std::string("/") + name)) text += " [" + r + "]";
      text += "\n";
    }
    return text;
  }

  // Kills the Complete at `point`; `renamed_before_restart` files must already be in place.
  void CompleteRollsForward(const std::string& point, int renamed_before_restart) {
    int code = 0;
    const std::string out = RunChild(true, "complete", point, &code);
    ASSERT_EQ(code, 128 + SIGKILL) << out << ReadFile(dir_ / "child_stderr.txt");
    ASSERT_NE(out.find("transferred\n"), std::string::npos) << out;
    EXPECT_EQ(out.find("returned"), std::string::npos) << "killed before Complete replied";
    const std::string id = JobId(out);
    const int fetched = SettledOriginRequests();

    EXPECT_EQ(CheckFinalFiles(), renamed_before_restart);
    EXPECT_EQ(TempFiles(), 3 - renamed_before_restart);
    auto stored = Stored();
    ASSERT_EQ(stored.size(), 1u) << "no job lost";
    EXPECT_EQ(stored[0].id.ToString(), id);
    EXPECT_TRUE(stored[0].completing) << "the intent was stored before any rename";

    auto e = Restart();
    ASSERT_TRUE(e);
    EXPECT_NE(e->StartupWarnings().find(id + ": the Complete a crash interrupted is finished"),
              std::string::npos)
        << e->StartupWarnings();
    EXPECT_TRUE(e->ListJobs().empty()) << "ACKNOWLEDGED after the roll-forward";
    e.reset();
    EXPECT_EQ(CheckFinalFiles(), 3);
    EXPECT_EQ(TempFiles(), 0);
    EXPECT_TRUE(Stored().empty()) << "the finished job left the store";
    const auto seeds = Seeds();
    ASSERT_EQ(seeds.size(), 1u) << "f0 (with metainfo) is seeded, as Complete does";
    EXPECT_EQ(seeds[0].file_name, "f0.bin");
    EXPECT_EQ(OriginRequests(), fetched) << "nothing fetched again";
    std::printf("[figure] killed at %s: %d of 3 files renamed before the kill, 3 after the "
                "roll-forward, %d origin requests after the kill\n",
                point.c_str(), renamed_before_restart, OriginRequests() - fetched);
  }

  // A TRANSFERRED job made by one child (killed idle), then `action` by a second one killed
  // at `point` (or right after its reply when `point` is empty). Returns the job's id.
  std::string KillSecondChild(const std::string& action, const std::string& point) {
    int code = 0;
    const std::string first = RunChild(true, "none", "", &code);
    EXPECT_EQ(code, 128 + SIGKILL) << first << ReadFile(dir_ / "child_stderr.txt");
    const std::string id = JobId(first);
    const std::string second = RunChild(false, action, point, &code, point.empty());
    EXPECT_EQ(code, 128 + SIGKILL) << second << ReadFile(dir_ / "child_stderr.txt");
    EXPECT_EQ(JobId(second), id);
    EXPECT_EQ(second.find("returned") != std::string::npos, point.empty()) << second;
    if (point.empty()) {
      EXPECT_NE(second.find("returned 0x00000000"), std::string::npos) << second;
    }
    return id;
  }

  // The restarted engine has the job `id` in `state`, whole; Complete exposes every file
  // byte-exact without fetching anything again.
  void CheckRestartedJob(const std::string& id, JobState state) {
    const int fetched = SettledOriginRequests();
    const std::string asked = RangesAsked();
    EXPECT_EQ(CheckFinalFiles(), 0);
    EXPECT_EQ(TempFiles(), 3);
    auto e = Restart();
    ASSERT_TRUE(e);
    const auto jobs = e->ListJobs();
    ASSERT_EQ(jobs.size(), 1u) << "no job lost";
    EXPECT_EQ(jobs[0]->id.ToString(), id);
    EXPECT_EQ(jobs[0]->state.load(), state) << ToString(jobs[0]->state.load());
    if (state == JobState::kSuspended) {
      ASSERT_EQ(e->Resume(jobs[0]->id), hr::kOk);
      ASSERT_TRUE(WaitFor([&] { return jobs[0]->state.load() == JobState::kTransferred; }));
    }
    std::uint64_t total = 0;
    for (const std::string& d : data_) total += d.size();
    EXPECT_EQ(jobs[0]->progress.Load().bytes_transferred, total);
    ASSERT_EQ(e->Complete(jobs[0]->id), hr::kOk);
    EXPECT_EQ(CheckFinalFiles(), 3);
    EXPECT_EQ(TempFiles(), 0);
    EXPECT_EQ(OriginRequests(), fetched) << "bytes re-downloaded after the kill; requests "
                                            "before the restart:\n"
                                         << asked << "and after:\n"
                                         << RangesAsked();
    std::printf(
        "[figure] restart after the kill: %s as expected, %d origin requests after "
        "it\n",
        ToString(state), OriginRequests() - fetched);
  }

  TempDir dir_;
  std::unique_ptr<FaultOrigin> origin_;
  std::string data_[3];
};

TEST_F(CrashPoints, CompleteKilledAfterItsIntentBeforeAnyRenameIsRolledForward) {
  CompleteRollsForward("complete.intent", 0);
}

TEST_F(CrashPoints, CompleteKilledAfterTheFirstOfThreeRenamesIsRolledForward) {
  CompleteRollsForward("complete.renamed", 1);
}

TEST_F(CrashPoints, RollForwardThatCannotRenameLeavesTheJobToItsCaller) {
  int code = 0;
  const std::string out = RunChild(true, "complete", "complete.intent", &code);
  ASSERT_EQ(code, 128 + SIGKILL) << out << ReadFile(dir_ / "child_stderr.txt");
  const std::string id = JobId(out);
  // A directory where f1 goes (not empty: rename(2) cannot replace it).
  std::filesystem::create_directories(Final(1) + "/in-the-way");
  {
    auto e = Restart();
    ASSERT_TRUE(e);
    EXPECT_NE(e->StartupWarnings().find(id + ": cannot finish its Complete"), std::string::npos)
        << e->StartupWarnings();
    const auto jobs = e->ListJobs();
    ASSERT_EQ(jobs.size(), 1u) << "the job is not lost";
    EXPECT_EQ(jobs[0]->state.load(), JobState::kTransferred);
    EXPECT_EQ(ReadFile(Final(0)), data_[0]) << "renamed before the failing file";
    EXPECT_EQ(TempFiles(), 2) << "f1 and f2 still the job's";
    // The caller's Complete finishes it once the way is clear, fetching nothing again.
    const int fetched = OriginRequests();
    std::filesystem::remove_all(Final(1));
    ASSERT_EQ(e->Complete(jobs[0]->id), hr::kOk);
    EXPECT_EQ(CheckFinalFiles(), 3);
    EXPECT_EQ(TempFiles(), 0);
    EXPECT_EQ(OriginRequests(), fetched);
  }
  EXPECT_TRUE(Stored().empty());
}

TEST_F(CrashPoints, TempFileTruncatedAfterACrashedCompleteIsFetchedAgainNotExposed) {
  int code = 0;
  const std::string out = RunChild(true, "complete", "complete.intent", &code);
  ASSERT_EQ(code, 128 + SIGKILL) << out << ReadFile(dir_ / "child_stderr.txt");
  std::string temp;
  for (const auto& name : ListDir(out_dir())) {
    if (name.rfind(".f2.bin.", 0) == 0) temp = out_dir() + "/" + name;
  }
  ASSERT_FALSE(temp.empty());
  std::filesystem::resize_file(temp, data_[2].size() / 2);  // behind the engine's back
  auto e = Restart();
  ASSERT_TRUE(e);
  EXPECT_NE(e->StartupWarnings().find("a temp file changed during Complete; fetching again"),
            std::string::npos)
      << e->StartupWarnings();
  const auto jobs = e->ListJobs();
  ASSERT_EQ(jobs.size(), 1u) << "the job is not lost";
  EXPECT_EQ(CheckFinalFiles(), 0) << "nothing exposed";
  ASSERT_TRUE(WaitFor([&] { return jobs[0]->state.load() == JobState::kTransferred; }));
  ASSERT_EQ(e->Complete(jobs[0]->id), hr::kOk);
  EXPECT_EQ(CheckFinalFiles(), 3);
  EXPECT_EQ(TempFiles(), 0);
}

TEST_F(CrashPoints, SuspendKilledInsideItsStoreTransactionLeavesThePreviousState) {
  const std::string id = KillSecondChild("suspend", "store.job_written/SUSPENDED");
  CheckRestartedJob(id, JobState::kTransferred);
}

TEST_F(CrashPoints, SuspendKilledAfterTheStateChangedInMemoryLeavesThePreviousState) {
  const std::string id = KillSecondChild("suspend", "state.applied/SUSPENDED");
  CheckRestartedJob(id, JobState::kTransferred);
}

TEST_F(CrashPoints, SuspendKilledRightAfterItReturnedIsSuspendedAfterRestart) {
  const std::string id = KillSecondChild("suspend", "");
  CheckRestartedJob(id, JobState::kSuspended);
}

// Durable on return: what the caller saw succeed is what a restart finds.
TEST_F(CrashPoints, SetDisplayNameKilledRightAfterItReturnedKeepsTheName) {
  const std::string id = KillSecondChild("rename", "");
  {
    auto e = Restart();
    ASSERT_TRUE(e);
    const auto jobs = e->ListJobs();
    ASSERT_EQ(jobs.size(), 1u);
    engine::JobProperties p;
    ASSERT_EQ(e->GetProperties(jobs[0]->id, &p), hr::kOk);
    EXPECT_EQ(p.display_name, "renamed");
  }
  CheckRestartedJob(id, JobState::kTransferred);
}

TEST_F(CrashPoints, CancelKilledRightAfterItReturnedLeavesNothing) {
  KillSecondChild("cancel", "");
  EXPECT_EQ(CheckFinalFiles(), 0);
  EXPECT_EQ(TempFiles(), 0);
  EXPECT_TRUE(Stored().empty());
  auto e = Restart();
  ASSERT_TRUE(e);
  EXPECT_TRUE(e->ListJobs().empty());
}

TEST_F(CrashPoints, CancelKilledBeforeDeletingTheTempFilesIsFinishedAtRestart) {
  const std::string id = KillSecondChild("cancel", "cancel.stored");
  EXPECT_EQ(TempFiles(), 3) << "killed before any was deleted";
  const auto stored = Stored();
  ASSERT_EQ(stored.size(), 1u);
  EXPECT_EQ(stored[0].state, JobState::kCancelled);
  auto e = Restart();
  ASSERT_TRUE(e);
  EXPECT_NE(e->StartupWarnings().find(id + ": the Cancel a crash interrupted is finished"),
            std::string::npos)
      << e->StartupWarnings();
  EXPECT_TRUE(e->ListJobs().empty());
  e.reset();
  EXPECT_EQ(TempFiles(), 0) << "no orphaned temp file";
  EXPECT_EQ(CheckFinalFiles(), 0);
  EXPECT_TRUE(Stored().empty());
}

TEST_F(CrashPoints, CompleteKilledRightAfterItReturnedLeavesTheFilesInPlace) {
  KillSecondChild("complete", "");
  EXPECT_EQ(CheckFinalFiles(), 3);
  EXPECT_EQ(TempFiles(), 0);
  EXPECT_TRUE(Stored().empty()) << "ACKNOWLEDGED leaves the store before Complete returns";
  ASSERT_EQ(Seeds().size(), 1u);
  auto e = Restart();
  ASSERT_TRUE(e);
  EXPECT_TRUE(e->ListJobs().empty());
  EXPECT_EQ(e->StartupWarnings(), "");
}

}  // namespace
}  // namespace shoal::testing
