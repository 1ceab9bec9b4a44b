// One content, one transfer (decision 0013): jobs of one engine that want the same content
// share one download, counted at the loopback origin, and each still finishes, is suspended
// and cancelled on its own.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include "tests/integration/swarm_fixture.h"

namespace shoal::testing {
namespace {

using engine::FileSpec;
using engine::JobState;
namespace fs = std::filesystem;

constexpr std::size_t kMiB = 1 << 20;

class SharedTransfer : public SwarmTest {
 protected:
  // A destination folder of its own for each job, so the files' names may be equal.
  std::string Out(const std::string& folder, const std::string& name) {
    fs::create_directories(work_ / folder);
    return work_ / folder + "/" + name;
  }
  static FileSpec Plain(const std::string& url, const std::string& out) {
    FileSpec s{url, out, ""};
    s.http_only = true;
    return s;
  }
  // An engine that fetched `c` into a/<name> (*path) and completed it: with
  // seed_after_complete it keeps serving the content from there. Null on failure.
  std::unique_ptr<engine::Engine> CompletedOnce(const Content& c, std::string* path) {
    auto e = StartEngine(2);
    *path = Out("a", c.name);
    auto job = StartJob(*e, {{c.url, *path, ""}});
    if (WaitSettled(*job) != JobState::kTransferred || e->Complete(job->id) != hr::kOk) {
      ADD_FAILURE() << "the first job did not complete";
      return nullptr;
    }
    return e;
  }
  // Origin bytes once they stop moving (requests in flight end).
  std::uint64_t SettledBytes(const std::string& path) {
    std::uint64_t before = origin_->BytesServed(path);
    for (;;) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1500));
      const std::uint64_t now = origin_->BytesServed(path);
      if (now == before) return now;
      before = now;
    }
  }
};

TEST_F(SharedTransfer, TwoJobsOfOneSidecarContentFetchItOnce) {
  const Content c = Publish("same.bin", 8 * kMiB + 77);
  auto e = StartEngine(2);
  const std::string a = Out("a", "same.bin");
  const std::string b = Out("b", "same.bin");
  auto ja = StartJob(*e, {{c.url, a, ""}});
  auto jb = StartJob(*e, {{c.url, b, ""}});
  ASSERT_EQ(WaitSettled(*ja), JobState::kTransferred);
  ASSERT_EQ(WaitSettled(*jb), JobState::kTransferred);
  EXPECT_EQ(ja->progress.Load().bytes_transferred, c.data.size());
  EXPECT_EQ(jb->progress.Load().bytes_transferred, c.data.size());
  EXPECT_EQ(jb->sources.Load().from_http, c.data.size());  // its ledger adds up to its file
  EXPECT_EQ(e->Complete(ja->id), hr::kOk);
  EXPECT_EQ(e->Complete(jb->id), hr::kOk);
  EXPECT_EQ(ReadFile(a), c.data);
  EXPECT_EQ(ReadFile(b), c.data);
  EXPECT_EQ(ListDir(work_ / "a"), std::vector<std::string>{"same.bin"});
  EXPECT_EQ(ListDir(work_ / "b"), std::vector<std::string>{"same.bin"});
  EXPECT_EQ(origin_->BytesServed("/same.bin"), c.data.size());  // 1 x the file, not 2 x
}

TEST_F(SharedTransfer, TwoJobsOfOnePlainUrlFetchItOnce) {
  const Content c = Publish("plain.bin", 6 * kMiB + 5);
  auto e = StartEngine(2);
  const std::string a = Out("a", "plain.bin");
  const std::string b = Out("b", "plain.bin");
  auto ja = StartJob(*e, {Plain(c.url, a)});
  auto jb = StartJob(*e, {Plain(c.url, b)});
  ASSERT_EQ(WaitSettled(*ja), JobState::kTransferred);
  ASSERT_EQ(WaitSettled(*jb), JobState::kTransferred);
  EXPECT_EQ(jb->progress.Load().bytes_transferred, c.data.size());
  // Complete in the other order: the leader's file goes to the job still waiting.
  EXPECT_EQ(e->Complete(jb->id), hr::kOk);
  EXPECT_EQ(e->Complete(ja->id), hr::kOk);
  EXPECT_EQ(ReadFile(a), c.data);
  EXPECT_EQ(ReadFile(b), c.data);
  EXPECT_EQ(origin_->BytesServed("/plain.bin"), c.data.size());
}

