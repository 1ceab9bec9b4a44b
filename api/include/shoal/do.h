// The Delivery Optimization-native API, as the DO SDK header declares it: IDOManager,
// IDODownload, IDODownloadStatusCallback, their structures and enums (DO_DOWNLOAD_STATUS,
// DODownloadState, DODownloadProperty, ...), the VARIANT their properties travel in, and
// IEnumUnknown. The manager CoCreateInstance(CLSID_DeliveryOptimization, ...) returns answers
// IID_IDOManager. Thread-safe (declarations; every object is thread-safe).
#pragma once

#include "shoal/bits.h"
#include "shoal/hresults.h"
#include "shoal/windows_compat.h"
#include "shoal/wintypes.h"

// OLE Automation's VARIANT, as far as DO's properties use it.
typedef unsigned short VARTYPE;
typedef short VARIANT_BOOL;
#define VARIANT_TRUE ((VARIANT_BOOL)-1)
#define VARIANT_FALSE ((VARIANT_BOOL)0)
enum VARENUM {
  VT_EMPTY = 0,
  VT_I4 = 3,
  VT_BSTR = 8,
  VT_BOOL = 11,
  VT_UNKNOWN = 13,
  VT_UI1 = 17,
  VT_UI4 = 19,
  VT_UI8 = 21,
  VT_ARRAY = 0x2000,
};
typedef struct tagVARIANT {
  VARTYPE vt;
  WORD wReserved1;
  WORD wReserved2;
  WORD wReserved3;
  union {
    LONG lVal;
    ULONG ulVal;
    ULONGLONG ullVal;
    VARIANT_BOOL boolVal;
    BSTR bstrVal;
    IUnknown* punkVal;
  };
} VARIANT;

inline void VariantInit(VARIANT* v) {
  v->vt = VT_EMPTY;
  v->ullVal = 0;
}
// Frees what the VARIANT owns (a BSTR, a reference) and empties it.
inline HRESULT VariantClear(VARIANT* v) {
  if (v == nullptr) return E_INVALIDARG;
  if (v->vt == VT_BSTR) SysFreeString(v->bstrVal);
  if (v->vt == VT_UNKNOWN && v->punkVal != nullptr) v->punkVal->Release();
  VariantInit(v);
  return S_OK;
}

typedef enum _DODownloadState {
  DODownloadState_Created = 0,
  DODownloadState_Transferring = 1,
  DODownloadState_Transferred = 2,
  DODownloadState_Finalized = 3,
  DODownloadState_Aborted = 4,
  DODownloadState_Paused = 5,
} DODownloadState;

typedef enum _DODownloadCostPolicy {
  DODownloadCostPolicy_Always = 0,
  DODownloadCostPolicy_Unrestricted = 1,
  DODownloadCostPolicy_Standard = 2,
  DODownloadCostPolicy_NoRoaming = 3,
  DODownloadCostPolicy_NoSurcharge = 4,
  DODownloadCostPolicy_NoCellular = 5,
} DODownloadCostPolicy;

