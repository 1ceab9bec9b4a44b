// Delivery Optimization's extensions of a BITS file (DeliveryOptimization.h):
// IDeliveryOptimizationFile::GetStats (DOSwarmStats) and IDeliveryOptimizationFile2's
// properties (DOFilePropertyId), reached with QueryInterface from an IBackgroundCopyFile.
// Thread-safe (declarations; the file objects are thread-safe).
#pragma once

#include "shoal/bits.h"
#include "shoal/do.h"

typedef enum : int {
  DownloadMode_CdnOnly = 0,
  DownloadMode_Lan = 1,
  DownloadMode_Group = 2,
  DownloadMode_Internet = 3,
  DownloadMode_Simple = 99,
  DownloadMode_Bypass = 100,
} DownloadMode;

typedef enum : int {
  SwarmStatus_Downloading = 0,
  SwarmStatus_Complete = 1,
  SwarmStatus_Caching = 2,
  SwarmStatus_Paused = 3,
} SwarmStatus;

// The strings are the caller's to free with CoTaskMemFree.
typedef struct _DOSwarmStats {
  LPWSTR fileId;
  LPWSTR sourceURL;
  UINT64 fileSize;
  UINT64 totalBytesDownloaded;
  UINT64 bytesFromLanPeers;
  UINT64 bytesFromGroupPeers;
  UINT64 bytesFromInternetPeers;
  UINT64 bytesFromHttp;
  UINT64 bytesFromDoinc;
  UINT64 bytesToLanPeers;
  UINT64 bytesToGroupPeers;
  UINT64 bytesToInternetPeers;
  UINT httpConnectionCount;
  UINT doincConnectionCount;
  UINT lanConnectionCount;
  UINT groupConnectionCount;
  UINT internetConnectionCount;
  UINT downloadDuration;  // milliseconds
  DownloadMode downloadMode;
  SwarmStatus status;
  BOOL isBackground;
} DOSwarmStats;

typedef enum _DeliveryOptimizationFileProperty : int {
  DOFilePropertyId_DecryptionInfo = 0,
  DOFilePropertyId_IntegrityCheckInfo = 1,
  DOFilePropertyId_IntegrityCheckMandatory = 2,
  DOFilePropertyId_DownloadSinkInterface = 3,
  DOFilePropertyId_DownloadSinkFilePath = 4,
  DOFilePropertyId_DownloadSinkMemoryStream = 5,
  DOFilePropertyId_TotalSizeBytes = 6,
} DOFilePropertyId;

// {B76B9699-E99E-4101-803F-A20E325D93E2}
extern "C" SHOAL_API const IID IID_IDeliveryOptimizationFile;
// {3A87296F-6EC2-4126-AB29-E3F8DC4CC390}
extern "C" SHOAL_API const IID IID_IDeliveryOptimizationFile2;

struct IDeliveryOptimizationFile : public IUnknown {
  virtual HRESULT STDMETHODCALLTYPE GetStats(DOSwarmStats* stats) = 0;
};

// Derives from IUnknown, not IDeliveryOptimizationFile (its documentation page).
struct IDeliveryOptimizationFile2 : public IUnknown {
  virtual HRESULT STDMETHODCALLTYPE GetProperty(DOFilePropertyId propId, VARIANT* propValue) = 0;
  virtual HRESULT STDMETHODCALLTYPE SetProperty(DOFilePropertyId propId,
                                                const VARIANT* propValue) = 0;
};

SHOAL_DECLARE_UUID(IDeliveryOptimizationFile, IID_IDeliveryOptimizationFile)
SHOAL_DECLARE_UUID(IDeliveryOptimizationFile2, IID_IDeliveryOptimizationFile2)