TEST_F(SharedTransfer, JobsOfOneUrlShareOnlyWhileTheOriginsValidatorsAgree) {
  const Content c = Publish("ver.bin", 8 * kMiB);
  origin_->SetRateLimit(4 * kMiB);
  auto e = StartEngine(2);
  const std::string a = Out("a", "ver.bin");
  const std::string b = Out("b", "ver.bin");
  auto ja = StartJob(*e, {Plain(c.url, a)});
  ASSERT_TRUE(WaitFor([&] { return ja->progress.Load().bytes_transferred >= 1 * kMiB; }));
  // The origin publishes a new version (renamed over the old one, so the GET in flight still
  // sends the old bytes) with another Last-Modified.
  const std::string fresh = origin_root_ / "ver.bin.new";
  const std::string next = WriteRandomFile(fresh, 8 * kMiB, 2);
  const timespec later[2] = {{::time(nullptr) + 100, 0}, {::time(nullptr) + 100, 0}};
  ASSERT_EQ(::utimensat(AT_FDCWD, fresh.c_str(), later, 0), 0);
  fs::rename(fresh, origin_root_ / "ver.bin");
  // Before: the second job followed the first and got the old version.
  auto jb = StartJob(*e, {Plain(c.url, b)});
  origin_->SetRateLimit(0);
  ASSERT_EQ(WaitSettled(*ja), JobState::kTransferred);
  ASSERT_EQ(WaitSettled(*jb), JobState::kTransferred);
  EXPECT_EQ(e->Complete(ja->id), hr::kOk);
  EXPECT_EQ(e->Complete(jb->id), hr::kOk);
  EXPECT_EQ(ReadFile(a), c.data);
  EXPECT_EQ(ReadFile(b), next);
  EXPECT_EQ(jb->sources.Load().from_http, next.size());  // fetched by its own transfer
}

TEST_F(SharedTransfer, CancellingOneJobMidTransferLetsTheOtherFinish) {
  const Content c = Publish("cancel.bin", 16 * kMiB);
  origin_->SetRateLimit(8 * kMiB);
  auto e = StartEngine(2);
  const std::string a = Out("a", "cancel.bin");
  const std::string b = Out("b", "cancel.bin");
  auto ja = StartJob(*e, {{c.url, a, ""}});
  auto jb = StartJob(*e, {{c.url, b, ""}});
  ASSERT_TRUE(WaitFor([&] { return jb->progress.Load().bytes_transferred >= 2 * kMiB; }));
  EXPECT_LT(jb->progress.Load().bytes_transferred, c.data.size());
  // Whichever leads, the transfer goes on for the other.
  EXPECT_EQ(e->Cancel(ja->id), hr::kOk);
  ASSERT_EQ(WaitSettled(*jb), JobState::kTransferred);
  EXPECT_EQ(e->Complete(jb->id), hr::kOk);
  EXPECT_EQ(ReadFile(b), c.data);
  EXPECT_TRUE(ListDir(work_ / "a").empty());  // nothing of the cancelled job left
  // Only the pieces in flight at the handover may be asked for again.
  EXPECT_LT(SettledBytes("/cancel.bin"), c.data.size() + c.data.size() / 4);
}

