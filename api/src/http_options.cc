// JobObject, part 4: IBackgroundCopyJobHttpOptions. Custom headers are a job property the
// engine sends with every HTTP request for the job's files (the metainfo sidecar, CDN pieces,
// plain HTTP). Client certificates are Windows certificate-store names with no Linux
// counterpart (E_NOTIMPL); security flags other than the defaults are refused, not ignored.
#include <cwchar>
#include <string>

#include "api/src/core.h"
#include "api/src/job.h"
#include "api/src/strings.h"

namespace shoal::api {
namespace {

// "The string is limited to 16,384 characters, including the null terminator."
constexpr std::size_t kMaxHeaderChars = 16383;
// The redirect policy shoal follows anyway: silent redirects, never HTTPS to HTTP.
constexpr ULONG kSupportedSecurityFlags = BG_HTTP_REDIRECT_POLICY_ALLOW_SILENT;

}  // namespace

HRESULT JobObject::SetClientCertificateByID(BG_CERT_STORE_LOCATION, LPCWSTR StoreName,
                                            BYTE* pCertHashBlob) {
  if (StoreName == nullptr || pCertHashBlob == nullptr) return E_INVALIDARG;
  return E_NOTIMPL;
}

HRESULT JobObject::SetClientCertificateByName(BG_CERT_STORE_LOCATION, LPCWSTR StoreName,
                                              LPCWSTR SubjectName) {
  if (StoreName == nullptr || SubjectName == nullptr) return E_INVALIDARG;
  return E_NOTIMPL;
}

HRESULT JobObject::RemoveClientCertificate() {
  // No certificate can be set, so there is none to remove.
  if (IsFinal(job_->State())) return BG_E_INVALID_STATE;
  return S_OK;
}

HRESULT JobObject::GetClientCertificate(BG_CERT_STORE_LOCATION* pStoreLocation, LPWSTR* pStoreName,
                                        BYTE** ppCertHashBlob, LPWSTR* pSubjectName) {
  if (pStoreLocation == nullptr || pStoreName == nullptr || ppCertHashBlob == nullptr ||
      pSubjectName == nullptr) {
    return RPC_X_NULL_REF_POINTER;  // its page
  }
  *pStoreName = nullptr;
  *ppCertHashBlob = nullptr;
  *pSubjectName = nullptr;
  return RPC_X_BAD_STUB_DATA;  // "The job does not specify a certificate"
}

HRESULT JobObject::SetCustomHeaders(LPCWSTR RequestHeaders) {
  if (RequestHeaders != nullptr && std::wcslen(RequestHeaders) > kMaxHeaderChars) {
    return BG_E_STRING_TOO_LONG;
  }
  return Guarded([&] {
    std::string headers;  // NULL removes them
    if (RequestHeaders != nullptr && !WideToUtf8(RequestHeaders, &headers)) return E_INVALIDARG;
    // "Each header must be terminated by a CR/LF": a last line without one gets it.
    if (!headers.empty() && headers.back() != '\n') headers += "\r\n";
    JobPropertiesPatch patch;
    patch.custom_headers = headers;
    return Patch(patch);  // E_INVALIDARG for a lone CR or LF (backend.cc)
  });
}

HRESULT JobObject::GetCustomHeaders(LPWSTR* pRequestHeaders) {
  if (pRequestHeaders == nullptr) return RPC_X_NULL_REF_POINTER;  // its page
  *pRequestHeaders = nullptr;
  return Guarded([&] {
    JobProperties p;
    const HRESULT h = Read(&p);
    if (FAILED(h)) return h;
    if (p.custom_headers.empty()) return S_FALSE;  // "The job does not specify custom headers."
    return CopyOutUtf8(p.custom_headers, pRequestHeaders);
  });
}

HRESULT JobObject::SetSecurityFlags(ULONG Flags) {
  if ((Flags & ~(0x001Fu | BG_HTTP_REDIRECT_POLICY_MASK |
                 BG_HTTP_REDIRECT_POLICY_ALLOW_HTTPS_TO_HTTP)) != 0) {
    return E_INVALIDARG;
  }
  // Certificate checks are always on and HTTPS never redirects to HTTP: a flag relaxing or
  // changing either would be silently ignored, so it is refused.
  if ((Flags & ~kSupportedSecurityFlags) != 0) {
    if (IsFinal(job_->State())) return BG_E_INVALID_STATE;
    return E_NOTIMPL;
  }
  return PatchOne(&JobPropertiesPatch::security_flags, Flags);
}

HRESULT JobObject::GetSecurityFlags(ULONG* pFlags) {
  if (pFlags == nullptr) return E_INVALIDARG;
  return ReadOne(&JobProperties::security_flags, pFlags);
}

}  // namespace shoal::api
