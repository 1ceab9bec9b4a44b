// DownloadObject: IDODownload over one BITS job object of the same Core (a download is a job
// with one file), so it inherits the job's semantics and HRESULTs; its DO-only properties
// are kept here. IDODownloadStatusCallback is reached through an IBackgroundCopyCallback
// registered on the job. Thread-safe.
#pragma once

#include <optional>
#include <string>

#include "api/src/com_object.h"
#include "engine/mutex.h"
#include "shoal/do.h"

namespace shoal::api {

class DownloadObject;

// The IBackgroundCopyCallback registered on the job while a status callback is set: each job
// event becomes OnStatusChange with the download's status. Detached when the download goes.
class StatusForwarder final : public IBackgroundCopyCallback, public RefCounted {
 public:
  static constexpr DWORD kFlags =
      BG_NOTIFY_JOB_TRANSFERRED | BG_NOTIFY_JOB_ERROR | BG_NOTIFY_JOB_MODIFICATION;

  // Takes over one reference of `callback`.
  StatusForwarder(DownloadObject* download, IDODownloadStatusCallback* callback)
      : download_(download), callback_(callback) {}

  HRESULT STDMETHODCALLTYPE QueryInterface(REFIID riid, void** ppv) override;
  ULONG STDMETHODCALLTYPE AddRef() override { return AddRefImpl(); }
  ULONG STDMETHODCALLTYPE Release() override { return ReleaseImpl(); }
  HRESULT STDMETHODCALLTYPE JobTransferred(IBackgroundCopyJob*) override { return Forward(); }
  HRESULT STDMETHODCALLTYPE JobError(IBackgroundCopyJob*, IBackgroundCopyError*) override {
    return Forward();
  }
  HRESULT STDMETHODCALLTYPE JobModification(IBackgroundCopyJob*, DWORD) override {
    return Forward();
  }
  void Detach();

 private:
  ~StatusForwarder() override { callback_->Release(); }
  HRESULT Forward();

  engine::Mutex mu_;
  DownloadObject* download_ GUARDED_BY(mu_);
  IDODownloadStatusCallback* const callback_;
};

class DownloadObject final : public IDODownload, public RefCounted {
 public:
  // Takes over one reference of `job`.
  explicit DownloadObject(IBackgroundCopyJob* job) : job_(job) {}

  HRESULT STDMETHODCALLTYPE QueryInterface(REFIID riid, void** ppv) override;
  ULONG STDMETHODCALLTYPE AddRef() override { return AddRefImpl(); }
  ULONG STDMETHODCALLTYPE Release() override { return ReleaseImpl(); }

  HRESULT STDMETHODCALLTYPE Start(const DO_DOWNLOAD_RANGES_INFO* ranges) override;
  HRESULT STDMETHODCALLTYPE Pause() override;
  HRESULT STDMETHODCALLTYPE Abort() override;
  HRESULT STDMETHODCALLTYPE Finalize() override;
  HRESULT STDMETHODCALLTYPE GetStatus(DO_DOWNLOAD_STATUS* status) override;
  HRESULT STDMETHODCALLTYPE GetProperty(DODownloadProperty propId, VARIANT* propVal) override;
  HRESULT STDMETHODCALLTYPE SetProperty(DODownloadProperty propId, const VARIANT* propVal) override;

  // The file's URL or local path as the job has it ("" before Start).
  std::wstring FileName(bool remote);
  std::wstring IdString();
  std::wstring DisplayName();

 private:
  ~DownloadObject() override;

  DODownloadState State();
  // Whether `ranges` are among those the download's file has (RangeCount 0: it has none).
  bool SameRanges(const DO_DOWNLOAD_RANGES_INFO* ranges);
  // BlockingMode: waits while Transferring; S_OK once Transferred, else the error.
  HRESULT WaitWhileTransferring();
  HRESULT SetCallback(IUnknown* callback);

  IBackgroundCopyJob* const job_;
  engine::Mutex mu_;
  std::optional<std::wstring> uri_ GUARDED_BY(mu_);
  std::optional<std::wstring> local_path_ GUARDED_BY(mu_);
  ULONG cost_policy_ GUARDED_BY(mu_) = DODownloadCostPolicy_Always;
  std::optional<ULONG> callback_freq_percent_ GUARDED_BY(mu_);
  ULONG callback_freq_seconds_ GUARDED_BY(mu_) = 1;
  bool foreground_ GUARDED_BY(mu_) = false;
  bool blocking_ GUARDED_BY(mu_) = false;
  IUnknown* callback_ GUARDED_BY(mu_) = nullptr;  // one reference, as set
  StatusForwarder* forwarder_ GUARDED_BY(mu_) = nullptr;
};

}  // namespace shoal::api