TEST_F(SharedTransfer, SuspendingEveryJobStopsTheTransfer) {
  const Content c = Publish("pause.bin", 16 * kMiB);
  origin_->SetRateLimit(4 * kMiB);
  auto e = StartEngine(2);
  const std::string a = Out("a", "pause.bin");
  const std::string b = Out("b", "pause.bin");
  auto ja = StartJob(*e, {{c.url, a, ""}});
  auto jb = StartJob(*e, {{c.url, b, ""}});
  ASSERT_TRUE(WaitFor([&] { return ja->progress.Load().bytes_transferred >= 1 * kMiB; }));
  // One suspended: the other still wants the content, so it keeps coming.
  ASSERT_EQ(e->Suspend(ja->id), hr::kOk);
  const std::uint64_t at_suspend = jb->progress.Load().bytes_transferred;
  ASSERT_TRUE(WaitFor([&] { return jb->progress.Load().bytes_transferred >= at_suspend + kMiB; }))
      << "state " << static_cast<int>(jb->state.load()) << " bytes "
      << jb->progress.Load().bytes_transferred;
  ASSERT_EQ(e->Suspend(jb->id), hr::kOk);
  const std::uint64_t stopped = SettledBytes("/pause.bin");
  std::this_thread::sleep_for(std::chrono::seconds(2));
  EXPECT_EQ(origin_->BytesServed("/pause.bin"), stopped);
  EXPECT_LT(stopped, c.data.size());
  // Both resumed: one transfer finishes both, nothing verified fetched again.
  ASSERT_EQ(e->Resume(jb->id), hr::kOk);
  ASSERT_EQ(e->Resume(ja->id), hr::kOk);
  ASSERT_EQ(WaitSettled(*ja), JobState::kTransferred);
  ASSERT_EQ(WaitSettled(*jb), JobState::kTransferred);
  EXPECT_EQ(e->Complete(ja->id), hr::kOk);
  EXPECT_EQ(e->Complete(jb->id), hr::kOk);
  EXPECT_EQ(ReadFile(a), c.data);
  EXPECT_EQ(ReadFile(b), c.data);
  EXPECT_LT(SettledBytes("/pause.bin"), c.data.size() + c.data.size() / 4);
}

TEST_F(SharedTransfer, JobAddedAfterTheContentArrivedFinishesWithoutTheOrigin) {
  const Content c = Publish("late.bin", 4 * kMiB + 1);
  auto e = StartEngine(2);
  const std::string a = Out("a", "late.bin");
  const std::string b = Out("b", "late.bin");
  auto ja = StartJob(*e, {{c.url, a, ""}});
  ASSERT_EQ(WaitSettled(*ja), JobState::kTransferred);
  const std::uint64_t served = origin_->BytesServed("/late.bin");
  EXPECT_EQ(served, c.data.size());
  auto jb = StartJob(*e, {{c.url, b, c.metainfo}});
  ASSERT_EQ(WaitSettled(*jb), JobState::kTransferred);
  EXPECT_EQ(jb->progress.Load().bytes_transferred, c.data.size());
  EXPECT_EQ(e->Complete(ja->id), hr::kOk);
  EXPECT_EQ(e->Complete(jb->id), hr::kOk);
  EXPECT_EQ(ReadFile(a), c.data);
  EXPECT_EQ(ReadFile(b), c.data);
  EXPECT_EQ(origin_->BytesServed("/late.bin"), served);
}

TEST_F(SharedTransfer, JobAddedAfterCompleteFinishesFromTheSeedWithoutTheOrigin) {
  const Content c = Publish("again.bin", 4 * kMiB + 9);
  std::string a;
  auto e = CompletedOnce(c, &a);
  ASSERT_TRUE(e);
  const std::string b = Out("b", "again.bin");
  const std::uint64_t served = origin_->BytesServed("/again.bin");
  ASSERT_EQ(e->GetStats().cached_files, 1u);
  // Before: 0x800700B7, "already being transferred by this engine" (the seed's torrent).
  auto jb = StartJob(*e, {{c.url, b, c.metainfo}});
  ASSERT_EQ(WaitSettled(*jb), JobState::kTransferred);
  // Copied from the seed, whose state is known: the seed keeps serving (before, it was
  // released for the job's own torrent), and the bytes count as no network source's.
  EXPECT_EQ(e->GetStats().cached_files, 1u);
  EXPECT_EQ(jb->progress.Load().bytes_transferred, c.data.size());
  EXPECT_EQ(jb->sources.Load(), engine::SourceBytes{});
  EXPECT_EQ(e->Complete(jb->id), hr::kOk);
  EXPECT_EQ(e->GetStats().cached_files, 1u);  // one seed of the content, not one per job
  EXPECT_EQ(ReadFile(a), c.data);
  EXPECT_EQ(ReadFile(b), c.data);
  EXPECT_EQ(origin_->BytesServed("/again.bin"), served);
}

