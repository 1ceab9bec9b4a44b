#include "api/src/progress_page.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <thread>

#include "api/src/fd_passing.h"
#include "tests/support/cells_handle.h"

namespace shoal::api {
namespace {

using engine::FileProgress;

// A reader with every segment of `uid` mapped (each fd dup'd: the writer keeps its own).
void MapAll(const ProgressPageWriter& w, uid_t uid, ProgressPageReader* r) {
  for (int fd : w.SegmentFds(uid)) {
    std::string error;
    ASSERT_EQ(r->Map(::dup(fd), &error), hr::kOk) << error;
  }
}

JobFigures Figures(std::uint64_t i) {
  JobFigures f;
  f.state = JobState::kTransferring;
  f.error_count = static_cast<std::uint32_t>(i / 10);
  f.progress = {1000000, i, static_cast<std::uint32_t>(i), static_cast<std::uint32_t>(3 * i)};
  f.sources = {i, 2 * i, 0, 3 * i};
  f.times = {1, static_cast<std::int64_t>(i), 0};
  f.activity = {static_cast<std::uint32_t>(i % 5), 1, static_cast<std::int64_t>(i)};
  return f;
}

// Every field of one published value comes from the same i.
void ExpectWhole(const JobProgress& p) {
  ASSERT_EQ(p.files_total, static_cast<std::uint32_t>(p.bytes_transferred));
  ASSERT_EQ(p.files_transferred, static_cast<std::uint32_t>(3 * p.bytes_transferred));
}

TEST(ProgressPage, NewSlotReadsAsANewJobThroughAJobHandle) {
  ProgressPageWriter w;
  SlotRef ref;
  const Uuid id = Uuid::Random();
  ASSERT_EQ(w.Allocate(1000, id, &ref), hr::kOk);
  ProgressPageReader r;
  MapAll(w, 1000, &r);
  const JobCells* cells = nullptr;
  ASSERT_TRUE(r.Cells(ref, &cells));
  const testing::CellsHandle h(id, cells);
  EXPECT_EQ(h.State(), JobState::kSuspended);
  EXPECT_EQ(h.Progress().bytes_total, 0u);
  EXPECT_EQ(h.ErrorCount(), 0u);
  EXPECT_TRUE(r.Current(ref, id));
  EXPECT_FALSE(r.Current(ref, Uuid::Random()));
}

TEST(ProgressPage, PublishedFiguresAreWhatTheHandleReads) {
  ProgressPageWriter w;
  SlotRef ref;
  const Uuid id = Uuid::Random();
  ASSERT_EQ(w.Allocate(1000, id, &ref), hr::kOk);
  ProgressPageReader r;
  MapAll(w, 1000, &r);
  const JobCells* cells = nullptr;
  ASSERT_TRUE(r.Cells(ref, &cells));
  const testing::CellsHandle h(id, cells);
  JobFigures f = Figures(42);
  f.state = JobState::kTransientError;
  ASSERT_EQ(w.Publish(ref, f), hr::kOk);
  const JobFigures got = ReadFigures(h);
  EXPECT_EQ(got.state, JobState::kTransientError);
  EXPECT_EQ(got.error_count, 4u);
  EXPECT_EQ(got.progress.bytes_transferred, 42u);
  EXPECT_EQ(got.progress.bytes_total, 1000000u);
  EXPECT_EQ(got.sources, (SourceBytes{42, 84, 0, 126}));
  EXPECT_EQ(got.times.modification_ns, 42);
  EXPECT_EQ(got.activity.peer_connections, 2u);
  EXPECT_EQ(got.activity.download_duration_ns, 42);
}

TEST(ProgressPage, NoOneCanWriteASegmentThroughItsDescriptor) {
  ProgressPageWriter w;
  SlotRef ref;
  ASSERT_EQ(w.Allocate(1000, Uuid::Random(), &ref), hr::kOk);
  const int fd = w.SegmentFds(1000).at(0);
  struct stat st {};
  ASSERT_EQ(::fstat(fd, &st), 0);
  void* p = ::mmap(nullptr, st.st_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  EXPECT_EQ(p, MAP_FAILED) << "a writable mapping of the segment was allowed";
  if (p != MAP_FAILED) ::munmap(p, st.st_size);
  EXPECT_EQ(::pwrite(fd, "x", 1, 0), -1);
  EXPECT_EQ(::ftruncate(fd, 0), -1);
  EXPECT_EQ(::ftruncate(fd, st.st_size * 2), -1);
  EXPECT_EQ(::fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE), -1) << "seals must be final";
}

TEST(ProgressPage, AReusedSlotIsNoLongerCurrentForItsOldJob) {
  ProgressPageWriter w({/*slots_per_segment=*/1, /*max_slots_per_uid=*/1});
  const Uuid a = Uuid::Random();
  const Uuid b = Uuid::Random();
  SlotRef ra, rb;
  ASSERT_EQ(w.Allocate(1000, a, &ra), hr::kOk);
  ProgressPageReader r;
  MapAll(w, 1000, &r);
  ASSERT_EQ(w.Publish(ra, Figures(7)), hr::kOk);
  ASSERT_EQ(w.Free(ra), hr::kOk);
  EXPECT_FALSE(r.Current(ra, a));
  ASSERT_EQ(w.Allocate(1000, b, &rb), hr::kOk);
  EXPECT_EQ(rb.index, ra.index);
  EXPECT_NE(rb.generation, ra.generation);
  EXPECT_FALSE(r.Current(ra, a));
  EXPECT_TRUE(r.Current(rb, b));
  EXPECT_EQ(w.Publish(ra, Figures(8)), hr::kInvalidArg);
  EXPECT_EQ(w.Free(ra), hr::kInvalidArg);
  const JobCells* cells = nullptr;
  ASSERT_TRUE(r.Cells(rb, &cells));
  EXPECT_EQ(cells->progress.Load().bytes_transferred, 0u) << "the new job starts from zero";
}

TEST(ProgressPage, FreshSlotsAreUsedBeforeFreedOnes) {
  ProgressPageWriter w({4, 8});
  SlotRef r1, r2, r3;
  ASSERT_EQ(w.Allocate(1000, Uuid::Random(), &r1), hr::kOk);
  ASSERT_EQ(w.Allocate(1000, Uuid::Random(), &r2), hr::kOk);
  ASSERT_EQ(w.Free(r1), hr::kOk);
  ASSERT_EQ(w.Allocate(1000, Uuid::Random(), &r3), hr::kOk);
  EXPECT_EQ(r3.index, 2u);
}

TEST(ProgressPage, GrowsByANewSegmentUpToTheLimit) {
  ProgressPageWriter w({2, 4});
  std::vector<SlotRef> refs(4);
  for (auto& ref : refs) ASSERT_EQ(w.Allocate(1000, Uuid::Random(), &ref), hr::kOk);
  EXPECT_EQ(refs[2].segment, 1u);
  EXPECT_EQ(w.SegmentFds(1000).size(), 2u);
  SlotRef more;
  std::string error;
  EXPECT_EQ(w.Allocate(1000, Uuid::Random(), &more, &error), hr::kBgETooManyJobsPerUser);
  EXPECT_NE(error.find("uid 1000"), std::string::npos) << error;
  ASSERT_EQ(w.Free(refs[1]), hr::kOk);
  ASSERT_EQ(w.Allocate(1000, Uuid::Random(), &more), hr::kOk);
  EXPECT_EQ(more.segment, 0u);
  EXPECT_EQ(more.index, 1u);

  ProgressPageReader r;
  const JobCells* cells = nullptr;
  std::string e;
  ASSERT_EQ(r.Map(::dup(w.SegmentFds(1000)[0]), &e), hr::kOk) << e;
  EXPECT_TRUE(r.Cells(refs[0], &cells));
  EXPECT_FALSE(r.Cells(refs[2], &cells)) << "segment 1 was never mapped";
  ASSERT_EQ(r.Map(::dup(w.SegmentFds(1000)[1]), &e), hr::kOk) << e;
  EXPECT_TRUE(r.Cells(refs[2], &cells));
  EXPECT_EQ(r.Map(::dup(w.SegmentFds(1000)[1]), &e), hr::kFalse) << "already mapped";
  SlotRef past = refs[3];
  past.index = 2;
  EXPECT_FALSE(r.Cells(past, &cells));
}

TEST(ProgressPage, EachUserHasAPageSetOfItsOwn) {
  ProgressPageWriter w;
  SlotRef mine, theirs;
  ASSERT_EQ(w.Allocate(1000, Uuid::Random(), &mine), hr::kOk);
  ASSERT_EQ(w.Allocate(1001, Uuid::Random(), &theirs), hr::kOk);
  ASSERT_EQ(w.SegmentFds(1000).size(), 1u);
  ASSERT_EQ(w.SegmentFds(1001).size(), 1u);
  EXPECT_NE(w.SegmentFds(1000)[0], w.SegmentFds(1001)[0]);
  EXPECT_TRUE(w.SegmentFds(1002).empty());
  ProgressPageReader r;
  MapAll(w, 1000, &r);
  const JobCells* cells = nullptr;
  EXPECT_TRUE(r.Cells(mine, &cells));
  EXPECT_FALSE(r.Cells(theirs, &cells)) << "another user's slot, never sent to this reader";
  EXPECT_EQ(w.Free({1002, 0, 0, 1}), hr::kInvalidArg);
}

TEST(ProgressPage, MapRefusesWhatIsNotASealedSegment) {
  ProgressPageReader r;
  std::string error;
  EXPECT_EQ(r.Map(-1, &error), hr::kInvalidArg);
  // An unsealed memfd could shrink under the reader's mapping.
  int fd = ::memfd_create("test", MFD_CLOEXEC | MFD_ALLOW_SEALING);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::ftruncate(fd, 4096), 0);
  EXPECT_EQ(r.Map(fd, &error), hr::kInvalidArg);
  EXPECT_NE(error.find("sealed"), std::string::npos) << error;
  // Sealed, but not a progress segment.
  fd = ::memfd_create("test", MFD_CLOEXEC | MFD_ALLOW_SEALING);
  ASSERT_EQ(::ftruncate(fd, 4096), 0);
  ASSERT_EQ(::fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK), 0);
  EXPECT_EQ(r.Map(fd, &error), hr::kInvalidArg);
  EXPECT_NE(error.find("not a version"), std::string::npos) << error;
  // A header that promises more slots than the segment holds.
  fd = ::memfd_create("test", MFD_CLOEXEC | MFD_ALLOW_SEALING);
  ASSERT_EQ(::ftruncate(fd, 4096), 0);
  PageHeader h;
  h.magic = kPageMagic;
  h.version = kPageVersion;
  h.header_size = sizeof(PageHeader);
  h.slot_size = sizeof(PageSlot);
  h.slot_count = 1000;
  ASSERT_EQ(::pwrite(fd, &h, sizeof h, 0), static_cast<ssize_t>(sizeof h));
  ASSERT_EQ(::fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK), 0);
  EXPECT_EQ(r.Map(fd, &error), hr::kInvalidArg);
  EXPECT_NE(error.find("cannot hold 1000 slots"), std::string::npos) << error;
  EXPECT_FALSE(r.Current({0, 0, 0, 0}, Uuid{}));
}

