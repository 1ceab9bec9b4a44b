// JobObject: IBackgroundCopyJob5 (and 1-4), IBackgroundCopyJobHttpOptions and IShoalJob3 as a
// handle — the Core and the job's JobHandle. State, progress and times are read lock-free from the
// handle; everything else is a Backend call. Core keeps one live object per job (IUnknown
// identity). Thread-safe.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "api/src/backend.h"
#include "api/src/com_object.h"
#include "engine/mutex.h"
#include "shoal/bits.h"
#include "shoal/shoal.h"

namespace shoal::api {

class Core;

class JobObject final : public IBackgroundCopyJob5,
                        public IBackgroundCopyJobHttpOptions,
                        public IShoalJob3,
                        public RefCounted {
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

  // IBackgroundCopyJob2 (job_v2.cc)
  HRESULT STDMETHODCALLTYPE SetNotifyCmdLine(LPCWSTR Program, LPCWSTR Parameters) override;
  HRESULT STDMETHODCALLTYPE GetNotifyCmdLine(LPWSTR* pProgram, LPWSTR* pParameters) override;
  HRESULT STDMETHODCALLTYPE GetReplyProgress(BG_JOB_REPLY_PROGRESS* pProgress) override;
  HRESULT STDMETHODCALLTYPE GetReplyData(BYTE** ppBuffer, UINT64* pLength) override;
  HRESULT STDMETHODCALLTYPE SetReplyFileName(LPCWSTR ReplyFileName) override;
  HRESULT STDMETHODCALLTYPE GetReplyFileName(LPWSTR* pReplyFileName) override;
  HRESULT STDMETHODCALLTYPE SetCredentials(BG_AUTH_CREDENTIALS* credentials) override;
  HRESULT STDMETHODCALLTYPE RemoveCredentials(BG_AUTH_TARGET Target,
                                              BG_AUTH_SCHEME Scheme) override;
  // IBackgroundCopyJob3 (job_v2.cc)
  HRESULT STDMETHODCALLTYPE ReplaceRemotePrefix(LPCWSTR OldPrefix, LPCWSTR NewPrefix) override;
  HRESULT STDMETHODCALLTYPE AddFileWithRanges(LPCWSTR RemoteUrl, LPCWSTR LocalName,
                                              DWORD RangeCount, BG_FILE_RANGE Ranges[]) override;
  HRESULT STDMETHODCALLTYPE SetFileACLFlags(DWORD Flags) override;
  HRESULT STDMETHODCALLTYPE GetFileACLFlags(DWORD* Flags) override;
  // IBackgroundCopyJob4 (job_v2.cc)
  HRESULT STDMETHODCALLTYPE SetPeerCachingFlags(DWORD Flags) override;
  HRESULT STDMETHODCALLTYPE GetPeerCachingFlags(DWORD* pFlags) override;
  HRESULT STDMETHODCALLTYPE GetOwnerIntegrityLevel(ULONG* pLevel) override;
  HRESULT STDMETHODCALLTYPE GetOwnerElevationState(BOOL* pElevated) override;
  HRESULT STDMETHODCALLTYPE SetMaximumDownloadTime(ULONG Timeout) override;
  HRESULT STDMETHODCALLTYPE GetMaximumDownloadTime(ULONG* pTimeout) override;
  // IBackgroundCopyJob5 (job_v2.cc)
  HRESULT STDMETHODCALLTYPE SetProperty(BITS_JOB_PROPERTY_ID PropertyId,
                                        BITS_JOB_PROPERTY_VALUE PropertyValue) override;
  HRESULT STDMETHODCALLTYPE GetProperty(BITS_JOB_PROPERTY_ID PropertyId,
                                        BITS_JOB_PROPERTY_VALUE* PropertyValue) override;
  // IBackgroundCopyJobHttpOptions (http_options.cc)
  HRESULT STDMETHODCALLTYPE SetClientCertificateByID(BG_CERT_STORE_LOCATION StoreLocation,
                                                     LPCWSTR StoreName,
                                                     BYTE* pCertHashBlob) override;
  HRESULT STDMETHODCALLTYPE SetClientCertificateByName(BG_CERT_STORE_LOCATION StoreLocation,
                                                       LPCWSTR StoreName,
                                                       LPCWSTR SubjectName) override;
  HRESULT STDMETHODCALLTYPE RemoveClientCertificate() override;
  HRESULT STDMETHODCALLTYPE GetClientCertificate(BG_CERT_STORE_LOCATION* pStoreLocation,
                                                 LPWSTR* pStoreName, BYTE** ppCertHashBlob,
                                                 LPWSTR* pSubjectName) override;
  HRESULT STDMETHODCALLTYPE SetCustomHeaders(LPCWSTR RequestHeaders) override;
  HRESULT STDMETHODCALLTYPE GetCustomHeaders(LPWSTR* pRequestHeaders) override;
  HRESULT STDMETHODCALLTYPE SetSecurityFlags(ULONG Flags) override;
  HRESULT STDMETHODCALLTYPE GetSecurityFlags(ULONG* pFlags) override;

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
  // The shape of every plain property setter and getter: one field patched, or one field read
  // into the out-parameter (converted to its type), inside Guarded.
  template <typename T, typename V>
  HRESULT PatchOne(std::optional<T> JobPropertiesPatch::*field, V value) {
    return Guarded([&] {
      JobPropertiesPatch patch;
      patch.*field = static_cast<T>(value);
      return Patch(patch);
    });
  }
  template <typename T, typename Out>
  HRESULT ReadOne(T JobProperties::*field, Out* out) {
    return Guarded([&] {
      JobProperties p;
      const HRESULT h = Read(&p);
      if (SUCCEEDED(h)) *out = static_cast<Out>(p.*field);
      return h;
    });
  }
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
