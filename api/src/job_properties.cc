// JobObject, part 2: the Set*/Get* property pairs, notification registration, owner, proxy
// settings and TakeOwnership.
#include <unistd.h>

#include <cwchar>
#include <string>

#include "api/src/core.h"
#include "api/src/job.h"
#include "api/src/strings.h"
#include "shoal/activation.h"

namespace shoal::api {
namespace {

constexpr std::size_t kMaxDisplayNameChars = 256;
constexpr std::size_t kMaxDescriptionChars = 1024;
constexpr std::size_t kMaxProxyListChars = 32767;
constexpr ULONG kMinRetryDelayS = 5;
// Every flag IBackgroundCopyJob::SetNotifyFlags documents is accepted and stored.
// FILE_TRANSFERRED calls IBackgroundCopyCallback2::FileTransferred; FILE_RANGES_TRANSFERRED
// names an IBackgroundCopyCallback3 method shoal does not call (BITS too sends it only to
// on-demand jobs): it is kept, as Windows keeps it.
constexpr ULONG kSupportedNotifyFlags =
    BG_NOTIFY_JOB_TRANSFERRED | BG_NOTIFY_JOB_ERROR | BG_NOTIFY_DISABLE |
    BG_NOTIFY_JOB_MODIFICATION | BG_NOTIFY_FILE_TRANSFERRED | BG_NOTIFY_FILE_RANGES_TRANSFERRED;

}  // namespace

HRESULT JobObject::Patch(const JobPropertiesPatch& patch) {
  return core_->backend().SetProperties(job_->id(), patch);
}

HRESULT JobObject::Read(JobProperties* out) {
  return core_->backend().GetProperties(job_->id(), out);
}

HRESULT JobObject::GetOwner(LPWSTR* pVal) {
  // The Unix-user SID form (S-1-22-1-<uid>), as Samba maps Unix users: the owner the service
  // recorded from its creator's SO_PEERCRED, or in process the user running the engine.
  return Guarded([&] {
    JobProperties props;
    const HRESULT h = Read(&props);
    if (FAILED(h)) return h;
    const std::int64_t uid = props.owner_uid >= 0 ? props.owner_uid : ::getuid();
    return CopyOutUtf8("S-1-22-1-" + std::to_string(uid), pVal);
  });
}

HRESULT JobObject::SetDisplayName(LPCWSTR Val) {
  if (Val == nullptr) return E_INVALIDARG;
  if (std::wcslen(Val) > kMaxDisplayNameChars) return BG_E_STRING_TOO_LONG;
  return Guarded([&] {
    std::string name;
    if (!WideToUtf8(Val, &name)) return E_INVALIDARG;
    JobPropertiesPatch patch;
    patch.display_name = name;
    return Patch(patch);
  });
}

HRESULT JobObject::GetDisplayName(LPWSTR* pVal) {
  if (pVal == nullptr) return E_POINTER;
  *pVal = nullptr;
  return Guarded([&] {
    JobProperties p;
    const HRESULT h = Read(&p);
    return FAILED(h) ? h : CopyOutUtf8(p.display_name, pVal);
  });
}

HRESULT JobObject::SetDescription(LPCWSTR Val) {
  if (Val == nullptr) return E_INVALIDARG;
  if (std::wcslen(Val) > kMaxDescriptionChars) return BG_E_STRING_TOO_LONG;
  return Guarded([&] {
    std::string text;
    if (!WideToUtf8(Val, &text)) return E_INVALIDARG;
    JobPropertiesPatch patch;
    patch.description = text;
    return Patch(patch);
  });
}

HRESULT JobObject::GetDescription(LPWSTR* pVal) {
  if (pVal == nullptr) return E_POINTER;
  *pVal = nullptr;
  return Guarded([&] {
    JobProperties p;
    const HRESULT h = Read(&p);
    return FAILED(h) ? h : CopyOutUtf8(p.description, pVal);
  });
}

HRESULT JobObject::SetPriority(BG_JOB_PRIORITY Val) {
  // IBackgroundCopyJob::SetPriority: E_NOTIMPL for a value not in BG_JOB_PRIORITY.
  if (Val < BG_JOB_PRIORITY_FOREGROUND || Val > BG_JOB_PRIORITY_LOW) return E_NOTIMPL;
  return Guarded([&] {
    JobPropertiesPatch patch;
    patch.priority = static_cast<Priority>(Val);
    return Patch(patch);
  });
}

HRESULT JobObject::GetPriority(BG_JOB_PRIORITY* pVal) {
  if (pVal == nullptr) return E_INVALIDARG;  // as IBackgroundCopyJob::GetPriority documents
  return ReadOne(&JobProperties::priority, pVal);
}

HRESULT JobObject::SetNotifyFlags(ULONG Val) {
  if ((Val & ~kSupportedNotifyFlags) != 0) return E_NOTIMPL;
  return Guarded([&] {
    engine::MutexLock lock(notify_mu_);
    // The cached flags change first, so the modification event of this very call is judged
    // by them; put back if the job refuses.
    const std::uint32_t old = core_->SetFlags(job_->id(), Val);
    JobPropertiesPatch patch;
    patch.notify_flags = Val;
    const HRESULT h = Patch(patch);
    if (FAILED(h)) core_->SetFlags(job_->id(), old);
    return h;
  });
}

HRESULT JobObject::GetNotifyFlags(ULONG* pVal) {
  if (pVal == nullptr) return E_INVALIDARG;  // as IBackgroundCopyJob::GetNotifyFlags documents
  return ReadOne(&JobProperties::notify_flags, pVal);
}

HRESULT JobObject::SetNotifyInterface(IUnknown* Val) {
  // The client's AddRef/Release run here, never on a backend thread, and outside notify_mu_.
  if (Val != nullptr) Val->AddRef();
  IUnknown* release = Val;  // until stored
  const HRESULT h = Guarded([&] {
    if (IsFinal(job_->State())) return BG_E_INVALID_STATE;
    engine::MutexLock lock(notify_mu_);
    JobProperties p;
    const std::uint32_t flags = SUCCEEDED(Read(&p)) ? p.notify_flags : 0;
    // Registered before the (empty) patch, so the new interface hears of this modification;
    // undone when the patch refuses (the job went final since, the backend failed). A Cancel
    // racing with it drops the registration after its state is final: none outlives the job.
    IUnknown* replaced = core_->SetCallback(job_, Val, flags);
    const HRESULT patched = Guarded([&] { return Patch({}); });
    release = FAILED(patched) ? core_->RestoreCallback(job_, Val, replaced, flags) : replaced;
    // Windows calls JobTransferred for a job already transferred when the interface is
    // registered (the event happened before anyone listened); the flags decide, as ever.
    if (SUCCEEDED(patched) && Val != nullptr && job_->State() == JobState::kTransferred) {
      core_->Redeliver({job_->id(), JobEvent::kTransferred});
    }
    // Likewise JobError for a job already in ERROR (IBackgroundCopyCallback::JobError is
    // called for the job's error state, whenever the interface arrives).
    if (SUCCEEDED(patched) && Val != nullptr && job_->State() == JobState::kError) {
      core_->Redeliver({job_->id(), JobEvent::kError});
    }
    return patched;
  });
  if (release != nullptr) release->Release();
  return h;
}

HRESULT JobObject::GetNotifyInterface(IUnknown** pVal) {
  if (pVal == nullptr) return E_POINTER;
  *pVal = core_->GetCallback(job_->id());
  return S_OK;
}

HRESULT JobObject::SetMinimumRetryDelay(ULONG Seconds) {
  const ULONG value = Seconds < kMinRetryDelayS ? kMinRetryDelayS : Seconds;
  return PatchOne(&JobPropertiesPatch::minimum_retry_delay_s, value);
}

HRESULT JobObject::GetMinimumRetryDelay(ULONG* Seconds) {
  if (Seconds == nullptr) return E_POINTER;
  return ReadOne(&JobProperties::minimum_retry_delay_s, Seconds);
}

HRESULT JobObject::SetNoProgressTimeout(ULONG Seconds) {
  return PatchOne(&JobPropertiesPatch::no_progress_timeout_s, Seconds);
}

HRESULT JobObject::GetNoProgressTimeout(ULONG* Seconds) {
  if (Seconds == nullptr) return E_POINTER;
  return ReadOne(&JobProperties::no_progress_timeout_s, Seconds);
}

HRESULT JobObject::GetErrorCount(ULONG* Errors) {
  if (Errors == nullptr) return E_POINTER;
  *Errors = job_->ErrorCount();
  return S_OK;
}

HRESULT JobObject::SetProxySettings(BG_JOB_PROXY_USAGE ProxyUsage, const WCHAR* ProxyList,
                                    const WCHAR* ProxyBypassList) {
  switch (ProxyUsage) {
    case BG_JOB_PROXY_USAGE_PRECONFIG:
    case BG_JOB_PROXY_USAGE_NO_PROXY:
    case BG_JOB_PROXY_USAGE_AUTODETECT:
      // BITS: the lists must be NULL unless ProxyUsage is OVERRIDE.
      if (ProxyList != nullptr || ProxyBypassList != nullptr) return E_INVALIDARG;
      break;
    case BG_JOB_PROXY_USAGE_OVERRIDE:
      if (ProxyList == nullptr) return E_INVALIDARG;
      if (std::wcslen(ProxyList) > kMaxProxyListChars) return BG_E_PROXY_LIST_TOO_LARGE;
      if (ProxyBypassList != nullptr && std::wcslen(ProxyBypassList) > kMaxProxyListChars) {
        return BG_E_PROXY_BYPASS_LIST_TOO_LARGE;
      }
      break;
    default:
      return E_INVALIDARG;
  }
  // The engine's transfers use no proxy of their own: an explicit proxy or WPAD discovery
  // would be silently ignored, so they are refused rather than stored.
  if (ProxyUsage == BG_JOB_PROXY_USAGE_OVERRIDE || ProxyUsage == BG_JOB_PROXY_USAGE_AUTODETECT) {
    if (IsFinal(job_->State())) return BG_E_INVALID_STATE;
    return E_NOTIMPL;
  }
  return Guarded([&] {
    JobPropertiesPatch patch;
    patch.proxy_usage = ProxyUsage;
    patch.proxy_list.emplace();
    patch.proxy_bypass_list.emplace();
    return Patch(patch);
  });
}

HRESULT JobObject::GetProxySettings(BG_JOB_PROXY_USAGE* pProxyUsage, LPWSTR* pProxyList,
                                    LPWSTR* pProxyBypassList) {
  if (pProxyUsage == nullptr || pProxyList == nullptr || pProxyBypassList == nullptr) {
    return E_POINTER;
  }
  *pProxyList = nullptr;
  *pProxyBypassList = nullptr;
  return Guarded([&] {
    JobProperties p;
    HRESULT h = Read(&p);
    if (FAILED(h)) return h;
    *pProxyUsage = static_cast<BG_JOB_PROXY_USAGE>(p.proxy_usage);
    if (!p.proxy_list.empty()) h = CopyOutUtf8(p.proxy_list, pProxyList);
    if (SUCCEEDED(h) && !p.proxy_bypass_list.empty()) {
      h = CopyOutUtf8(p.proxy_bypass_list, pProxyBypassList);
    }
    if (FAILED(h)) {  // all or nothing
      CoTaskMemFree(*pProxyList);
      *pProxyList = nullptr;
    }
    return h;
  });
}

HRESULT JobObject::TakeOwnership() {
  // Every job of an engine belongs to the user running it, so the caller already owns it:
  // nothing to change, but a final job still refuses (and ModificationTime moves, as in BITS).
  return Guarded([&] { return Patch({}); });
}

}  // namespace shoal::api
