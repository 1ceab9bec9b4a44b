// Byte ranges as the documentation states them. IBackgroundCopyJob3::AddFileWithRanges
// (learn.microsoft.com/windows/win32/api/bits2_0/nf-bits2_0-ibackgroundcopyjob3-addfilewithranges):
// RangeCount zero is E_INVALIDARG; "InitialOffset is set to BG_LENGTH_TO_EOF" is
// BG_E_INVALID_RANGE; duplicate or overlapping ranges are BG_E_OVERLAPPING_RANGES, "ranges are
// sorted by offset value, not length" (so the same offset twice, in either order, overlaps);
// "the ranges are written to the LocalName file in the order given" (packed: ranges 100-199,
// 900-999, 400-499 make a 300-byte file). DO_DOWNLOAD_RANGE: "Do not specify a zero-byte length".
#include "engine/byte_ranges.h"

#include <gtest/gtest.h>

#include "tests/support/fixtures.h"

namespace shoal::engine {
namespace {

TEST(ValidateRanges, AcceptsDisjointRangesInAnyOrder) {
  EXPECT_EQ(ValidateRanges({{900, 100}, {100, 100}, {400, 100}}, kSizeUnknown), hr::kOk);
  EXPECT_EQ(ValidateRanges({{0, 1}, {1, kLengthToEof}}, 10), hr::kOk);
}

TEST(ValidateRanges, NoRangesIsInvalidArg) {
  EXPECT_EQ(ValidateRanges({}, kSizeUnknown), hr::kInvalidArg);
}

TEST(ValidateRanges, AnOffsetOfLengthToEofOrAZeroLengthIsAnInvalidRange) {
  EXPECT_EQ(ValidateRanges({{kLengthToEof, 10}}, kSizeUnknown), hr::kBgEInvalidRange);
  EXPECT_EQ(ValidateRanges({{5, 0}}, kSizeUnknown), hr::kBgEInvalidRange);
}

TEST(ValidateRanges, ARangePastAKnownSizeIsAnInvalidRange) {
  EXPECT_EQ(ValidateRanges({{10, 1}}, 10), hr::kBgEInvalidRange);
  EXPECT_EQ(ValidateRanges({{5, 6}}, 10), hr::kBgEInvalidRange);
  EXPECT_EQ(ValidateRanges({{5, 5}}, 10), hr::kOk);
  EXPECT_EQ(ValidateRanges({{9, kLengthToEof}}, 10), hr::kOk);
  // Unknown size: only the server can tell later.
  EXPECT_EQ(ValidateRanges({{1u << 30, 1}}, kSizeUnknown), hr::kOk);
}

TEST(ValidateRanges, OverlapsAndDuplicatesAreFoundInOffsetOrder) {
  EXPECT_EQ(ValidateRanges({{400, 100}, {100, 301}}, kSizeUnknown), hr::kBgEOverlappingRanges);
  EXPECT_EQ(ValidateRanges({{100, 5}, {100, 5}}, kSizeUnknown), hr::kBgEOverlappingRanges);
  EXPECT_EQ(ValidateRanges({{100, 5}, {100, 1}}, kSizeUnknown), hr::kBgEOverlappingRanges);
  EXPECT_EQ(ValidateRanges({{0, kLengthToEof}, {50, 1}}, kSizeUnknown), hr::kBgEOverlappingRanges);
  EXPECT_EQ(ValidateRanges({{100, 100}, {200, 1}}, kSizeUnknown), hr::kOk);  // adjacent
  EXPECT_EQ(ValidateRanges({{1, kLengthToEof - 1}, {0, 1}}, kSizeUnknown), hr::kOk);
}

TEST(ResolveRanges, ToTheEndTakesTheRestAndKeepsTheOrder) {
  std::vector<ByteRange> out;
  ASSERT_EQ(ResolveRanges({{900, kLengthToEof}, {100, 100}}, 1000, &out), hr::kOk);
  EXPECT_EQ(out, (std::vector<ByteRange>{{900, 100}, {100, 100}}));
  EXPECT_EQ(RangeBytes({{900, kLengthToEof}, {100, 100}}, 1000), 200u);
  EXPECT_EQ(ResolveRanges({{1000, kLengthToEof}}, 1000, &out), hr::kBgEInvalidRange);
  EXPECT_FALSE(RangesOutside({{999, 2}}, 1000).empty());
  EXPECT_TRUE(RangesOutside({{999, 1}}, 1000).empty());
}

TEST(CoveredBytes, CountsOnlyTheBytesInsideTheRanges) {
  const std::vector<ByteRange> r = {{100, 100}, {400, 100}};
  EXPECT_EQ(CoveredBytes(r, 0, 100), 0u);
  EXPECT_EQ(CoveredBytes(r, 0, 1024), 200u);
  EXPECT_EQ(CoveredBytes(r, 150, 450), 100u);
}

TEST(EncodeRanges, RoundTripsAndRejectsJunk) {
  const std::vector<ByteRange> r = {{5, 10}, {100, kLengthToEof}};
  EXPECT_EQ(EncodeRanges(r), "5:10,100:eof");
  std::vector<ByteRange> back;
  ASSERT_TRUE(DecodeRanges(EncodeRanges(r), &back));
  EXPECT_EQ(back, r);
  ASSERT_TRUE(DecodeRanges("", &back));
  EXPECT_TRUE(back.empty());
  for (const char* bad : {"5", "5:", ":5", "5:10,", "a:1", "1:-1", "1:2:3",
                          "1:18446744073709551615", "1:99999999999999999999"}) {
    EXPECT_FALSE(DecodeRanges(bad, &back)) << bad;
  }
}

TEST(PackRanges, WritesTheRangesOneAfterAnotherInTheGivenOrder) {
  testing::TempDir dir;
  const std::string data = testing::RandomBytes(1000, 3);
  testing::WriteFile(dir / "from", data);
  std::string why;
  // The documentation's example: 100-199, 900-999, 400-499 make a 300-byte file.
  ASSERT_EQ(PackRanges(dir / "from", dir / "to", {{100, 100}, {900, 100}, {400, 100}}, &why),
            hr::kOk)
      << why;
  EXPECT_EQ(testing::ReadFile(dir / "to"),
            data.substr(100, 100) + data.substr(900, 100) + data.substr(400, 100));
  // Shorter than its ranges: an error, and nothing left behind.
  EXPECT_TRUE(hr::Failed(PackRanges(dir / "from", dir / "short", {{990, 20}}, &why)));
  EXPECT_FALSE(std::filesystem::exists(dir / "short"));
}

}  // namespace
}  // namespace shoal::engine
