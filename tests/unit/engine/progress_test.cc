#include "engine/progress.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>
#include <random>

namespace shoal::engine {
namespace {

TEST(ProgressTracker, EmptyJobIsAllZeros) {
  ProgressTracker t;
  const JobProgress p = t.Progress();
  EXPECT_EQ(p.bytes_total, 0u);
  EXPECT_EQ(p.bytes_transferred, 0u);
  EXPECT_EQ(p.files_total, 0u);
  EXPECT_EQ(p.files_transferred, 0u);
}

TEST(ProgressTracker, TotalUnknownWhileAnyFileSizeIsUnknown) {
  ProgressTracker t;
  t.AddFile(1000);
  const int second = t.AddFile();
  EXPECT_EQ(t.Progress().bytes_total, kSizeUnknown);
  EXPECT_EQ(t.Progress().files_total, 2u);
  t.SetFileSize(second, 500);
  EXPECT_EQ(t.Progress().bytes_total, 1500u);
}

TEST(ProgressTracker, CountsEachPieceOnceAndCapsAtFileSize) {
  ProgressTracker t;
  const int f = t.AddFile(2500);
  const int key = t.AddTorrent({1024, {{2500, f}}});
  ASSERT_GE(key, 0);
  EXPECT_EQ(t.num_pieces(key), 3);
  EXPECT_EQ(t.OnPieceVerified(key, 2), 452u);  // the short last piece
  EXPECT_EQ(t.OnPieceVerified(key, 2), 0u);    // repeated: nothing
  EXPECT_EQ(t.OnPieceVerified(key, 7), 0u);    // out of range: nothing
  EXPECT_EQ(t.OnPieceVerified(key, -1), 0u);
  EXPECT_EQ(t.Progress().bytes_transferred, 452u);
  EXPECT_FALSE(t.FileDone(f));
  t.OnPieceVerified(key, 0);
  t.OnPieceVerified(key, 1);
  EXPECT_TRUE(t.FileDone(f));
  const JobProgress p = t.Progress();
  EXPECT_EQ(p.bytes_transferred, p.bytes_total);
  EXPECT_EQ(p.files_transferred, 1u);
}

TEST(ProgressTracker, PiecesSpanningFilesSplitTheirBytes) {
  ProgressTracker t;
  const int a = t.AddFile(1500);
  const int b = t.AddFile(700);
  const int key = t.AddTorrent({1024, {{1500, a}, {700, b}}});
  // Piece 1 covers a[1024,1500) and b[0,548).
  EXPECT_EQ(t.OnPieceVerified(key, 1), 1024u);
  EXPECT_EQ(t.File(a).bytes_transferred, 476u);
  EXPECT_EQ(t.File(b).bytes_transferred, 548u);
  EXPECT_EQ(t.OnPieceVerified(key, 2), 152u);
  EXPECT_TRUE(t.FileDone(b));
  EXPECT_EQ(t.Progress().files_transferred, 1u);
}

TEST(ProgressTracker, PadFilesCountForNothing) {
  // A v2/hybrid layout: each file padded to the piece boundary.
  ProgressTracker t;
  const int a = t.AddFile(1000);
  const int b = t.AddFile(3000);
  const int key = t.AddTorrent({1024, {{1000, a}, {24, -1}, {3000, b}, {72, -1}}});
  std::uint64_t sum = 0;
  for (int piece = 0; piece < t.num_pieces(key); ++piece) sum += t.OnPieceVerified(key, piece);
  EXPECT_EQ(sum, 4000u);
  const JobProgress p = t.Progress();
  EXPECT_EQ(p.bytes_total, 4000u);
  EXPECT_EQ(p.bytes_transferred, 4000u);
  EXPECT_EQ(p.files_transferred, 2u);
}

TEST(ProgressTracker, OutOfOrderCompletionIsMonotonicAndExact) {
  ProgressTracker t;
  const int a = t.AddFile(10'000'000);
  const int b = t.AddFile(3'333'333);
  const int key = t.AddTorrent({65536, {{10'000'000, a}, {3'333'333, b}}});
  std::vector<int> order(t.num_pieces(key));
  std::iota(order.begin(), order.end(), 0);
  std::shuffle(order.begin(), order.end(), std::mt19937(42));
  std::uint64_t last = 0;
  for (int piece : order) {
    t.OnPieceVerified(key, piece);
    const JobProgress p = t.Progress();
    EXPECT_GE(p.bytes_transferred, last);
    EXPECT_LE(p.bytes_transferred, p.bytes_total);
    last = p.bytes_transferred;
  }
  EXPECT_EQ(last, 13'333'333u);
  EXPECT_EQ(t.Progress().files_transferred, 2u);
}

TEST(ProgressTracker, FailedPiecesNeverCount) {
  // A piece that failed its hash never reaches OnPieceVerified; only verified ones add up.
  ProgressTracker t;
  const int f = t.AddFile(4096);
  const int key = t.AddTorrent({1024, {{4096, f}}});
  t.OnPieceVerified(key, 0);
  t.OnPieceVerified(key, 3);
  EXPECT_EQ(t.Progress().bytes_transferred, 2048u);
  EXPECT_EQ(t.Progress().files_transferred, 0u);
}

TEST(ProgressTracker, RejectsMalformedLayouts) {
  ProgressTracker t;
  t.AddFile(10);
  EXPECT_EQ(t.AddTorrent({0, {{10, 0}}}), -1);
  EXPECT_EQ(t.AddTorrent({1024, {}}), -1);
  EXPECT_EQ(t.AddTorrent({1024, {{10, 5}}}), -1);
}

}  // namespace
}  // namespace shoal::engine