TEST_F(SharedTransfer, JobAfterCompleteChecksASeedFileTheUserChanged) {
  const Content c = Publish("changed.bin", 4 * kMiB + 9);
  std::string a;
  auto e = CompletedOnce(c, &a);
  ASSERT_TRUE(e);
  const std::string b = Out("b", "changed.bin");
  const std::uint64_t served = origin_->BytesServed("/changed.bin");
  // The user's file (seeded after Complete) changes: its verified state is no longer known.
  {
    std::fstream f(a, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(10);
    f.put(static_cast<char>(c.data[10] ^ 0x5a));
  }
  auto jb = StartJob(*e, {{c.url, b, c.metainfo}});
  ASSERT_EQ(WaitSettled(*jb), JobState::kTransferred);
  EXPECT_EQ(e->Complete(jb->id), hr::kOk);
  EXPECT_EQ(ReadFile(b), c.data);  // the changed piece was checked and fetched again
  const std::uint64_t again = SettledBytes("/changed.bin") - served;
  EXPECT_GT(again, 0u);
  EXPECT_LT(again, c.data.size());  // only what the check rejected
}

TEST_F(SharedTransfer, AfterARestartTheJobsShareOneTransferAgain) {
  const Content c = Publish("durable.bin", 16 * kMiB);
  origin_->SetRateLimit(4 * kMiB);
  engine::EngineOptions o = Defaults();
  o.data_dir = work_ / "data";
  const std::string a = Out("a", "durable.bin");
  const std::string b = Out("b", "durable.bin");
  engine::Uuid ida, idb;
  {
    auto e = StartEngine(2, o);
    auto ja = StartJob(*e, {{c.url, a, ""}});
    auto jb = StartJob(*e, {{c.url, b, ""}});
    ida = ja->id;
    idb = jb->id;
    ASSERT_TRUE(WaitFor([&] { return jb->progress.Load().bytes_transferred >= 8 * kMiB; }));
  }  // the engine stops; the store keeps both jobs
  origin_->SetRateLimit(0);
  auto e = StartEngine(2, o);
  auto ja = e->FindJob(ida);
  auto jb = e->FindJob(idb);
  ASSERT_TRUE(ja && jb);
  ASSERT_EQ(WaitSettled(*ja), JobState::kTransferred);
  ASSERT_EQ(WaitSettled(*jb), JobState::kTransferred);
  EXPECT_EQ(e->Complete(ja->id), hr::kOk);
  EXPECT_EQ(e->Complete(jb->id), hr::kOk);
  EXPECT_EQ(ReadFile(a), c.data);
  EXPECT_EQ(ReadFile(b), c.data);
  // One transfer before and after, resumed from what is on disk: not one per job, and not
  // started over by the job that followed.
  // (The CDN pieces in flight at the stop are asked for again: a few MiB at most.)
  EXPECT_LT(SettledBytes("/durable.bin"), c.data.size() + 6 * kMiB);
}

TEST_F(SharedTransfer, ErrorOfTheSharedTransferReachesEveryJob) {
  auto e = StartEngine(2);
  const std::string url = origin_->BaseUrl() + "/missing.bin";
  auto ja = StartJob(*e, {Plain(url, Out("a", "missing.bin"))});
  auto jb = StartJob(*e, {Plain(url, Out("b", "missing.bin"))});
  ASSERT_EQ(WaitSettled(*ja), JobState::kError);
  ASSERT_EQ(WaitSettled(*jb), JobState::kError);
  engine::JobErrorInfo ea, eb;
  ASSERT_EQ(e->GetError(ja->id, &ea), hr::kOk);
  ASSERT_EQ(e->GetError(jb->id, &eb), hr::kOk);
  EXPECT_EQ(ea.code, eb.code);
  EXPECT_EQ(ja->error_count.load(), 1u);
  EXPECT_EQ(jb->error_count.load(), 1u);
}

}  // namespace
}  // namespace shoal::testing
