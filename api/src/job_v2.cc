// JobObject, part 3: IBackgroundCopyJob2-5, the methods later BITS versions added. The notify
// command line, the flags and the BITS 5 properties are job properties (they travel to the
// service like the others); what shoal cannot do has the HRESULT its page gives, or E_NOTIMPL
// (docs/api.md says which and why).
#include <unistd.h>

#include <cstdio>
#include <cwchar>
#include <string>

#include "api/src/core.h"
#include "api/src/job.h"
#include "api/src/strings.h"
#include "api/src/wire.h"
#include "shoal/activation.h"

namespace shoal::api {
namespace {

constexpr std::size_t kMaxProgramChars = 260;      // MAX_PATH
constexpr std::size_t kMaxParametersChars = 4000;  // SetNotifyCmdLine's page
constexpr DWORD kPeerCachingFlags = BG_JOB_ENABLE_PEERCACHING_CLIENT |
                                    BG_JOB_ENABLE_PEERCACHING_SERVER | BG_JOB_DISABLE_BRANCH_CACHE;
constexpr ULONG kMediumIntegrity = 0x2000;  // SECURITY_MANDATORY_MEDIUM_RID
constexpr ULONG kHighIntegrity = 0x3000;    // SECURITY_MANDATORY_HIGH_RID

std::string GuidText(const GUID& g) {
  char text[39];
  std::snprintf(text, sizeof(text), "{%08X-%04X-%04X-%02X%02X-%02X%02X%02X%02X%02X%02X}",
                static_cast<unsigned>(g.Data1), g.Data2, g.Data3, g.Data4[0], g.Data4[1],
                g.Data4[2], g.Data4[3], g.Data4[4], g.Data4[5], g.Data4[6], g.Data4[7]);
  return text;
}

bool IsNullGuid(const GUID& g) {
  static const GUID kNull{};
  return g == kNull;
}

}  // namespace

HRESULT JobObject::SetNotifyCmdLine(LPCWSTR Program, LPCWSTR Parameters) {
  // "The method fails if pProgram is NULL and pParameters is non-NULL."
  if (Program == nullptr && Parameters != nullptr) return E_INVALIDARG;
  if (Program != nullptr && std::wcslen(Program) > kMaxProgramChars) return BG_E_STRING_TOO_LONG;
  if (Parameters != nullptr && std::wcslen(Parameters) > kMaxParametersChars) {
    return BG_E_STRING_TOO_LONG;
  }
  return Guarded([&] {
    JobPropertiesPatch patch;
    std::string program;
    std::string parameters;
    if (Program != nullptr && !WideToUtf8(Program, &program)) return E_INVALIDARG;
    if (Parameters != nullptr && !WideToUtf8(Parameters, &parameters)) return E_INVALIDARG;
    // "The method will not use the search path": a full path, or nothing.
    if (Program != nullptr && (program.empty() || program.front() != '/')) return E_INVALIDARG;
    patch.notify_program = program;
    patch.notify_parameters = parameters;
    const HRESULT h = Patch(patch);
    // "BITS will execute the command line even if you call SetNotifyCmdLine after the event
    // occurs."
    if (SUCCEEDED(h) && !program.empty()) {
      const JobState state = job_->State();
      if (state == JobState::kTransferred) core_->Redeliver({job_->id(), JobEvent::kTransferred});
      if (state == JobState::kError) core_->Redeliver({job_->id(), JobEvent::kError});
    }
    return h;
  });
}

HRESULT JobObject::GetNotifyCmdLine(LPWSTR* pProgram, LPWSTR* pParameters) {
  if (pProgram == nullptr || pParameters == nullptr) return E_INVALIDARG;
  *pProgram = nullptr;
  *pParameters = nullptr;
  return Guarded([&] {
    JobProperties p;
    HRESULT h = Read(&p);
    if (FAILED(h)) return h;
    // L"" for both when SetNotifyCmdLine was never called (its page).
    h = CopyOutUtf8(p.notify_program, pProgram);
    if (SUCCEEDED(h)) h = CopyOutUtf8(p.notify_parameters, pParameters);
    if (FAILED(h)) {
      CoTaskMemFree(*pProgram);
      *pProgram = nullptr;
    }
    return h;
  });
}

// Every shoal job is a download job: the reply methods are "not implemented for jobs of type
// BG_JOB_TYPE_DOWNLOAD" (E_NOTIMPL, each method's page).
HRESULT JobObject::GetReplyProgress(BG_JOB_REPLY_PROGRESS* pProgress) {
  if (pProgress == nullptr) return E_INVALIDARG;
  return E_NOTIMPL;
}

HRESULT JobObject::GetReplyData(BYTE** ppBuffer, UINT64* pLength) {
  if (ppBuffer == nullptr || pLength == nullptr) return E_INVALIDARG;
  *ppBuffer = nullptr;
  *pLength = 0;
  return E_NOTIMPL;
}

HRESULT JobObject::SetReplyFileName(LPCWSTR) { return E_NOTIMPL; }

HRESULT JobObject::GetReplyFileName(LPWSTR* pReplyFileName) {
  if (pReplyFileName == nullptr) return E_INVALIDARG;
  *pReplyFileName = nullptr;
  return E_NOTIMPL;
}

// Server and proxy authentication are not implemented: the transfers send no credentials.
HRESULT JobObject::SetCredentials(BG_AUTH_CREDENTIALS* credentials) {
  if (credentials == nullptr) return E_INVALIDARG;
  return E_NOTIMPL;
}

HRESULT JobObject::RemoveCredentials(BG_AUTH_TARGET, BG_AUTH_SCHEME) { return E_NOTIMPL; }

HRESULT JobObject::ReplaceRemotePrefix(LPCWSTR OldPrefix, LPCWSTR NewPrefix) {
  if (OldPrefix == nullptr || NewPrefix == nullptr) return E_INVALIDARG;
  if (IsFinal(job_->State())) return BG_E_INVALID_STATE;
  // A file's URL is fixed once it is added (its metainfo and pieces are keyed by it), as for
  // IBackgroundCopyFile2::SetRemoteName: docs/api.md.
  return E_NOTIMPL;
}

HRESULT JobObject::AddFileWithRanges(LPCWSTR RemoteUrl, LPCWSTR LocalName, DWORD RangeCount,
                                     BG_FILE_RANGE Ranges[]) {
  // BITS' own codes (BG_E_INVALID_RANGE, BG_E_OVERLAPPING_RANGES); IDeliveryOptimizationJob
  // maps them to DO's (api/src/do_job.cc). The size is learnt from the metainfo or server.
  return AddFileWithRangesImpl(RemoteUrl, LocalName, RangeCount, Ranges, BG_SIZE_UNKNOWN);
}

HRESULT JobObject::SetFileACLFlags(DWORD Flags) {
  if ((Flags & ~static_cast<DWORD>(BG_COPY_FILE_ALL)) != 0) return E_INVALIDARG;
  return PatchOne(&JobPropertiesPatch::file_acl_flags, Flags);
}

HRESULT JobObject::GetFileACLFlags(DWORD* Flags) {
  if (Flags == nullptr) return E_INVALIDARG;
  return ReadOne(&JobProperties::file_acl_flags, Flags);
}

HRESULT JobObject::SetPeerCachingFlags(DWORD Flags) {
  // DO's GetPeerCachingFlags page: E_NOTIMPL "if other flag values are set".
  if ((Flags & ~kPeerCachingFlags) != 0) return E_NOTIMPL;
  return PatchOne(&JobPropertiesPatch::peer_caching_flags, Flags);
}

HRESULT JobObject::GetPeerCachingFlags(DWORD* pFlags) {
  if (pFlags == nullptr) return E_INVALIDARG;
  return ReadOne(&JobProperties::peer_caching_flags, pFlags);
}

HRESULT JobObject::GetOwnerIntegrityLevel(ULONG* pLevel) {
  if (pLevel == nullptr) return E_INVALIDARG;
  return Guarded([&] {
    JobProperties p;
    const HRESULT h = Read(&p);
    if (FAILED(h)) return h;
    const std::int64_t uid = p.owner_uid >= 0 ? p.owner_uid : ::getuid();
    // Linux has no integrity levels: root is an elevated (high) owner, any other user medium.
    *pLevel = uid == 0 ? kHighIntegrity : kMediumIntegrity;
    return S_OK;
  });
}

HRESULT JobObject::GetOwnerElevationState(BOOL* pElevated) {
  if (pElevated == nullptr) return E_INVALIDARG;
  return Guarded([&] {
    JobProperties p;
    const HRESULT h = Read(&p);
    if (FAILED(h)) return h;
    const std::int64_t uid = p.owner_uid >= 0 ? p.owner_uid : ::getuid();
    *pElevated = uid == 0 ? TRUE : FALSE;
    return S_OK;
  });
}

HRESULT JobObject::SetMaximumDownloadTime(ULONG Timeout) {
  return PatchOne(&JobPropertiesPatch::maximum_download_time_s, Timeout);
}

HRESULT JobObject::GetMaximumDownloadTime(ULONG* pTimeout) {
  if (pTimeout == nullptr) return E_INVALIDARG;
  return ReadOne(&JobProperties::maximum_download_time_s, pTimeout);
}

HRESULT JobObject::SetProperty(BITS_JOB_PROPERTY_ID PropertyId,
                               BITS_JOB_PROPERTY_VALUE PropertyValue) {
  return Guarded([&]() -> HRESULT {
    JobPropertiesPatch patch;
    switch (PropertyId) {
      case BITS_JOB_PROPERTY_ID_COST_FLAGS:
        patch.cost_flags = PropertyValue.Dword;
        break;
      case BITS_JOB_PROPERTY_NOTIFICATION_CLSID:
        // GUID_NULL clears it.
        patch.notification_clsid =
            IsNullGuid(PropertyValue.ClsID) ? std::string() : GuidText(PropertyValue.ClsID);
        break;
      case BITS_JOB_PROPERTY_DYNAMIC_CONTENT:
      case BITS_JOB_PROPERTY_HIGH_PERFORMANCE:
      case BITS_JOB_PROPERTY_MAX_DOWNLOAD_SIZE:
      case BITS_JOB_PROPERTY_USE_STORED_CREDENTIALS:
      case BITS_JOB_PROPERTY_MINIMUM_NOTIFICATION_INTERVAL_MS:
      case BITS_JOB_PROPERTY_ON_DEMAND_MODE:
        return E_NOTIMPL;  // "Not supported" in DO's IBackgroundCopyJob5 pages
      default:
        return E_INVALIDARG;
    }
    return Patch(patch);
  });
}

HRESULT JobObject::GetProperty(BITS_JOB_PROPERTY_ID PropertyId,
                               BITS_JOB_PROPERTY_VALUE* PropertyValue) {
  if (PropertyValue == nullptr) return E_INVALIDARG;
  return Guarded([&]() -> HRESULT {
    switch (PropertyId) {
      case BITS_JOB_PROPERTY_ID_COST_FLAGS:
      case BITS_JOB_PROPERTY_NOTIFICATION_CLSID:
        break;
      case BITS_JOB_PROPERTY_DYNAMIC_CONTENT:
      case BITS_JOB_PROPERTY_HIGH_PERFORMANCE:
      case BITS_JOB_PROPERTY_MAX_DOWNLOAD_SIZE:
      case BITS_JOB_PROPERTY_USE_STORED_CREDENTIALS:
      case BITS_JOB_PROPERTY_MINIMUM_NOTIFICATION_INTERVAL_MS:
      case BITS_JOB_PROPERTY_ON_DEMAND_MODE:
        return E_NOTIMPL;
      default:
        return E_INVALIDARG;
    }
    JobProperties p;
    const HRESULT h = Read(&p);
    if (FAILED(h)) return h;
    *PropertyValue = {};
    if (PropertyId == BITS_JOB_PROPERTY_ID_COST_FLAGS) {
      PropertyValue->Dword = p.cost_flags;
    } else if (!p.notification_clsid.empty()) {
      Uuid u;
      if (!wire::ParseUuid(p.notification_clsid, &u)) return E_UNEXPECTED;
      PropertyValue->ClsID = ToGuid(u);
    }
    return S_OK;
  });
}

}  // namespace shoal::api
