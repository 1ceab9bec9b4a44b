// The Windows vocabulary: HRESULT values equal the engine's, GUIDs equal the documented ones,
// and the HRESULT macros behave as Windows'.
#include <gtest/gtest.h>

#include <cstdio>
#include <string>

#include "engine/hresult.h"
#include "shoal/deliveryoptimization.h"

namespace {

namespace hr = shoal::hr;

// The facade's names and the engine's constants must never drift apart.
static_assert(S_OK == hr::kOk && S_FALSE == hr::kFalse);
static_assert(E_NOTIMPL == hr::kNotImpl && E_NOINTERFACE == hr::kNoInterface);
static_assert(E_POINTER == hr::kPointer && E_FAIL == hr::kFail);
static_assert(E_UNEXPECTED == hr::kUnexpected && E_ACCESSDENIED == hr::kAccessDenied);
static_assert(E_OUTOFMEMORY == hr::kOutOfMemory && E_INVALIDARG == hr::kInvalidArg);
static_assert(E_NOT_SET == hr::kNotSet && E_NOT_SET == HRESULT_FROM_WIN32(1168));
static_assert(BG_S_PARTIAL_COMPLETE == hr::kBgSPartialComplete);
static_assert(BG_S_UNABLE_TO_DELETE_FILES == hr::kBgSUnableToDeleteFiles);
static_assert(BG_E_NOT_FOUND == hr::kBgENotFound);
static_assert(BG_E_INVALID_STATE == hr::kBgEInvalidState);
static_assert(BG_E_EMPTY == hr::kBgEEmpty);
static_assert(BG_E_FILE_NOT_AVAILABLE == hr::kBgEFileNotAvailable);
static_assert(BG_E_PROTOCOL_NOT_AVAILABLE == hr::kBgEProtocolNotAvailable);
static_assert(BG_E_ERROR_INFORMATION_UNAVAILABLE == hr::kBgEErrorInformationUnavailable);
static_assert(BG_E_INSUFFICIENT_HTTP_SUPPORT == hr::kBgEInsufficientHttpSupport);
static_assert(BG_E_INSUFFICIENT_RANGE_SUPPORT == hr::kBgEInsufficientRangeSupport);
static_assert(BG_E_REMOTE_NOT_SUPPORTED == hr::kBgERemoteNotSupported);
static_assert(BG_E_STRING_TOO_LONG == hr::kBgEStringTooLong);
static_assert(BG_E_TOO_MANY_JOBS_PER_USER == hr::kBgETooManyJobsPerUser);
static_assert(BG_E_TOO_MANY_FILES_IN_JOB == hr::kBgETooManyFilesInJob);
static_assert(BG_E_VALIDATION_FAILED == hr::kBgEValidationFailed);
static_assert(BG_E_HTTP_ERROR_404 == hr::HttpError(404));
static_assert(BG_E_HTTP_ERROR_400 == hr::HttpError(400));
static_assert(BG_E_HTTP_ERROR_505 == hr::HttpError(505));
static_assert(DO_E_NO_SERVICE == hr::kDoENoService);
static_assert(DO_E_DOWNLOAD_NO_PROGRESS == hr::kDoEDownloadNoProgress);
static_assert(DO_E_JOB_NOT_FOUND == hr::kDoEJobNotFound);
static_assert(DO_E_JOB_EMPTY == hr::kDoEJobEmpty);
static_assert(DO_E_FILE_NOT_AVAILABLE == hr::kDoEFileNotAvailable);
static_assert(DO_E_INVALID_STATE == hr::kDoEInvalidState);
static_assert(DO_E_ERROR_INFORMATION_UNAVAILABLE == hr::kDoEErrorInformationUnavailable);
static_assert(DO_E_INSUFFICIENT_RANGE_SUPPORT == hr::kDoEInsufficientRangeSupport);
static_assert(DO_E_FATAL_CORE_ERROR == hr::kDoEFatalCoreError);
static_assert(HRESULT_FROM_WIN32(2) == hr::kFileNotFound);
static_assert(HRESULT_FROM_WIN32(13) == hr::kInvalidData);
static_assert(HRESULT_FROM_WIN32(12029) == hr::kInternetCannotConnect);

std::string Format(const GUID& g) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%08X-%04X-%04X-%02X%02X-%02X%02X%02X%02X%02X%02X", g.Data1,
                g.Data2, g.Data3, g.Data4[0], g.Data4[1], g.Data4[2], g.Data4[3], g.Data4[4],
                g.Data4[5], g.Data4[6], g.Data4[7]);
  return buf;
}

