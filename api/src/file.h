// FileObject: IBackgroundCopyFile5 (and 1-4), IDeliveryOptimizationFile and
// IDeliveryOptimizationFile2 over one file of a job — names fixed at creation,
// progress and per-source bytes read from the job's JobHandle. Thread-safe.
#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "api/src/backend.h"
#include "api/src/com_object.h"
#include "shoal/bits.h"
#include "shoal/do_file.h"

namespace shoal::api {

class FileObject final : public IBackgroundCopyFile5,
                         public IDeliveryOptimizationFile,
                         public IDeliveryOptimizationFile2,
                         public RefCounted {
 public:
  FileObject(std::shared_ptr<const JobHandle> job, std::size_t index, const FileInfo& info);

  HRESULT STDMETHODCALLTYPE QueryInterface(REFIID riid, void** ppv) override;
  ULONG STDMETHODCALLTYPE AddRef() override { return AddRefImpl(); }
  ULONG STDMETHODCALLTYPE Release() override { return ReleaseImpl(); }

  HRESULT STDMETHODCALLTYPE GetRemoteName(LPWSTR* pVal) override;
  HRESULT STDMETHODCALLTYPE GetLocalName(LPWSTR* pVal) override;
  HRESULT STDMETHODCALLTYPE GetProgress(BG_FILE_PROGRESS* pVal) override;
  // IBackgroundCopyFile2: the ranges given at AddFileWithRanges (S_FALSE without);
  // SetRemoteName is not supported (E_NOTIMPL).
  HRESULT STDMETHODCALLTYPE GetFileRanges(DWORD* RangeCount, BG_FILE_RANGE** Ranges) override;
  HRESULT STDMETHODCALLTYPE SetRemoteName(LPCWSTR Val) override;
  // IBackgroundCopyFile3
  HRESULT STDMETHODCALLTYPE GetTemporaryName(LPWSTR* pFilename) override;
  HRESULT STDMETHODCALLTYPE SetValidationState(BOOL state) override;
  HRESULT STDMETHODCALLTYPE GetValidationState(BOOL* pState) override;
  HRESULT STDMETHODCALLTYPE IsDownloadedFromPeer(BOOL* pVal) override;
  // IBackgroundCopyFile4
  HRESULT STDMETHODCALLTYPE GetPeerDownloadStats(PUINT64 pFromOrigin, PUINT64 pFromPeers) override;
  // IBackgroundCopyFile5 (file_v5.cc)
  HRESULT STDMETHODCALLTYPE SetProperty(BITS_FILE_PROPERTY_ID PropertyId,
                                        BITS_FILE_PROPERTY_VALUE PropertyValue) override;
  HRESULT STDMETHODCALLTYPE GetProperty(BITS_FILE_PROPERTY_ID PropertyId,
                                        BITS_FILE_PROPERTY_VALUE* PropertyValue) override;
  // IDeliveryOptimizationFile (file_v5.cc)
  HRESULT STDMETHODCALLTYPE GetStats(DOSwarmStats* stats) override;
  // IDeliveryOptimizationFile2 (file_v5.cc)
  HRESULT STDMETHODCALLTYPE GetProperty(DOFilePropertyId propId, VARIANT* propValue) override;
  HRESULT STDMETHODCALLTYPE SetProperty(DOFilePropertyId propId, const VARIANT* propValue) override;

 private:
  const std::shared_ptr<const JobHandle> job_;
  const std::size_t index_;
  const std::string remote_url_;
  const std::string local_path_;
  const std::string temp_path_;
  const std::vector<engine::ByteRange> ranges_;
  std::atomic<bool> validated_{false};  // SetValidationState(TRUE) on this handle
};

}  // namespace shoal::api
