// JobObject, part 1: identity, files, lifecycle and the lock-free getters.
#include "api/src/job.h"

#include <cctype>
#include <cwchar>

#include "api/src/core.h"
#include "api/src/do_job.h"
#include "api/src/enums.h"
#include "api/src/error.h"
#include "api/src/file.h"
#include "api/src/strings.h"

namespace shoal::api {
namespace {

constexpr std::size_t kMaxUrlChars = 2200;   // INTERNET_MAX_URL_LENGTH, as BITS checks it
constexpr std::size_t kMaxPathBytes = 4095;  // PATH_MAX less the terminator

}  // namespace

HRESULT MakeFileSpec(LPCWSTR remote_url, LPCWSTR local_name, FileSpec* out) {
  if (remote_url == nullptr || local_name == nullptr) return E_INVALIDARG;
  if (std::wcslen(remote_url) > kMaxUrlChars) return E_INVALIDARG;
  std::string url;
  std::string path;
  if (!WideToUtf8(remote_url, &url) || !WideToUtf8(local_name, &path)) return E_INVALIDARG;
  const std::size_t colon = url.find("://");
  if (colon == std::string::npos || colon + 3 >= url.size()) return E_INVALIDARG;
  std::string scheme = url.substr(0, colon);
  for (char& c : scheme) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (scheme != "http" && scheme != "https") return E_INVALIDARG;
  if (url.find_first_of(" \t\r\n") != std::string::npos) return E_INVALIDARG;
  url.replace(0, colon, scheme);
  if (path.empty() || path.front() != '/' || path.back() == '/' || path.size() > kMaxPathBytes) {
    return E_INVALIDARG;
  }
  out->remote_url = std::move(url);
  out->local_path = std::move(path);
  out->metainfo.clear();
  return S_OK;
}

JobObject::JobObject(std::shared_ptr<Core> core, std::shared_ptr<const JobHandle> job)
    : core_(std::move(core)), job_(std::move(job)) {}

JobObject::~JobObject() { core_->ForgetJobObject(job_->id(), this); }

HRESULT JobObject::QueryInterface(REFIID riid, void** ppv) {
  if (ppv == nullptr) return E_POINTER;
  if (riid == IID_IUnknown || riid == IID_IBackgroundCopyJob) {
    *ppv = static_cast<IBackgroundCopyJob*>(this);
  } else if (riid == IID_IBackgroundCopyJob2 || riid == IID_IBackgroundCopyJob3 ||
             riid == IID_IBackgroundCopyJob4 || riid == IID_IBackgroundCopyJob5) {
    *ppv = static_cast<IBackgroundCopyJob5*>(this);
  } else if (riid == IID_IBackgroundCopyJobHttpOptions) {
    *ppv = static_cast<IBackgroundCopyJobHttpOptions*>(this);
  } else if (riid == IID_IShoalJob || riid == IID_IShoalJob2 || riid == IID_IShoalJob3) {
    *ppv = static_cast<IShoalJob3*>(this);
  } else if (riid == IID_IDeliveryOptimizationJob || riid == IID_IDeliveryOptimizationJob2) {
    return QueryDoJob(this, riid, ppv);  // a tear-off (do_job.h)
  } else {
    *ppv = nullptr;
    return E_NOINTERFACE;
  }
  AddRef();
  return S_OK;
}

HRESULT JobObject::AddSpecs(std::vector<FileSpec> specs) {
  return core_->backend().AddFiles(job_->id(), std::move(specs));
}

HRESULT JobObject::AddFileSet(ULONG cFileCount, BG_FILE_INFO* pFileSet) {
  if (cFileCount == 0 || pFileSet == nullptr) return E_INVALIDARG;
  return Guarded([&] {
    std::vector<FileSpec> specs(cFileCount);
    for (ULONG i = 0; i < cFileCount; ++i) {
      const HRESULT h = MakeFileSpec(pFileSet[i].RemoteName, pFileSet[i].LocalName, &specs[i]);
      if (FAILED(h)) return h;
    }
    return AddSpecs(std::move(specs));
  });
}

HRESULT JobObject::AddFile(LPCWSTR RemoteUrl, LPCWSTR LocalName) {
  return Guarded([&] {
    std::vector<FileSpec> specs(1);
    const HRESULT h = MakeFileSpec(RemoteUrl, LocalName, &specs[0]);
    if (FAILED(h)) return h;
    return AddSpecs(std::move(specs));
  });
}

HRESULT JobObject::AddFileWithMetainfo(LPCWSTR RemoteUrl, LPCWSTR LocalName, const BYTE* Metainfo,
                                       ULONG Size) {
  if (Metainfo == nullptr || Size == 0) return E_INVALIDARG;
  return AddFileEx(RemoteUrl, LocalName, Metainfo, Size, nullptr, 0);
}

HRESULT JobObject::AddFileEx(LPCWSTR RemoteUrl, LPCWSTR LocalName, const BYTE* Metainfo,
                             ULONG MetainfoSize, const BYTE* Sha256, DWORD Flags) {
  if ((Flags & ~SHOAL_FILE_HTTP_ONLY) != 0) return E_INVALIDARG;
  if ((Metainfo == nullptr) != (MetainfoSize == 0)) return E_INVALIDARG;
  if ((Flags & SHOAL_FILE_HTTP_ONLY) && Metainfo != nullptr) return E_INVALIDARG;
  return Guarded([&] {
    std::vector<FileSpec> specs(1);
    const HRESULT h = MakeFileSpec(RemoteUrl, LocalName, &specs[0]);
    if (FAILED(h)) return h;
    if (Metainfo != nullptr)
      specs[0].metainfo.assign(reinterpret_cast<const char*>(Metainfo), MetainfoSize);
    if (Sha256 != nullptr) specs[0].sha256.assign(reinterpret_cast<const char*>(Sha256), 32);
    specs[0].http_only = (Flags & SHOAL_FILE_HTTP_ONLY) != 0;
    return AddSpecs(std::move(specs));
  });
}

HRESULT JobObject::EnumFiles(IEnumBackgroundCopyFiles** pEnum) {
  if (pEnum == nullptr) return E_POINTER;
  *pEnum = nullptr;
  return Guarded([&] {
    std::vector<FileInfo> files;
    const HRESULT h = core_->backend().GetFiles(job_->id(), &files);
    if (FAILED(h)) return h;
    std::vector<IBackgroundCopyFile*> items;
    items.reserve(files.size());
    try {
      for (std::size_t i = 0; i < files.size(); ++i) {
        items.push_back(new FileObject(job_, i, files[i]));
      }
      *pEnum = new FileEnumerator(items);
    } catch (...) {
      for (IBackgroundCopyFile* f : items) f->Release();
      throw;
    }
    return S_OK;
  });
}

HRESULT JobObject::Suspend() {
  return Guarded([&] { return core_->backend().Suspend(job_->id()); });
}

HRESULT JobObject::Resume() {
  return Guarded([&] { return core_->backend().Resume(job_->id()); });
}

HRESULT JobObject::Cancel() {
  return Guarded([&] {
    const HRESULT h = core_->backend().Cancel(job_->id());
    // A final job notifies no one: drop the registration (registrations are not persisted).
    if (SUCCEEDED(h)) {
      if (IUnknown* old = core_->DropCallback(job_->id())) old->Release();
    }
    return h;
  });
}

HRESULT JobObject::Complete() {
  return Guarded([&] {
    const HRESULT h = core_->backend().Complete(job_->id());
    if (SUCCEEDED(h) && IsFinal(job_->State())) {
      if (IUnknown* old = core_->DropCallback(job_->id())) old->Release();
    }
    return h;
  });
}

HRESULT JobObject::GetId(GUID* pVal) {
  if (pVal == nullptr) return E_POINTER;
  *pVal = ToGuid(job_->id());
  return S_OK;
}

HRESULT JobObject::GetType(BG_JOB_TYPE* pVal) {
  if (pVal == nullptr) return E_POINTER;
  *pVal = BG_JOB_TYPE_DOWNLOAD;
  return S_OK;
}

HRESULT JobObject::GetProgress(BG_JOB_PROGRESS* pVal) {
  if (pVal == nullptr) return E_INVALIDARG;  // as IBackgroundCopyJob::GetProgress documents
  const JobProgress p = job_->Progress();
  pVal->BytesTotal = p.bytes_total;
  pVal->BytesTransferred = p.bytes_transferred;
  pVal->FilesTotal = p.files_total;
  pVal->FilesTransferred = p.files_transferred;
  return S_OK;
}

HRESULT JobObject::GetTimes(BG_JOB_TIMES* pVal) {
  if (pVal == nullptr) return E_INVALIDARG;  // as IBackgroundCopyJob::GetTimes documents
  const JobTimes t = job_->Times();
  pVal->CreationTime = ToFileTime(t.creation_ns);
  pVal->ModificationTime = ToFileTime(t.modification_ns);
  pVal->TransferCompletionTime = ToFileTime(t.transfer_completion_ns);
  return S_OK;
}

HRESULT JobObject::GetState(BG_JOB_STATE* pVal) {
  if (pVal == nullptr) return E_INVALIDARG;  // as IBackgroundCopyJob::GetState documents
  *pVal = static_cast<BG_JOB_STATE>(job_->State());
  return S_OK;
}

HRESULT JobObject::GetError(IBackgroundCopyError** ppError) {
  if (ppError == nullptr) return E_POINTER;
  *ppError = nullptr;
  return Guarded([&] {
    JobErrorInfo info;
    const HRESULT h = core_->backend().GetError(job_->id(), &info);
    if (FAILED(h)) return h;
    *ppError = ErrorObject::Create(core_, job_, info);
    return S_OK;
  });
}

HRESULT JobObject::GetSourceStats(UINT64* FromPeers, UINT64* FromHttp) {
  if (FromPeers == nullptr || FromHttp == nullptr) return E_POINTER;
  const SourceBytes s = job_->Sources();
  *FromPeers = s.from_peers;
  *FromHttp = s.from_http;
  return S_OK;
}

}  // namespace shoal::api
