// ManagerObject: IBackgroundCopyManager (+ IShoalManager2, IDOManager) over one Core. Creating,
// finding and enumerating jobs are Backend calls; the returned jobs are the Core's job objects.
// Thread-safe.
#pragma once

#include <memory>

#include "api/src/com_object.h"
#include "shoal/bits.h"
#include "shoal/do.h"
#include "shoal/shoal.h"

namespace shoal::api {

class Core;

class ManagerObject final : public IBackgroundCopyManager,
                            public IShoalManager2,
                            public IDOManager,
                            public RefCounted {
 public:
  explicit ManagerObject(std::shared_ptr<Core> core) : core_(std::move(core)) {}

  HRESULT STDMETHODCALLTYPE QueryInterface(REFIID riid, void** ppv) override;
  ULONG STDMETHODCALLTYPE AddRef() override { return AddRefImpl(); }
  ULONG STDMETHODCALLTYPE Release() override { return ReleaseImpl(); }

  HRESULT STDMETHODCALLTYPE CreateJob(LPCWSTR DisplayName, BG_JOB_TYPE Type, GUID* pJobId,
                                      IBackgroundCopyJob** ppJob) override;
  HRESULT STDMETHODCALLTYPE GetJob(REFGUID jobID, IBackgroundCopyJob** ppJob) override;
  HRESULT STDMETHODCALLTYPE EnumJobs(DWORD dwFlags, IEnumBackgroundCopyJobs** ppEnum) override;
  HRESULT STDMETHODCALLTYPE GetErrorDescription(HRESULT hResult, DWORD LanguageId,
                                                LPWSTR* pErrorDescription) override;

  HRESULT STDMETHODCALLTYPE AddSeed(const BYTE* Metainfo, ULONG Size, LPCWSTR Directory) override;
  HRESULT STDMETHODCALLTYPE GetListenEndpoint(LPWSTR* Endpoint) override;
  HRESULT STDMETHODCALLTYPE GetEngineStats(SHOAL_ENGINE_STATS* Stats) override;  // stats.cc

  // IDOManager (do_manager.cc): a download is a job of this manager with one file.
  HRESULT STDMETHODCALLTYPE CreateDownload(IDODownload** download) override;
  HRESULT STDMETHODCALLTYPE EnumDownloads(const DO_DOWNLOAD_ENUM_CATEGORY* category,
                                          IEnumUnknown** ppEnum) override;

 private:
  ~ManagerObject() override = default;

  const std::shared_ptr<Core> core_;
};

}  // namespace shoal::api