// A child process writes a monotonic stream; this one reads it through its own read-only
// mapping of the segment it was sent, and never sees a torn or backward value.
TEST(ProgressPage, AnotherProcessReadsAConsistentMonotonicStream) {
  int sv[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
  constexpr std::uint64_t kLast = 300000;
  const Uuid id = Uuid::Random();
  const pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    ::close(sv[0]);
    ProgressPageWriter w;
    SlotRef ref;
    if (w.Allocate(::getuid(), id, &ref) != hr::kOk) ::_exit(2);
    const std::string msg(reinterpret_cast<const char*>(&ref), sizeof ref);
    if (SendWithFds(sv[1], msg, w.SegmentFds(::getuid())) != 0) ::_exit(3);
    char go;
    if (::read(sv[1], &go, 1) != 1) ::_exit(4);
    for (std::uint64_t i = 1; i < kLast; ++i) w.Publish(ref, Figures(i));
    JobFigures last = Figures(kLast);
    last.state = JobState::kTransferred;
    w.Publish(ref, last);
    ::_exit(0);
  }
  ::close(sv[1]);
  SlotRef ref;
  std::vector<int> fds;
  std::size_t got = 0;
  ASSERT_EQ(RecvWithFds(sv[0], {reinterpret_cast<char*>(&ref), sizeof ref}, &got, &fds, 1), 0);
  ASSERT_EQ(got, sizeof ref);
  ASSERT_EQ(fds.size(), 1u);
  ProgressPageReader r;
  std::string error;
  ASSERT_EQ(r.Map(fds[0], &error), hr::kOk) << error;
  const JobCells* cells = nullptr;
  ASSERT_TRUE(r.Cells(ref, &cells));
  ASSERT_TRUE(r.Current(ref, id));
  const testing::CellsHandle h(id, cells);
  ASSERT_EQ(::write(sv[0], "g", 1), 1);
  std::uint64_t previous = 0;
  std::uint64_t distinct = 0;
  for (;;) {
    const JobState state = h.State();
    const JobProgress p = h.Progress();
    ExpectWhole(p);
    ASSERT_GE(p.bytes_transferred, previous) << "progress went backwards";
    distinct += p.bytes_transferred != previous;
    previous = p.bytes_transferred;
    const SourceBytes s = h.Sources();
    ASSERT_EQ(s.from_http, 2 * s.from_peers);
    if (state == JobState::kTransferred) {
      // The state is stored last: TRANSFERRED comes with the final figures.
      EXPECT_EQ(h.Progress().bytes_transferred, kLast);
      break;
    }
  }
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
  EXPECT_GE(distinct, 1u);
  ::close(sv[0]);
}