TEST(Guids, MatchTheDocumentedValues) {
  EXPECT_EQ(Format(IID_IUnknown), "00000000-0000-0000-C000-000000000046");
  EXPECT_EQ(Format(IID_IBackgroundCopyManager), "5CE34C0D-0DC9-4C1F-897C-DAA1B78CEE7C");
  EXPECT_EQ(Format(IID_IBackgroundCopyJob), "37668D37-507E-4160-9316-26306D150B12");
  EXPECT_EQ(Format(IID_IBackgroundCopyFile), "01B7BD23-FB88-4A77-8490-5891D3E4653A");
  EXPECT_EQ(Format(IID_IBackgroundCopyError), "19C613A0-FCB8-4F28-81AE-897C3D078F81");
  EXPECT_EQ(Format(IID_IBackgroundCopyCallback), "97EA99C7-0186-4AD4-8DF9-C5B4E0ED6B22");
  EXPECT_EQ(Format(IID_IEnumBackgroundCopyFiles), "CA51E165-C365-424C-8D41-24AAA4FF3C40");
  EXPECT_EQ(Format(IID_IEnumBackgroundCopyJobs), "1AF4F612-3B71-466F-8F58-7B6F73AC57AD");
  EXPECT_EQ(Format(CLSID_BackgroundCopyManager), "4991D34B-80A1-4291-83B6-3328366B9097");
  EXPECT_EQ(Format(CLSID_DeliveryOptimization), "5B99FA76-721C-423C-ADAC-56D03C8A8007");
  EXPECT_EQ(Format(IID_IShoalJob), "6F1B7A52-3C0E-4C55-9B8A-2F1D0E6A4B01");
  EXPECT_EQ(Format(IID_IShoalManager), "6F1B7A52-3C0E-4C55-9B8A-2F1D0E6A4B02");
}

TEST(Guids, EqualityComparesEveryField) {
  GUID g = IID_IBackgroundCopyJob;
  EXPECT_TRUE(g == IID_IBackgroundCopyJob);
  EXPECT_TRUE(IsEqualGUID(g, IID_IBackgroundCopyJob));
  g.Data4[7] ^= 1;
  EXPECT_FALSE(g == IID_IBackgroundCopyJob);
  EXPECT_FALSE(IsEqualIID(g, IID_IBackgroundCopyJob));
}

TEST(WinTypes, LayoutsMatchWindows) {
  EXPECT_EQ(sizeof(GUID), 16u);
  EXPECT_EQ(sizeof(HRESULT), 4u);
  EXPECT_EQ(sizeof(ULONG), 4u);
  EXPECT_EQ(sizeof(DWORD), 4u);
  EXPECT_EQ(sizeof(FILETIME), 8u);
  EXPECT_EQ(sizeof(BG_JOB_PROGRESS), 24u);
  EXPECT_EQ(sizeof(BG_JOB_TIMES), 24u);
  EXPECT_EQ(BG_SIZE_UNKNOWN, ~UINT64{0});
}

TEST(WinTypes, HresultMacrosBehaveAsWindows) {
  EXPECT_TRUE(SUCCEEDED(S_FALSE));
  EXPECT_TRUE(SUCCEEDED(BG_S_PARTIAL_COMPLETE));
  EXPECT_TRUE(FAILED(E_FAIL));
  EXPECT_EQ(HRESULT_FROM_WIN32(0), S_OK);
  EXPECT_EQ(HRESULT_FROM_WIN32(5), E_ACCESSDENIED);
  EXPECT_EQ(HRESULT_FROM_WIN32(87), E_INVALIDARG);
  EXPECT_EQ(HRESULT_CODE(BG_E_HTTP_ERROR_404), 404);
  EXPECT_EQ(HRESULT_FACILITY(DO_E_INVALID_STATE), FACILITY_DELIVERY_OPTIMIZATION);
  EXPECT_EQ(HRESULT_FACILITY(E_INVALIDARG), FACILITY_WIN32);
  EXPECT_TRUE(IS_DO_TRANSIENT_ERROR(DO_E_BLOCKED_BY_NO_NETWORK));
  EXPECT_FALSE(IS_DO_TRANSIENT_ERROR(DO_E_INVALID_STATE));
  EXPECT_FALSE(IS_DO_TRANSIENT_ERROR(BG_E_INVALID_STATE));
}

TEST(WinTypes, ActivationErrorCodesHaveTheirComValues) {
  EXPECT_EQ(static_cast<std::uint32_t>(REGDB_E_CLASSNOTREG), 0x80040154u);
  EXPECT_EQ(static_cast<std::uint32_t>(CLASS_E_NOAGGREGATION), 0x80040110u);
  EXPECT_EQ(static_cast<std::uint32_t>(RPC_E_CHANGED_MODE), 0x80010106u);
}

}  // namespace