namespace shoal::engine {
namespace {

TEST(ProgressTracker, StreamedBytesCountUpToTheSizeAndMayRestart) {
  ProgressTracker t;
  const int a = t.AddFile();  // size unknown until the body ends
  const int b = t.AddFile(100);
  t.SetStreamedBytes(a, 40);
  EXPECT_EQ(t.Progress().bytes_total, kSizeUnknown);
  EXPECT_EQ(t.Progress().bytes_transferred, 40u);
  t.SetStreamedBytes(b, 150);
  EXPECT_EQ(t.File(b).bytes_transferred, 100u) << "never above the size";
  EXPECT_TRUE(t.FileDone(b));
  t.SetStreamedBytes(b, 0);  // a restart from zero
  EXPECT_FALSE(t.FileDone(b));
  t.SetFileSize(a, 30);      // the size turned out smaller than what was counted
  EXPECT_EQ(t.File(a).bytes_transferred, 30u);
  EXPECT_EQ(t.Progress().bytes_total, 130u);
}

}  // namespace
}  // namespace shoal::engine

namespace shoal::engine {
namespace {

// do-api.md §6.2 (BG_JOB_PROGRESS with ranges, IBackgroundCopyJob3::AddFileWithRanges):
// "With ranges, totals are range sums"; a file with ranges is transferred once they all are.
TEST(ProgressTrackerRanges, TotalsAreTheRangeSumsAndOnlyWantedBytesCount) {
  ProgressTracker t;
  const int f = t.AddFile();
  t.SetFileRanges(f, {{2000, kLengthToEof}, {100, 50}});
  EXPECT_EQ(t.File(f).bytes_total, kSizeUnknown);  // the end is not known yet
  t.SetFileSize(f, 2500);
  EXPECT_EQ(t.File(f).bytes_total, 550u);
  EXPECT_EQ(t.Progress().bytes_total, 550u);
  const int key = t.AddTorrent({1024, {{2500, f}}});
  ASSERT_GE(key, 0);
  EXPECT_TRUE(t.PieceWanted(key, 0));  // 100-149
  EXPECT_TRUE(t.PieceWanted(key, 1));  // 2000-2047
  EXPECT_TRUE(t.PieceWanted(key, 2));  // 2048-2499
  EXPECT_EQ(t.OnPieceVerified(key, 1), 48u);
  EXPECT_FALSE(t.FileDone(f));
  EXPECT_EQ(t.OnPieceVerified(key, 0), 50u);
  EXPECT_EQ(t.OnPieceVerified(key, 2), 452u);
  EXPECT_TRUE(t.FileDone(f));
  const JobProgress p = t.Progress();
  EXPECT_EQ(p.bytes_transferred, 550u);
  EXPECT_EQ(p.files_transferred, 1u);
}

TEST(ProgressTrackerRanges, PiecesWithoutAWantedByteAreNotWanted) {
  ProgressTracker t;
  const int f = t.AddFile(10 * 1024);
  t.SetFileRanges(f, {{5 * 1024 + 7, 10}});
  const int key = t.AddTorrent({1024, {{10 * 1024, f}}});
  for (int p = 0; p < t.num_pieces(key); ++p) EXPECT_EQ(t.PieceWanted(key, p), p == 5) << p;
  EXPECT_EQ(t.OnPieceVerified(key, 4), 0u);  // verified, but nothing wanted in it
  EXPECT_EQ(t.OnPieceVerified(key, 5), 10u);
  EXPECT_TRUE(t.FileDone(f));
}

TEST(ProgressTrackerRanges, StreamedBytesStopAtTheRangeSum) {
  ProgressTracker t;
  const int f = t.AddFile(1000);
  t.SetFileRanges(f, {{0, 10}, {500, 20}});
  t.SetStreamedBytes(f, 999);
  EXPECT_EQ(t.File(f).bytes_transferred, 30u);
  EXPECT_TRUE(t.FileDone(f));
}

}  // namespace
}  // namespace shoal::engine
