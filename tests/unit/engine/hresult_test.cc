#include "engine/hresult.h"

#include <gtest/gtest.h>

#include <cerrno>

namespace shoal::hr {
namespace {

TEST(HResult, WindowsValues) {
  EXPECT_EQ(static_cast<std::uint32_t>(kBgEInvalidState), 0x80200002u);
  EXPECT_EQ(static_cast<std::uint32_t>(kBgEEmpty), 0x80200003u);
  EXPECT_EQ(static_cast<std::uint32_t>(HttpError(404)), 0x80190194u);
  EXPECT_EQ(static_cast<std::uint32_t>(kDiskFull), 0x80070070u);
  EXPECT_EQ(static_cast<std::uint32_t>(kInternetCannotConnect), 0x80072EFDu);
  EXPECT_EQ(kBgSPartialComplete, 0x00200017);
  EXPECT_TRUE(Succeeded(kBgSPartialComplete));
  EXPECT_TRUE(Failed(kInvalidArg));
}

TEST(HResult, ErrnoMapsToWhatBitsReports) {
  EXPECT_EQ(FromErrno(ENOENT), kPathNotFound);
  EXPECT_EQ(FromErrno(EACCES), kAccessDenied);
  EXPECT_EQ(FromErrno(ENOSPC), kDiskFull);
}

TEST(HResult, ErrorCodeCarriesValueAndText) {
  const std::error_code ec = MakeErrorCode(HttpError(503));
  EXPECT_EQ(ec.value(), HttpError(503));
  EXPECT_NE(ec.message().find("503"), std::string::npos);
  EXPECT_NE(MakeErrorCode(kBgEEmpty).message().find("no files"), std::string::npos);
}

TEST(HResult, HttpAndTransportErrorsHaveUsefulText) {
  EXPECT_NE(Describe(HttpError(503)).find("Service Unavailable"), std::string::npos);
  EXPECT_NE(Describe(HttpError(503)).find("temporary"), std::string::npos);
  EXPECT_NE(Describe(HttpError(404)).find("will not help"), std::string::npos);
  EXPECT_NE(Describe(HttpError(599)).find("599"), std::string::npos);
  EXPECT_EQ(static_cast<std::uint32_t>(kInternetHttpsToHttpOnRedir), 0x80072F08u);
  EXPECT_EQ(static_cast<std::uint32_t>(kHttpRedirectFailed), 0x80072F7Cu);
  for (HResult h : {kInternetConnectionAborted, kInternetHttpsToHttpOnRedir, kInternetInvalidCa,
                    kHttpInvalidServerResponse, kHttpRedirectFailed, kInternetSecureFailure}) {
    EXPECT_FALSE(Describe(h).empty()) << std::hex << h;
  }
}

}  // namespace
}  // namespace shoal::hr
