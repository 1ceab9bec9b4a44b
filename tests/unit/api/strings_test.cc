// The facade's edge conversions: UTF-32 wchar_t <-> UTF-8 and FILETIME.
#include "api/src/strings.h"

#include <gtest/gtest.h>

#include "shoal/deliveryoptimization.h"

namespace shoal::api {
namespace {

TEST(Strings, WideToUtf8EncodesEveryPlane) {
  std::string out;
  ASSERT_TRUE(WideToUtf8(L"a\u00e9\u20ac\U0001F600", &out));
  EXPECT_EQ(out, "a\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80");
}

TEST(Strings, WideToUtf8RejectsSurrogatesAndOutOfRange) {
  std::string out = "unchanged";
  const wchar_t surrogate[] = {static_cast<wchar_t>(0xD800), 0};
  EXPECT_FALSE(WideToUtf8(surrogate, &out));
  const wchar_t too_big[] = {static_cast<wchar_t>(0x110000), 0};
  EXPECT_FALSE(WideToUtf8(too_big, &out));
  EXPECT_EQ(out, "unchanged");
}

TEST(Strings, Utf8ToWideRoundTripsAndReplacesMalformedBytes) {
  EXPECT_EQ(Utf8ToWide("a\xC3\xA9\xF0\x9F\x98\x80"), L"a\u00e9\U0001F600");
  EXPECT_EQ(Utf8ToWide("x\xFFy"), L"x\uFFFDy");
  EXPECT_EQ(Utf8ToWide("\xC0\x80"), L"\uFFFD\uFFFD");  // overlong NUL
  EXPECT_EQ(Utf8ToWide("\xE2\x82"), L"\uFFFD\uFFFD");  // truncated
}

TEST(Strings, CopyOutAllocatesATerminatedTaskMemString) {
  LPWSTR s = nullptr;
  ASSERT_EQ(CopyOutUtf8("h\xC3\xA9llo", &s), S_OK);
  ASSERT_NE(s, nullptr);
  EXPECT_STREQ(s, L"h\u00e9llo");
  CoTaskMemFree(s);
  EXPECT_EQ(CopyOutUtf8("x", nullptr), E_POINTER);
}

TEST(Strings, FileTimeCountsHundredNanosecondsSince1601) {
  const FILETIME zero = ToFileTime(0);
  EXPECT_EQ(zero.dwLowDateTime, 0u);
  EXPECT_EQ(zero.dwHighDateTime, 0u);
  // 2000-01-01T00:00:00Z = 946684800 s after the Unix epoch = 125911584000000000 in FILETIME.
  const FILETIME y2k = ToFileTime(946684800LL * 1000000000LL);
  const std::uint64_t t = (std::uint64_t{y2k.dwHighDateTime} << 32) | y2k.dwLowDateTime;
  EXPECT_EQ(t, 125911584000000000ULL);
}

}  // namespace
}  // namespace shoal::api