// A fixed underlying type in C++: a caller may pass any number (an unknown id must get
// E_INVALIDARG, not undefined behaviour).
#ifdef __cplusplus
typedef enum _DODownloadProperty : int {
#else
typedef enum _DODownloadProperty {
#endif
  DODownloadProperty_Id = 0,
  DODownloadProperty_Uri = 1,
  DODownloadProperty_ContentId = 2,
  DODownloadProperty_DisplayName = 3,
  DODownloadProperty_LocalPath = 4,
  DODownloadProperty_HttpCustomHeaders = 5,
  DODownloadProperty_CostPolicy = 6,
  DODownloadProperty_SecurityFlags = 7,
  DODownloadProperty_CallbackFreqPercent = 8,
  DODownloadProperty_CallbackFreqSeconds = 9,
  DODownloadProperty_NoProgressTimeoutSeconds = 10,
  DODownloadProperty_ForegroundPriority = 11,
  DODownloadProperty_BlockingMode = 12,
  DODownloadProperty_CallbackInterface = 13,
  DODownloadProperty_StreamInterface = 14,
  DODownloadProperty_SecurityContext = 15,
  DODownloadProperty_NetworkToken = 16,
  DODownloadProperty_CorrelationVector = 17,
  DODownloadProperty_DecryptionInfo = 18,
  DODownloadProperty_IntegrityCheckInfo = 19,
  DODownloadProperty_IntegrityCheckMandatory = 20,
  DODownloadProperty_TotalSizeBytes = 21,
  DODownloadProperty_DisallowOnCellular = 22,
  DODownloadProperty_HttpCustomAuthHeaders = 23,
  DODownloadProperty_HttpAllowSecureToNonSecureRedirect = 24,
  DODownloadProperty_NonVolatile = 25,
} DODownloadProperty;

typedef struct _DO_DOWNLOAD_STATUS {
  UINT64 BytesTotal;
  UINT64 BytesTransferred;
  DODownloadState State;
  HRESULT Error;
  HRESULT ExtendedError;
} DO_DOWNLOAD_STATUS;

typedef struct _DO_DOWNLOAD_RANGE {
  UINT64 Offset;
  UINT64 Length;  // not 0; DO_LENGTH_TO_EOF (bits.h) for the rest
} DO_DOWNLOAD_RANGE;

typedef struct _DO_DOWNLOAD_RANGES_INFO {
  UINT RangeCount;
  DO_DOWNLOAD_RANGE Ranges[1];  // RangeCount of them
} DO_DOWNLOAD_RANGES_INFO;

typedef struct _DO_DOWNLOAD_ENUM_CATEGORY {
  DODownloadProperty Property;  // Id, Uri, ContentId, DisplayName or LocalPath
  LPCWSTR Value;
} DO_DOWNLOAD_ENUM_CATEGORY;

// {00000100-0000-0000-C000-000000000046}
extern "C" SHOAL_API const IID IID_IEnumUnknown;
// {FBBD7FC0-C147-4727-A38D-827EF071EE77}
extern "C" SHOAL_API const IID IID_IDODownload;
// {D166E8E3-A90E-4392-8E87-05E996D3747D}
extern "C" SHOAL_API const IID IID_IDODownloadStatusCallback;
// {400E2D4A-1431-4C1A-A748-39CA472CFDB1}
extern "C" SHOAL_API const IID IID_IDOManager;

struct IEnumUnknown : public IUnknown {
  virtual HRESULT STDMETHODCALLTYPE Next(ULONG celt, IUnknown** rgelt, ULONG* pceltFetched) = 0;
  virtual HRESULT STDMETHODCALLTYPE Skip(ULONG celt) = 0;
  virtual HRESULT STDMETHODCALLTYPE Reset() = 0;
  virtual HRESULT STDMETHODCALLTYPE Clone(IEnumUnknown** ppenum) = 0;
};

struct IDODownload : public IUnknown {
  virtual HRESULT STDMETHODCALLTYPE Start(const DO_DOWNLOAD_RANGES_INFO* ranges) = 0;
  virtual HRESULT STDMETHODCALLTYPE Pause() = 0;
  virtual HRESULT STDMETHODCALLTYPE Abort() = 0;
  virtual HRESULT STDMETHODCALLTYPE Finalize() = 0;
  virtual HRESULT STDMETHODCALLTYPE GetStatus(DO_DOWNLOAD_STATUS* status) = 0;
  virtual HRESULT STDMETHODCALLTYPE GetProperty(DODownloadProperty propId, VARIANT* propVal) = 0;
  virtual HRESULT STDMETHODCALLTYPE SetProperty(DODownloadProperty propId,
                                                const VARIANT* propVal) = 0;
};

struct IDODownloadStatusCallback : public IUnknown {
  virtual HRESULT STDMETHODCALLTYPE OnStatusChange(IDODownload* download,
                                                   const DO_DOWNLOAD_STATUS* status) = 0;
};

struct IDOManager : public IUnknown {
  virtual HRESULT STDMETHODCALLTYPE CreateDownload(IDODownload** download) = 0;
  virtual HRESULT STDMETHODCALLTYPE EnumDownloads(const DO_DOWNLOAD_ENUM_CATEGORY* category,
                                                  IEnumUnknown** ppEnum) = 0;
};

// The DO-only extensions of the BITS-compatible job (Delivery Optimization's
// IDeliveryOptimizationJob / IDeliveryOptimizationJob2 pages): QueryInterface them from an
// IBackgroundCopyJob. Both derive from IUnknown.
#define DO_UNKNOWN_FILE_SIZE ((UINT64)-1)  // value UNCONFIRMED (docs/api.md)
#ifdef __cplusplus
typedef enum _DOJobPropertyId : int {
#else
typedef enum _DOJobPropertyId {
#endif
  DOJobPropertyId_ExtendedErrorInfo = 0,  // VT_BSTR, read-only; value UNCONFIRMED
} DOJobPropertyId;

// {EE2584CF-A69C-4848-B633-2649962B3EF7}
extern "C" SHOAL_API const IID IID_IDeliveryOptimizationJob;
// {18995A26-BF59-4ABE-9F8B-D5092D5A2405}
extern "C" SHOAL_API const IID IID_IDeliveryOptimizationJob2;

struct IDeliveryOptimizationJob : public IUnknown {
  virtual HRESULT STDMETHODCALLTYPE AddFileWithRanges(LPCWSTR fileId, LPCWSTR remoteUrl,
                                                      LPCWSTR localName, DWORD rangeCount,
                                                      BG_FILE_RANGE ranges[], ULONG64 fileSize) = 0;
};

struct IDeliveryOptimizationJob2 : public IUnknown {
  virtual HRESULT STDMETHODCALLTYPE AddFile(LPCWSTR fileId, LPCWSTR remoteUrl, DWORD rangeCount,
                                            BG_FILE_RANGE ranges[], REFIID riid, void** object) = 0;
  virtual HRESULT STDMETHODCALLTYPE GetProperty(DOJobPropertyId propId, VARIANT* propValue) = 0;
  virtual HRESULT STDMETHODCALLTYPE SetProperty(DOJobPropertyId propId,
                                                const VARIANT* propValue) = 0;
};

SHOAL_DECLARE_UUID(IEnumUnknown, IID_IEnumUnknown)
SHOAL_DECLARE_UUID(IDeliveryOptimizationJob, IID_IDeliveryOptimizationJob)
SHOAL_DECLARE_UUID(IDeliveryOptimizationJob2, IID_IDeliveryOptimizationJob2)
SHOAL_DECLARE_UUID(IDODownload, IID_IDODownload)
SHOAL_DECLARE_UUID(IDODownloadStatusCallback, IID_IDODownloadStatusCallback)
SHOAL_DECLARE_UUID(IDOManager, IID_IDOManager)
