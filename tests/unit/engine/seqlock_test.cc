#include "engine/seqlock.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "engine/types.h"

namespace shoal::engine {
namespace {

TEST(SeqLocked, ReadersNeverSeeATornValue) {
  SeqLocked<JobProgress> cell;
  std::atomic<bool> done{false};
  std::atomic<long> reads{0};
  std::thread reader([&] {
    while (!done.load()) {
      const JobProgress p = cell.Load();
      // The writer keeps every field derived from one counter.
      ASSERT_EQ(p.bytes_total, p.bytes_transferred * 2);
      ASSERT_EQ(p.files_total, static_cast<std::uint32_t>(p.bytes_transferred % 1000));
      ASSERT_EQ(p.files_transferred, p.files_total);
      reads.fetch_add(1);
    }
  });
  // Keep writing until the reader has overlapped many writes (on a loaded machine it may start
  // late), so the check above runs against a live writer.
  std::uint64_t i = 0;
  for (; i < 200000 || reads.load() < 10000; ++i) {
    const auto f = static_cast<std::uint32_t>(i % 1000);
    cell.Store({i * 2, i, f, f});
  }
  done = true;
  reader.join();
  EXPECT_GE(reads.load(), 10000);
  EXPECT_EQ(cell.Load().bytes_transferred, i - 1);
}

}  // namespace
}  // namespace shoal::engine
