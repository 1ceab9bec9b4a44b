// The origin's parsers of untrusted request parts, and its rate limiter with a fake clock.
#include "origin/http_range.h"

#include <gtest/gtest.h>

#include "origin/token_bucket.h"

namespace shoal::origin {
namespace {

RangeResult Parse(const char* header, std::uint64_t size, ByteRange* r) {
  return ParseRange(header, size, r);
}

TEST(HttpRange, ParsesEveryForm) {
  ByteRange r;
  ASSERT_EQ(Parse("bytes=0-99", 1000, &r), RangeResult::kPartial);
  EXPECT_EQ(r.first, 0u);
  EXPECT_EQ(r.length, 100u);
  ASSERT_EQ(Parse("bytes=900-", 1000, &r), RangeResult::kPartial);
  EXPECT_EQ(r.first, 900u);
  EXPECT_EQ(r.length, 100u);
  ASSERT_EQ(Parse("bytes=-10", 1000, &r), RangeResult::kPartial);
  EXPECT_EQ(r.first, 990u);
  EXPECT_EQ(r.length, 10u);
  ASSERT_EQ(Parse("bytes=-5000", 1000, &r), RangeResult::kPartial);  // suffix longer than file
  EXPECT_EQ(r.first, 0u);
  EXPECT_EQ(r.length, 1000u);
  ASSERT_EQ(Parse("Bytes=5-5000 ", 1000, &r), RangeResult::kPartial);  // clamped
  EXPECT_EQ(r.first, 5u);
  EXPECT_EQ(r.length, 995u);
}

TEST(HttpRange, ReportsUnsatisfiable) {
  ByteRange r;
  EXPECT_EQ(Parse("bytes=1000-", 1000, &r), RangeResult::kUnsatisfiable);
  EXPECT_EQ(Parse("bytes=1000-2000", 1000, &r), RangeResult::kUnsatisfiable);
  EXPECT_EQ(Parse("bytes=-0", 1000, &r), RangeResult::kUnsatisfiable);
  EXPECT_EQ(Parse("bytes=0-", 0, &r), RangeResult::kUnsatisfiable);
}

TEST(HttpRange, IgnoresInvalidAndMultipleRanges) {
  ByteRange r;
  for (const char* h : {"", "bytes", "items=0-1", "bytes=a-b", "bytes=5-1", "bytes=-",
                        "bytes=0-1,5-6", "bytes=+1-2", "bytes=99999999999999999999999-",
                        "bytes=1"}) {
    EXPECT_EQ(Parse(h, 1000, &r), RangeResult::kFull) << h;
  }
}

TEST(HttpTarget, DecodesAndNormalizes) {
  std::string path;
  ASSERT_EQ(DecodeTarget("/a%20b/./c.bin?x=1#f", &path), TargetResult::kOk);
  EXPECT_EQ(path, "/a b/c.bin");
  ASSERT_EQ(DecodeTarget("http://host:8080//x//y", &path), TargetResult::kOk);
  EXPECT_EQ(path, "/x/y");
  ASSERT_EQ(DecodeTarget("/", &path), TargetResult::kOk);
  EXPECT_EQ(path, "/");
}

TEST(HttpTarget, RefusesTraversalInEveryEncoding) {
  std::string path;
  for (const char* t : {"/..", "/a/../b", "/%2e%2e/x", "/%2E%2e%2Fetc", "/a%2f..%2fb", "/.%2e/"}) {
    EXPECT_EQ(DecodeTarget(t, &path), TargetResult::kForbidden) << t;
  }
}

TEST(HttpTarget, RejectsMalformedTargets) {
  std::string path;
  for (const char* t : {"", "x", "*", "/%", "/%2", "/%zz", "/a%00b"}) {
    EXPECT_EQ(DecodeTarget(t, &path), TargetResult::kBadRequest) << t;
  }
}

TEST(TokenBucket, OverdraftBecomesWait) {
  using namespace std::chrono;
  const auto t0 = TokenBucket::Clock::now();
  TokenBucket b(1 << 20);  // 1 MiB/s: 100 KiB burst (capacity), 20 KiB chunks
  EXPECT_EQ(b.ChunkSize(1 << 30), (1u << 20) / 50);
  EXPECT_EQ(b.Reserve(100 << 10, t0), TokenBucket::Clock::duration::zero());
  const auto wait = b.Reserve(512 << 10, t0 + milliseconds(1));  // ~0.5 s of debt
  EXPECT_NEAR(duration<double>(wait).count(), 0.5, 0.01);
  const auto next = b.Reserve(1 << 20, t0 + milliseconds(1));  // queued behind it
  EXPECT_NEAR(duration<double>(next).count(), 1.5, 0.01);
}

TEST(TokenBucket, UnlimitedNeverWaits) {
  TokenBucket b(0);
  EXPECT_EQ(b.Reserve(1ull << 40), TokenBucket::Clock::duration::zero());
  EXPECT_EQ(b.ChunkSize(12345), 12345u);
  b.SetRate(1000);
  EXPECT_EQ(b.rate(), 1000u);
}

}  // namespace
}  // namespace shoal::origin
