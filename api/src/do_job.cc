#include "api/src/do_job.h"

#include "api/src/core.h"
#include "api/src/job.h"
#include "api/src/strings.h"

namespace shoal::api {
namespace {

// DO's pages give DO_E_ codes where BITS' give BG_E_ ones.
HRESULT ToDoCode(HRESULT h) {
  if (h == BG_E_INVALID_RANGE) return DO_E_INVALID_RANGE;
  if (h == BG_E_OVERLAPPING_RANGES) return DO_E_OVERLAPPING_RANGES;
  return h;
}

}  // namespace

HRESULT QueryDoJob(JobObject* job, REFIID riid, void** ppv) {
  return Guarded([&] {
    auto* ext = new DoJobExtension(job);
    const HRESULT h = ext->QueryInterface(riid, ppv);
    ext->Release();
    return h;
  });
}

DoJobExtension::DoJobExtension(JobObject* job) : job_(job) { job_->AddRef(); }

DoJobExtension::~DoJobExtension() { job_->Release(); }

HRESULT DoJobExtension::QueryInterface(REFIID riid, void** ppv) {
  if (ppv == nullptr) return E_POINTER;
  if (riid == IID_IDeliveryOptimizationJob) {
    *ppv = static_cast<IDeliveryOptimizationJob*>(this);
  } else if (riid == IID_IDeliveryOptimizationJob2) {
    *ppv = static_cast<IDeliveryOptimizationJob2*>(this);
  } else {
    return job_->QueryInterface(riid, ppv);
  }
  AddRef();
  return S_OK;
}

HRESULT DoJobExtension::AddFileWithRanges(LPCWSTR fileId, LPCWSTR remoteUrl, LPCWSTR localName,
                                          DWORD rangeCount, BG_FILE_RANGE ranges[],
                                          ULONG64 fileSize) {
  (void)fileId;  // the caller's own name for the file; shoal keys files by index
  // "The local file name is NULL or empty string."
  if (localName == nullptr || localName[0] == L'\0') return E_INVALIDARG;
  // rangeCount and ranges are optional here: none means the whole file.
  if (rangeCount == 0) return job_->AddFile(remoteUrl, localName);
  if (ranges == nullptr) return E_INVALIDARG;
  return ToDoCode(job_->AddFileWithRangesImpl(remoteUrl, localName, rangeCount, ranges, fileSize));
}

HRESULT DoJobExtension::AddFile(LPCWSTR fileId, LPCWSTR remoteUrl, DWORD rangeCount,
                                BG_FILE_RANGE ranges[], REFIID riid, void** object) {
  (void)fileId;
  (void)riid;
  if (object == nullptr) return E_POINTER;
  *object = nullptr;
  if (remoteUrl == nullptr || (rangeCount > 0 && ranges == nullptr)) return E_INVALIDARG;
  // This AddFile names no local file: DO writes to a sink set later through
  // IDeliveryOptimizationFile2 (DownloadSinkFilePath), which shoal does not have. Said so
  // rather than adding a file that could never be written (docs/api.md).
  return DO_E_FILE_DOWNLOADSINK_UNSPECIFIED;
}

HRESULT DoJobExtension::GetProperty(DOJobPropertyId propId, VARIANT* propValue) {
  if (propValue == nullptr) return E_INVALIDARG;
  VariantInit(propValue);
  if (propId != DOJobPropertyId_ExtendedErrorInfo) return DO_E_UNKNOWN_PROPERTY_ID;
  return Guarded([&] {
    JobErrorInfo info;
    // No error now (the job is not in ERROR or TRANSIENT_ERROR): nothing to say.
    if (FAILED(job_->core()->backend().GetError(job_->id(), &info))) return E_NOT_SET;
    const std::wstring text = Utf8ToWide(info.message);
    propValue->bstrVal = SysAllocString(text.c_str());
    if (propValue->bstrVal == nullptr) return E_OUTOFMEMORY;
    propValue->vt = VT_BSTR;
    return S_OK;
  });
}

HRESULT DoJobExtension::SetProperty(DOJobPropertyId propId, const VARIANT* propValue) {
  (void)propValue;
  // "This method is unused": the one property is read-only.
  return propId == DOJobPropertyId_ExtendedErrorInfo ? DO_E_READ_ONLY_PROPERTY
                                                     : DO_E_UNKNOWN_PROPERTY_ID;
}

}  // namespace shoal::api
