#include "engine/content_range.h"

#include <gtest/gtest.h>

namespace shoal::engine {
namespace {

TEST(ContentRange, ParsesARangeWithItsCompleteLength) {
  const auto r = ParseContentRange("bytes 100-199/1000");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->first, 100u);
  EXPECT_EQ(r->last, 199u);
  EXPECT_EQ(r->total, 1000u);
  EXPECT_EQ(r->length(), 100u);
}

TEST(ContentRange, AnUnknownCompleteLengthIsSizeUnknown) {
  const auto r = ParseContentRange("  Bytes 0-0/*\t");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->length(), 1u);
  EXPECT_EQ(r->total, kSizeUnknown);
}

TEST(ContentRange, RefusesWhatIsNotASatisfiedByteRange) {
  for (const char* bad : {"", "bytes", "bytes ", "bytes */1000", "items 0-1/2", "bytes 5-4/10",
                          "bytes 0-10/10", "bytes -1-5/10", "bytes 0--5/10", "bytes +0-5/10",
                          "bytes 0-5/10 junk", "bytes 0-5/", "bytes 0 -5/10", "bytes0-5/10",
                          "bytes 0-18446744073709551616/*", "bytes 0-18446744073709551615/*",
                          "bytes 0-5/18446744073709551615", "bytes 0-5/-10", "bytes 0x0-5/10"}) {
    EXPECT_FALSE(ParseContentRange(bad)) << bad;
  }
}

TEST(ContentRange, TakesTheLargestRepresentableLengths) {
  const auto r = ParseContentRange("bytes 0-18446744073709551613/18446744073709551614");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->last, 18446744073709551613u);
}

}  // namespace
}  // namespace shoal::engine
