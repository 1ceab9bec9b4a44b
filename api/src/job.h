// JobObject: IBackgroundCopyJob (+ IShoalJob3) as a handle — the Core and the job's
// JobHandle. State, progress and times are read lock-free from the handle; everything else is
// a Backend call. Core keeps one live object per job (IUnknown identity). Thread-safe.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "api/src/backend.h"
#include "api/src/com_object.h"
#include "engine/mutex.h"
#include "shoal/bits.h"
#include "shoal/shoal.h"

namespace shoal::api {

class Core;

class JobObject final : public IBackgroundCopyJob, public IShoalJob3, public RefCounted {
 public:
  JobObject(std::shared_ptr<Core> core, std::shared_ptr<const JobHandle> job);

  // IUnknown
  HRESULT STDMETHODCALLTYPE QueryInterface(REFIID riid, void** ppv) override;
  ULONG STDMETHODCALLTYPE AddRef() override { return AddRefImpl(); }
  ULONG STDMETHODCALLTYPE Release() override { return ReleaseImpl(); }

  // IBackgroundCopyJob, in vtable order. job.cc: files, lifecycle, read-only state.
  HRESULT STDMETHODCALLTYPE AddFileSet(ULONG cFileCount, BG_FILE_INFO* pFileSet) override;
  HRESULT STDMETHODCALLTYPE AddFile(LPCWSTR RemoteUrl, LPCWSTR LocalName) override;
  HRESULT STDMETHODCALLTYPE EnumFiles(IEnumBackgroundCopyFiles** pEnum) override;
  HRESULT STDMETHODCALLTYPE Suspend() override;
  HRESULT STDMETHODCALLTYPE Resume() override;
  HRESULT STDMETHODCALLTYPE Cancel() override;
  HRESULT STDMETHODCALLTYPE Complete() override;
  HRESULT STDMETHODCALLTYPE GetId(GUID* pVal) override;
  HRESULT STDMETHODCALLTYPE GetType(BG_JOB_TYPE* pVal) override;
  HRESULT STDMETHODCALLTYPE GetProgress(BG_JOB_PROGRESS* pVal) override;
  HRESULT STDMETHODCALLTYPE GetTimes(BG_JOB_TIMES* pVal) override;
  HRESULT STDMETHODCALLTYPE GetState(BG_JOB_STATE* pVal) override;
  HRESULT STDMETHODCALLTYPE GetError(IBackgroundCopyError** ppError) override;
  // job_properties.cc: the Set*/Get* pairs, owner and proxy settings.
  HRESULT STDMETHODCALLTYPE GetOwner(LPWSTR* pVal) override;
  HRESULT STDMETHODCALLTYPE SetDisplayName(LPCWSTR Val) override;
  HRESULT STDMETHODCALLTYPE GetDisplayName(LPWSTR* pVal) override;
  HRESULT STDMETHODCALLTYPE SetDescription(LPCWSTR Val) override;
  HRESULT STDMETHODCALLTYPE GetDescription(LPWSTR* pVal) override;
  HRESULT STDMETHODCALLTYPE SetPriority(BG_JOB_PRIORITY Val) override;
  HRESULT STDMETHODCALLTYPE GetPriority(BG_JOB_PRIORITY* pVal) override;
  HRESULT STDMETHODCALLTYPE SetNotifyFlags(ULONG Val) override;
  HRESULT STDMETHODCALLTYPE GetNotifyFlags(ULONG* pVal) override;
  HRESULT STDMETHODCALLTYPE SetNotifyInterface(IUnknown* Val) override;
  HRESULT STDMETHODCALLTYPE GetNotifyInterface(IUnknown** pVal) override;
  HRESULT STDMETHODCALLTYPE SetMinimumRetryDelay(ULONG Seconds) override;
  HRESULT STDMETHODCALLTYPE GetMinimumRetryDelay(ULONG* Seconds) override;
  HRESULT STDMETHODCALLTYPE SetNoProgressTimeout(ULONG Seconds) override;
  HRESULT STDMETHODCALLTYPE GetNoProgressTimeout(ULONG* Seconds) override;
  HRESULT STDMETHODCALLTYPE GetErrorCount(ULONG* Errors) override;
  HRESULT STDMETHODCALLTYPE SetProxySettings(BG_JOB_PROXY_USAGE ProxyUsage, const WCHAR* ProxyList,
                                             const WCHAR* ProxyBypassList) override;
  HRESULT STDMETHODCALLTYPE GetProxySettings(BG_JOB_PROXY_USAGE* pProxyUsage, LPWSTR* pProxyList,
                                             LPWSTR* pProxyBypassList) override;
  HRESULT STDMETHODCALLTYPE TakeOwnership() override;

  // IShoalJob (job.cc)
  HRESULT STDMETHODCALLTYPE AddFileWithMetainfo(LPCWSTR RemoteUrl, LPCWSTR LocalName,
                                                const BYTE* Metainfo, ULONG Size) override;
  HRESULT STDMETHODCALLTYPE GetSourceStats(UINT64* FromPeers, UINT64* FromHttp) override;
  // IShoalJob2 (job.cc)
  HRESULT STDMETHODCALLTYPE AddFileEx(LPCWSTR RemoteUrl, LPCWSTR LocalName, const BYTE* Metainfo,
                                      ULONG MetainfoSize, const BYTE* Sha256, DWORD Flags) override;
  // IShoalJob3 (stats.cc)
  HRESULT STDMETHODCALLTYPE GetStats(SHOAL_TRANSFER_STATS* Stats) override;
  HRESULT STDMETHODCALLTYPE GetFileStats(ULONG FileIndex, SHOAL_TRANSFER_STATS* Stats) override;

  // IBackgroundCopyJob3::AddFileWithRanges' body, shared with IDeliveryOptimizationJob
  // (job_ranges.cc): checks the pair and the ranges (in offset order; `file_size` known or
  // BG_SIZE_UNKNOWN) and adds the file. BITS' codes: E_INVALIDARG (no ranges, a bad name),
  // BG_E_INVALID_RANGE, BG_E_OVERLAPPING_RANGES, BG_E_INVALID_STATE.
  HRESULT AddFileWithRangesImpl(LPCWSTR remote_url, LPCWSTR local_name, DWORD range_count,
                                const BG_FILE_RANGE* ranges, UINT64 file_size);

  const Uuid& id() const { return job_->id(); }
  const std::shared_ptr<Core>& core() const { return core_; }

 private:
  ~JobObject() override;

  // Applies `patch` to the job's properties (BG_E_INVALID_STATE in a final state).
  HRESULT Patch(const JobPropertiesPatch& patch);
  HRESULT Read(JobProperties* out);
  HRESULT AddSpecs(std::vector<FileSpec> specs);

  const std::shared_ptr<Core> core_;
  const std::shared_ptr<const JobHandle> job_;
  // Orders SetNotifyFlags and SetNotifyInterface, so the Core's cached flags and the job's
  // stay the same. Never held while client code runs.
  engine::Mutex notify_mu_;
};

// Checks and converts one AddFile pair: E_INVALIDARG unless the URL is http(s):// and the
// local name is an absolute path naming a file.
HRESULT MakeFileSpec(LPCWSTR remote_url, LPCWSTR local_name, FileSpec* out);

}  // namespace shoal::api
