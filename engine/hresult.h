// The engine's error vocabulary: HRESULT values with their exact Windows numbers, and a
// std::error_category that carries them. The facade re-exports the same numbers under the
// Windows macro names. Thread-safe (constants and pure functions).
#pragma once

#include <cstdint>
#include <string>
#include <system_error>

namespace shoal::hr {

using HResult = std::int32_t;

constexpr HResult Make(std::uint32_t v) { return static_cast<HResult>(v); }
constexpr bool Succeeded(HResult h) { return h >= 0; }
constexpr bool Failed(HResult h) { return h < 0; }
// HRESULT_FROM_WIN32.
constexpr HResult FromWin32(std::uint32_t code) {
  return code == 0 ? 0 : Make((code & 0xFFFFu) | 0x80070000u);
}

inline constexpr HResult kOk = 0;
inline constexpr HResult kFalse = 1;
inline constexpr HResult kNotImpl = Make(0x80004001);
inline constexpr HResult kNoInterface = Make(0x80004002);
inline constexpr HResult kPointer = Make(0x80004003);
inline constexpr HResult kFail = Make(0x80004005);
inline constexpr HResult kUnexpected = Make(0x8000FFFF);
inline constexpr HResult kAccessDenied = Make(0x80070005);
inline constexpr HResult kOutOfMemory = Make(0x8007000E);
inline constexpr HResult kInvalidArg = Make(0x80070057);
inline constexpr HResult kNotSet = Make(0x80070490);

// Win32 errors used as HRESULTs (HRESULT_FROM_WIN32).
inline constexpr HResult kFileNotFound = FromWin32(2);       // ERROR_FILE_NOT_FOUND
inline constexpr HResult kPathNotFound = FromWin32(3);       // ERROR_PATH_NOT_FOUND
inline constexpr HResult kInvalidData = FromWin32(13);       // ERROR_INVALID_DATA
inline constexpr HResult kDiskFull = FromWin32(112);         // ERROR_DISK_FULL
inline constexpr HResult kAlreadyExists = FromWin32(183);    // ERROR_ALREADY_EXISTS
// WinINet errors as BITS reports them (HRESULT_FROM_WIN32(ERROR_INTERNET_*)).
inline constexpr HResult kInternetTimeout = FromWin32(12002);
inline constexpr HResult kInternetNameNotResolved = FromWin32(12007);
inline constexpr HResult kInternetCannotConnect = FromWin32(12029);
inline constexpr HResult kInternetConnectionAborted = FromWin32(12030);
inline constexpr HResult kInternetConnectionReset = FromWin32(12031);
inline constexpr HResult kInternetHttpsToHttpOnRedir = FromWin32(12040);
inline constexpr HResult kInternetInvalidCa = FromWin32(12045);
inline constexpr HResult kHttpInvalidServerResponse = FromWin32(12152);
inline constexpr HResult kHttpRedirectFailed = FromWin32(12156);
inline constexpr HResult kInternetSecureFailure = FromWin32(12175);

// BITS success codes.
inline constexpr HResult kBgSPartialComplete = Make(0x00200017);
inline constexpr HResult kBgSUnableToDeleteFiles = Make(0x0020001A);
// BITS errors 0x802000xx.
inline constexpr HResult kBgENotFound = Make(0x80200001);
inline constexpr HResult kBgEInvalidState = Make(0x80200002);
inline constexpr HResult kBgEEmpty = Make(0x80200003);
inline constexpr HResult kBgEFileNotAvailable = Make(0x80200004);
inline constexpr HResult kBgEProtocolNotAvailable = Make(0x80200005);
inline constexpr HResult kBgEErrorInformationUnavailable = Make(0x8020000F);
inline constexpr HResult kBgEInsufficientHttpSupport = Make(0x80200012);
inline constexpr HResult kBgEInsufficientRangeSupport = Make(0x80200013);
inline constexpr HResult kBgERemoteNotSupported = Make(0x80200014);
inline constexpr HResult kBgEStringTooLong = Make(0x80200021);
inline constexpr HResult kBgEInvalidRange = Make(0x8020002B);
inline constexpr HResult kBgEOverlappingRanges = Make(0x8020002C);
inline constexpr HResult kBgETooManyJobsPerUser = Make(0x80200049);
inline constexpr HResult kBgETooManyFilesInJob = Make(0x80200051);
inline constexpr HResult kBgEValidationFailed = Make(0x80200053);
inline constexpr HResult kBgEMaxDownloadTimeout = Make(0x80200054);
// BG_E_HTTP_ERROR_nnn.
constexpr HResult HttpError(int status) { return Make(0x80190000u + static_cast<std::uint32_t>(status)); }

// Delivery Optimization errors 0x80D0xxxx.
inline constexpr HResult kDoENoService = Make(0x80D01001);
inline constexpr HResult kDoEDownloadNoProgress = Make(0x80D02002);
inline constexpr HResult kDoEJobNotFound = Make(0x80D02003);
inline constexpr HResult kDoEJobEmpty = Make(0x80D02004);
inline constexpr HResult kDoEFileNotAvailable = Make(0x80D02010);
inline constexpr HResult kDoEInvalidState = Make(0x80D02013);
inline constexpr HResult kDoEErrorInformationUnavailable = Make(0x80D02014);
inline constexpr HResult kDoEInvalidRange = Make(0x80D05010);
inline constexpr HResult kDoEInsufficientRangeSupport = Make(0x80D05011);
inline constexpr HResult kDoEOverlappingRanges = Make(0x80D05012);
inline constexpr HResult kDoEFatalCoreError = Make(0x80D06802);

// English text for an HRESULT (empty when unknown).
std::string Describe(HResult h);

// std::error_code carrying an HRESULT; value() is the HRESULT.
const std::error_category& Category();
inline std::error_code MakeErrorCode(HResult h) { return {h, Category()}; }
// Maps an errno-style value (as from std::filesystem / POSIX calls) to the HRESULT BITS uses.
HResult FromErrno(int err);

}  // namespace shoal::hr
