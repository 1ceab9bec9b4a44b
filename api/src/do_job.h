// DoJobExtension: IDeliveryOptimizationJob and IDeliveryOptimizationJob2, the DO-only
// extensions of a BITS job, as a tear-off of its JobObject (QueryInterface goes back to the
// job, so IUnknown identity holds). Thread-safe.
#pragma once

#include "api/src/com_object.h"
#include "shoal/do.h"

namespace shoal::api {

class JobObject;

// JobObject::QueryInterface for the two IIDs: a new tear-off holding a reference to `job`.
HRESULT QueryDoJob(JobObject* job, REFIID riid, void** ppv);

class DoJobExtension final : public IDeliveryOptimizationJob,
                             public IDeliveryOptimizationJob2,
                             public RefCounted {
 public:
  explicit DoJobExtension(JobObject* job);

  // IUnknown: the job's, but for these two interfaces.
  HRESULT STDMETHODCALLTYPE QueryInterface(REFIID riid, void** ppv) override;
  ULONG STDMETHODCALLTYPE AddRef() override { return AddRefImpl(); }
  ULONG STDMETHODCALLTYPE Release() override { return ReleaseImpl(); }

  // IDeliveryOptimizationJob
  HRESULT STDMETHODCALLTYPE AddFileWithRanges(LPCWSTR fileId, LPCWSTR remoteUrl, LPCWSTR localName,
                                              DWORD rangeCount, BG_FILE_RANGE ranges[],
                                              ULONG64 fileSize) override;
  // IDeliveryOptimizationJob2
  HRESULT STDMETHODCALLTYPE AddFile(LPCWSTR fileId, LPCWSTR remoteUrl, DWORD rangeCount,
                                    BG_FILE_RANGE ranges[], REFIID riid, void** object) override;
  HRESULT STDMETHODCALLTYPE GetProperty(DOJobPropertyId propId, VARIANT* propValue) override;
  HRESULT STDMETHODCALLTYPE SetProperty(DOJobPropertyId propId, const VARIANT* propValue) override;

 private:
  ~DoJobExtension() override;
  JobObject* const job_;  // referenced
};

}  // namespace shoal::api
