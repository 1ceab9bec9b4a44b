// IDODownload over a BITS job: the state table of docs/api.md ("IDODownload"), the properties,
// and the forwarding of job events to IDODownloadStatusCallback.
#include "api/src/do_download.h"

#include <cstdio>
#include <vector>

#include "api/src/core.h"
#include "api/src/error.h"
#include "api/src/job.h"
#include "shoal/activation.h"

namespace shoal::api {

HRESULT StatusForwarder::QueryInterface(REFIID riid, void** ppv) {
  if (ppv == nullptr) return E_POINTER;
  if (riid == IID_IUnknown || riid == IID_IBackgroundCopyCallback) {
    *ppv = static_cast<IBackgroundCopyCallback*>(this);
    AddRef();
    return S_OK;
  }
  *ppv = nullptr;
  return E_NOINTERFACE;
}

void StatusForwarder::Detach() {
  engine::MutexLock lock(mu_);
  download_ = nullptr;
}

HRESULT StatusForwarder::Forward() {
  DownloadObject* download = nullptr;
  {
    engine::MutexLock lock(mu_);
    if (download_ == nullptr || !download_->TryAddRef()) return S_OK;
    download = download_;
  }
  ScopedRelease<DownloadObject> hold(download);
  DO_DOWNLOAD_STATUS status;
  if (SUCCEEDED(download->GetStatus(&status))) callback_->OnStatusChange(download, &status);
  return S_OK;  // JobError too: DO reports a status change once
}

DownloadObject::~DownloadObject() {
  StatusForwarder* forwarder = nullptr;
  IUnknown* callback = nullptr;
  {
    engine::MutexLock lock(mu_);
    forwarder = forwarder_;
    callback = callback_;
  }
  if (forwarder != nullptr) {
    forwarder->Detach();
    job_->SetNotifyInterface(nullptr);  // refused once the job is final: nothing to drop then
    forwarder->Release();
  }
  if (callback != nullptr) callback->Release();
  job_->Release();
}

HRESULT DownloadObject::QueryInterface(REFIID riid, void** ppv) {
  if (ppv == nullptr) return E_POINTER;
  if (riid == IID_IUnknown || riid == IID_IDODownload) {
    *ppv = static_cast<IDODownload*>(this);
    AddRef();
    return S_OK;
  }
  *ppv = nullptr;
  return E_NOINTERFACE;
}

DODownloadState DownloadObject::State() {
  BG_JOB_STATE s = BG_JOB_STATE_SUSPENDED;
  job_->GetState(&s);
  switch (s) {
    case BG_JOB_STATE_QUEUED:
    case BG_JOB_STATE_CONNECTING:
    case BG_JOB_STATE_TRANSFERRING:
      return DODownloadState_Transferring;
    case BG_JOB_STATE_TRANSFERRED:
      return DODownloadState_Transferred;
    case BG_JOB_STATE_ACKNOWLEDGED:
      return DODownloadState_Finalized;
    case BG_JOB_STATE_CANCELLED:
      return DODownloadState_Aborted;
    case BG_JOB_STATE_SUSPENDED: {
      BG_JOB_PROGRESS p{};
      job_->GetProgress(&p);
      return p.FilesTotal == 0 ? DODownloadState_Created : DODownloadState_Paused;
    }
    default:  // ERROR, TRANSIENT_ERROR: paused by the failure
      return DODownloadState_Paused;
  }
}

HRESULT DownloadObject::Start(const DO_DOWNLOAD_RANGES_INFO* ranges) {
  // IDODownload::Start: a pointer to an empty DO_DOWNLOAD_RANGES_INFO (RangeCount 0) asks for
  // the whole file, a non-empty one for those ranges; nullptr resumes without changing them.
  const bool with_ranges = ranges != nullptr && ranges->RangeCount > 0;
  return Guarded([&] {
    const DODownloadState state = State();
    if (state == DODownloadState_Finalized || state == DODownloadState_Aborted) {
      return DO_E_INVALID_STATE;
    }
    bool blocking = false;
    {
      engine::MutexLock lock(mu_);
      blocking = blocking_;
    }
    if (ranges != nullptr && state != DODownloadState_Created && !SameRanges(ranges)) {
      // DODownloadState: Transferred "can start again by downloading another portion of the
      // file": new ranges join the download's. The whole file after ranges, or other ranges
      // while not Transferred, is not supported: said so rather than ignored (docs/api.md).
      if (state != DODownloadState_Transferred || !with_ranges) return E_NOTIMPL;
      std::vector<engine::ByteRange> more(ranges->RangeCount);
      for (UINT i = 0; i < ranges->RangeCount; ++i) {
        more[i] = {ranges->Ranges[i].Offset, ranges->Ranges[i].Length};
      }
      auto* job = static_cast<JobObject*>(job_);  // always a JobObject (see GetStatus)
      const HRESULT h = job->core()->backend().AddRanges(job->id(), 0, std::move(more));
      if (h == BG_E_INVALID_RANGE) return DO_E_INVALID_RANGE;
      if (h == BG_E_OVERLAPPING_RANGES) return DO_E_OVERLAPPING_RANGES;
      return FAILED(h) || !blocking ? h : WaitWhileTransferring();
    }
    if (state == DODownloadState_Transferring || state == DODownloadState_Transferred) {
      return S_OK;
    }
    if (state == DODownloadState_Created) {
      std::wstring uri, local;
      {
        engine::MutexLock lock(mu_);
        if (!uri_) return DO_E_DOWNLOAD_NO_URI;
        if (!local_path_) return DO_E_FILE_DOWNLOADSINK_UNSPECIFIED;
        uri = *uri_;
        local = *local_path_;
      }
      HRESULT h = S_OK;
      if (with_ranges) {
        IDeliveryOptimizationJob* ranged = nullptr;
        h = job_->QueryInterface(IID_IDeliveryOptimizationJob, reinterpret_cast<void**>(&ranged));
        if (FAILED(h)) return h;
        ScopedRelease<IDeliveryOptimizationJob> hold(ranged);
        std::vector<BG_FILE_RANGE> list(ranges->RangeCount);
        for (UINT i = 0; i < ranges->RangeCount; ++i) {
          list[i] = {ranges->Ranges[i].Offset, ranges->Ranges[i].Length};
        }
        h = ranged->AddFileWithRanges(nullptr, uri.c_str(), local.c_str(), ranges->RangeCount,
                                      list.data(), DO_UNKNOWN_FILE_SIZE);
      } else {
        h = job_->AddFile(uri.c_str(), local.c_str());
      }
      if (FAILED(h)) return h;
    }
    const HRESULT h = job_->Resume();
    if (FAILED(h) || !blocking) return h;
    return WaitWhileTransferring();
  });
}

HRESULT DownloadObject::WaitWhileTransferring() {
  // BlockingMode: Start returns once the download is transferred or has stopped.
  while (State() == DODownloadState_Transferring) Sleep(10);
  DO_DOWNLOAD_STATUS status;
  GetStatus(&status);
  return FAILED(status.Error) ? status.Error : S_OK;
}

bool DownloadObject::SameRanges(const DO_DOWNLOAD_RANGES_INFO* ranges) {
  IEnumBackgroundCopyFiles* files = nullptr;
  if (FAILED(job_->EnumFiles(&files))) return false;
  ScopedRelease<IEnumBackgroundCopyFiles> hold(files);
  IBackgroundCopyFile* file = nullptr;
  if (files->Next(1, &file, nullptr) != S_OK) return false;
  ScopedRelease<IBackgroundCopyFile> hold_file(file);
  IBackgroundCopyFile2* file2 = nullptr;
  if (FAILED(file->QueryInterface(IID_IBackgroundCopyFile2, reinterpret_cast<void**>(&file2)))) {
    return false;
  }
  ScopedRelease<IBackgroundCopyFile2> hold_file2(file2);
  DWORD count = 0;
  BG_FILE_RANGE* have = nullptr;
  if (FAILED(file2->GetFileRanges(&count, &have))) return false;
  // RangeCount 0 (the whole file) is the file's only when it has no ranges; otherwise every
  // range asked for must be one the file has (a portion Start added before counts too).
  bool same = ranges->RangeCount == 0 ? count == 0 : count > 0;
  for (UINT i = 0; same && i < ranges->RangeCount; ++i) {
    bool found = false;
    for (DWORD j = 0; !found && j < count; ++j) {
      found = have[j].InitialOffset == ranges->Ranges[i].Offset &&
              have[j].Length == ranges->Ranges[i].Length;
    }
    same = found;
  }
  CoTaskMemFree(have);
  return same;
}

HRESULT DownloadObject::Pause() {
  return Guarded([&] {
    switch (State()) {
      case DODownloadState_Finalized:
      case DODownloadState_Aborted:
        return DO_E_INVALID_STATE;
      case DODownloadState_Transferring:
        return job_->Suspend();
      default:
        return S_OK;  // Created, Paused, Transferred: nothing to pause
    }
  });
}

HRESULT DownloadObject::Abort() {
  return Guarded([&] {
    const DODownloadState state = State();
    if (state == DODownloadState_Aborted) return S_OK;
    if (state == DODownloadState_Finalized) return DO_E_INVALID_STATE;
    const HRESULT h = job_->Cancel();
    return FAILED(h) ? h : S_OK;
  });
}

HRESULT DownloadObject::Finalize() {
  return Guarded([&] {
    const DODownloadState state = State();
    if (state == DODownloadState_Finalized) return S_OK;
    if (state != DODownloadState_Transferred) return DO_E_INVALID_STATE;
    return job_->Complete();
  });
}

HRESULT DownloadObject::GetStatus(DO_DOWNLOAD_STATUS* status) {
  if (status == nullptr) return E_POINTER;
  return Guarded([&] {
    BG_JOB_PROGRESS p{};
    HRESULT h = job_->GetProgress(&p);
    if (FAILED(h)) return h;
    BG_JOB_STATE s = BG_JOB_STATE_SUSPENDED;
    h = job_->GetState(&s);
    if (FAILED(h)) return h;
    *status = {p.BytesTotal, p.BytesTransferred, State(), S_OK, S_OK};
    if (s == BG_JOB_STATE_ERROR || s == BG_JOB_STATE_TRANSIENT_ERROR) {
      IBackgroundCopyError* error = nullptr;
      if (SUCCEEDED(job_->GetError(&error))) {
        ScopedRelease<IBackgroundCopyError> hold(error);
        BG_ERROR_CONTEXT context;
        HRESULT code = S_OK;
        error->GetError(&context, &code);
        // DO: a real failure sets Error; a transient one (retried) only ExtendedError. Retries
        // that ran out of NoProgressTimeout are DO_E_DOWNLOAD_NO_PROGRESS, with the last
        // failure as ExtendedError. (job_ is always a JobObject: its errors are ErrorObjects.)
        if (s == BG_JOB_STATE_ERROR && static_cast<ErrorObject*>(error)->info().no_progress) {
          status->Error = DO_E_DOWNLOAD_NO_PROGRESS;
          status->ExtendedError = code;
        } else {
          (s == BG_JOB_STATE_ERROR ? status->Error : status->ExtendedError) = code;
        }
      }
    }
    return S_OK;
  });
}

std::wstring DownloadObject::FileName(bool remote) {
  IEnumBackgroundCopyFiles* files = nullptr;
  if (FAILED(job_->EnumFiles(&files))) return L"";
  ScopedRelease<IEnumBackgroundCopyFiles> hold(files);
  IBackgroundCopyFile* file = nullptr;
  if (files->Next(1, &file, nullptr) != S_OK) return L"";
  ScopedRelease<IBackgroundCopyFile> hold_file(file);
  LPWSTR name = nullptr;
  if (FAILED(remote ? file->GetRemoteName(&name) : file->GetLocalName(&name))) return L"";
  std::wstring text(name);
  CoTaskMemFree(name);
  return text;
}

std::wstring DownloadObject::IdString() {
  GUID g{};
  job_->GetId(&g);
  wchar_t text[40];
  std::swprintf(text, 40, L"{%08X-%04X-%04X-%02X%02X-%02X%02X%02X%02X%02X%02X}", g.Data1, g.Data2,
                g.Data3, g.Data4[0], g.Data4[1], g.Data4[2], g.Data4[3], g.Data4[4], g.Data4[5],
                g.Data4[6], g.Data4[7]);
  return text;
}

std::wstring DownloadObject::DisplayName() {
  LPWSTR name = nullptr;
  if (FAILED(job_->GetDisplayName(&name))) return L"";
  std::wstring text(name);
  CoTaskMemFree(name);
  return text;
}

}  // namespace shoal::api