// One writer thread, readers on others (the TSan build checks the page's words are read and
// written only through atomics).
TEST(ProgressPage, ConcurrentReadersSeeWholeMonotonicValues) {
  ProgressPageWriter w;
  SlotRef ref;
  const Uuid id = Uuid::Random();
  ASSERT_EQ(w.Allocate(1000, id, &ref), hr::kOk);
  ProgressPageReader r;
  MapAll(w, 1000, &r);
  const JobCells* cells = nullptr;
  ASSERT_TRUE(r.Cells(ref, &cells));
  const testing::CellsHandle h(id, cells);
  std::atomic<bool> done{false};
  std::atomic<long> reads{0};
  std::vector<std::thread> readers;
  for (int t = 0; t < 2; ++t) {
    readers.emplace_back([&] {
      std::uint64_t previous = 0;
      while (!done.load()) {
        const JobProgress p = h.Progress();
        ExpectWhole(p);
        ASSERT_GE(p.bytes_transferred, previous);
        previous = p.bytes_transferred;
        ASSERT_LE(h.Activity().peer_connections, 4u);
        r.Current(ref, id);
        reads.fetch_add(1);
      }
    });
  }
  std::uint64_t i = 1;
  for (; i < 50000 || reads.load() < 10000; ++i) ASSERT_EQ(w.Publish(ref, Figures(i)), hr::kOk);
  ASSERT_EQ(w.Free(ref), hr::kOk);
  done = true;
  for (auto& t : readers) t.join();
  EXPECT_FALSE(r.Current(ref, id));
  EXPECT_EQ(h.Progress().bytes_transferred, i - 1);
}

}  // namespace
}  // namespace shoal::api
