#include "api/src/manager.h"

#include <unistd.h>

#include <cwchar>
#include <string>
#include <vector>

#include "api/src/core.h"
#include "api/src/enums.h"
#include "api/src/job.h"
#include "api/src/strings.h"
#include "engine/hresult.h"

namespace shoal::api {
namespace {

constexpr std::size_t kMaxDisplayNameChars = 256;
constexpr HRESULT kMessageNotFound = HRESULT_FROM_WIN32(317);  // ERROR_MR_MID_NOT_FOUND

}  // namespace

HRESULT ManagerObject::QueryInterface(REFIID riid, void** ppv) {
  if (ppv == nullptr) return E_POINTER;
  if (riid == IID_IUnknown || riid == IID_IBackgroundCopyManager) {
    *ppv = static_cast<IBackgroundCopyManager*>(this);
  } else if (riid == IID_IShoalManager || riid == IID_IShoalManager2) {
    *ppv = static_cast<IShoalManager2*>(this);
  } else if (riid == IID_IDOManager) {
    *ppv = static_cast<IDOManager*>(this);
  } else {
    *ppv = nullptr;
    return E_NOINTERFACE;
  }
  AddRef();
  return S_OK;
}

HRESULT ManagerObject::CreateJob(LPCWSTR DisplayName, BG_JOB_TYPE Type, GUID* pJobId,
                                 IBackgroundCopyJob** ppJob) {
  if (ppJob != nullptr) *ppJob = nullptr;
  if (pJobId == nullptr || ppJob == nullptr) return E_POINTER;
  if (DisplayName == nullptr || std::wcslen(DisplayName) > kMaxDisplayNameChars) {
    return E_INVALIDARG;
  }
  if (Type == BG_JOB_TYPE_UPLOAD || Type == BG_JOB_TYPE_UPLOAD_REPLY) return E_NOTIMPL;
  if (Type != BG_JOB_TYPE_DOWNLOAD) return E_INVALIDARG;
  return Guarded([&] {
    std::string name;
    if (!WideToUtf8(DisplayName, &name)) return E_INVALIDARG;
    std::shared_ptr<const JobHandle> job;
    const HRESULT h = core_->backend().CreateJob(name, &job);
    if (FAILED(h)) return h;
    *pJobId = ToGuid(job->id());
    *ppJob = core_->JobObjectFor(job);
    return h;
  });
}

HRESULT ManagerObject::GetJob(REFGUID jobID, IBackgroundCopyJob** ppJob) {
  if (ppJob == nullptr) return E_POINTER;
  *ppJob = nullptr;
  return Guarded([&] {
    std::shared_ptr<const JobHandle> job = core_->backend().FindJob(ToUuid(jobID));
    if (!job) return BG_E_NOT_FOUND;  // unknown, or final and so out of the queue
    *ppJob = core_->JobObjectFor(job);
    return S_OK;
  });
}

HRESULT ManagerObject::EnumJobs(DWORD dwFlags, IEnumBackgroundCopyJobs** ppEnum) {
  if (ppEnum == nullptr) return E_POINTER;
  *ppEnum = nullptr;
  if ((dwFlags & ~static_cast<DWORD>(BG_JOB_ENUM_ALL_USERS)) != 0) return E_INVALIDARG;
  // All users' jobs need an administrator; on Linux, root. An engine holds one user's jobs,
  // so for root the two lists are the same.
  if ((dwFlags & BG_JOB_ENUM_ALL_USERS) != 0 && ::geteuid() != 0) return E_ACCESSDENIED;
  return Guarded([&] {
    std::vector<IBackgroundCopyJob*> items;
    try {
      for (const auto& job : core_->backend().ListJobs((dwFlags & BG_JOB_ENUM_ALL_USERS) != 0))
        items.push_back(core_->JobObjectFor(job));
      *ppEnum = new JobEnumerator(items);
    } catch (...) {
      for (IBackgroundCopyJob* j : items) j->Release();
      throw;
    }
    return S_OK;
  });
}

HRESULT ManagerObject::GetErrorDescription(HRESULT hResult, DWORD LanguageId,
                                           LPWSTR* pErrorDescription) {
  if (pErrorDescription == nullptr) return E_POINTER;
  *pErrorDescription = nullptr;
  return Guarded([&] {
    const std::string text = hr::Describe(hResult);
    if (text.empty()) return kMessageNotFound;
    return CopyOutUtf8(text, pErrorDescription);
  });
}

HRESULT ManagerObject::AddSeed(const BYTE* Metainfo, ULONG Size, LPCWSTR Directory) {
  if (Metainfo == nullptr || Size == 0 || Directory == nullptr) return E_INVALIDARG;
  return Guarded([&] {
    std::string dir;
    if (!WideToUtf8(Directory, &dir) || dir.empty()) return E_INVALIDARG;
    const std::string metainfo(reinterpret_cast<const char*>(Metainfo), Size);
    std::string error;
    return core_->backend().AddSeed(metainfo, dir, &error);
  });
}

HRESULT ManagerObject::GetListenEndpoint(LPWSTR* Endpoint) {
  return Guarded([&] { return CopyOutUtf8(core_->backend().ListenEndpoint(), Endpoint); });
}

}  // namespace shoal::api
