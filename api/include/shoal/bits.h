// The BITS-compatible Delivery Optimization interfaces (bits.h / bitsmsg.h): constants, enums,
// structures, the interfaces in their exact Windows vtable order, and their IIDs/CLSIDs.
// Thread-safe: every shoal object behind these interfaces may be called from any thread.
#pragma once

#include "shoal/hresults.h"
#include "shoal/wintypes.h"

#define BG_SIZE_UNKNOWN static_cast<UINT64>(-1)
#define BG_LENGTH_TO_EOF static_cast<UINT64>(-1)
#define DO_LENGTH_TO_EOF static_cast<UINT64>(-1)

#define BG_NOTIFY_JOB_TRANSFERRED 0x0001
#define BG_NOTIFY_JOB_ERROR 0x0002
#define BG_NOTIFY_DISABLE 0x0004
#define BG_NOTIFY_JOB_MODIFICATION 0x0008
#define BG_NOTIFY_FILE_TRANSFERRED 0x0010
#define BG_NOTIFY_FILE_RANGES_TRANSFERRED 0x0020

#define BG_JOB_ENUM_ALL_USERS 0x0001

// Every enum has int as its fixed underlying type (MSVC's choice for these): an out-of-range
// value from a caller is then a value the API rejects (E_INVALIDARG), not undefined behaviour.
typedef enum : int {
  BG_JOB_STATE_QUEUED = 0,
  BG_JOB_STATE_CONNECTING = 1,
  BG_JOB_STATE_TRANSFERRING = 2,
  BG_JOB_STATE_SUSPENDED = 3,
  BG_JOB_STATE_ERROR = 4,
  BG_JOB_STATE_TRANSIENT_ERROR = 5,
  BG_JOB_STATE_TRANSFERRED = 6,
  BG_JOB_STATE_ACKNOWLEDGED = 7,
  BG_JOB_STATE_CANCELLED = 8,
} BG_JOB_STATE;

typedef enum : int {
  BG_JOB_PRIORITY_FOREGROUND = 0,
  BG_JOB_PRIORITY_HIGH = 1,
  BG_JOB_PRIORITY_NORMAL = 2,
  BG_JOB_PRIORITY_LOW = 3,
} BG_JOB_PRIORITY;

typedef enum : int {
  BG_JOB_TYPE_DOWNLOAD = 0,
  BG_JOB_TYPE_UPLOAD = 1,
  BG_JOB_TYPE_UPLOAD_REPLY = 2,
} BG_JOB_TYPE;

typedef enum : int {
  BG_JOB_PROXY_USAGE_PRECONFIG = 0,
  BG_JOB_PROXY_USAGE_NO_PROXY = 1,
  BG_JOB_PROXY_USAGE_OVERRIDE = 2,
  BG_JOB_PROXY_USAGE_AUTODETECT = 3,
} BG_JOB_PROXY_USAGE;

typedef enum : int {
  BG_ERROR_CONTEXT_NONE = 0,
  BG_ERROR_CONTEXT_UNKNOWN = 1,
  BG_ERROR_CONTEXT_GENERAL_QUEUE_MANAGER = 2,
  BG_ERROR_CONTEXT_QUEUE_MANAGER_NOTIFICATION = 3,
  BG_ERROR_CONTEXT_LOCAL_FILE = 4,
  BG_ERROR_CONTEXT_REMOTE_FILE = 5,
  BG_ERROR_CONTEXT_GENERAL_TRANSPORT = 6,
  BG_ERROR_CONTEXT_REMOTE_APPLICATION = 7,
} BG_ERROR_CONTEXT;

typedef enum : int {
  BITS_JOB_TRANSFER_POLICY_ALWAYS = static_cast<int>(0x800000ffu),
  BITS_JOB_TRANSFER_POLICY_NOT_ROAMING = static_cast<int>(0x8000007fu),
  BITS_JOB_TRANSFER_POLICY_NO_SURCHARGE = static_cast<int>(0x8000006fu),
  BITS_JOB_TRANSFER_POLICY_STANDARD = static_cast<int>(0x80000067u),
  BITS_JOB_TRANSFER_POLICY_UNRESTRICTED = static_cast<int>(0x80000021u),
} BITS_JOB_TRANSFER_POLICY;

typedef struct _BG_JOB_PROGRESS {
  UINT64 BytesTotal;
  UINT64 BytesTransferred;
  ULONG FilesTotal;
  ULONG FilesTransferred;
} BG_JOB_PROGRESS;

typedef struct _BG_FILE_PROGRESS {
  UINT64 BytesTotal;
  UINT64 BytesTransferred;
  BOOL Completed;
} BG_FILE_PROGRESS;

typedef struct _BG_JOB_TIMES {
  FILETIME CreationTime;
  FILETIME ModificationTime;
  FILETIME TransferCompletionTime;
} BG_JOB_TIMES;

typedef struct _BG_FILE_INFO {
  LPWSTR RemoteName;
  LPWSTR LocalName;
} BG_FILE_INFO;

typedef struct _BG_FILE_RANGE {
  UINT64 InitialOffset;
  UINT64 Length;
} BG_FILE_RANGE;

// {5CE34C0D-0DC9-4C1F-897C-DAA1B78CEE7C}
extern "C" SHOAL_API const IID IID_IBackgroundCopyManager;
// {37668D37-507E-4160-9316-26306D150B12}
extern "C" SHOAL_API const IID IID_IBackgroundCopyJob;
// {01B7BD23-FB88-4A77-8490-5891D3E4653A}
extern "C" SHOAL_API const IID IID_IBackgroundCopyFile;
// {83E81B93-0873-474D-8A8C-F2018B1A939C}
extern "C" SHOAL_API const IID IID_IBackgroundCopyFile2;
// {659CDEAA-489E-11D9-A9CD-000D56965251}
extern "C" SHOAL_API const IID IID_IBackgroundCopyFile3;
// {EF7E0655-7888-4960-B0E5-730846E03492}
extern "C" SHOAL_API const IID IID_IBackgroundCopyFile4;
// {19C613A0-FCB8-4F28-81AE-897C3D078F81}
extern "C" SHOAL_API const IID IID_IBackgroundCopyError;
// {97EA99C7-0186-4AD4-8DF9-C5B4E0ED6B22}
extern "C" SHOAL_API const IID IID_IBackgroundCopyCallback;
// {CA51E165-C365-424C-8D41-24AAA4FF3C40}
extern "C" SHOAL_API const IID IID_IEnumBackgroundCopyFiles;
// {1AF4F612-3B71-466F-8F58-7B6F73AC57AD}
extern "C" SHOAL_API const IID IID_IEnumBackgroundCopyJobs;
// {4991D34B-80A1-4291-83B6-3328366B9097}
extern "C" SHOAL_API const CLSID CLSID_BackgroundCopyManager;
// {5B99FA76-721C-423C-ADAC-56D03C8A8007}
extern "C" SHOAL_API const CLSID CLSID_DeliveryOptimization;

struct IBackgroundCopyJob;
struct IBackgroundCopyFile;

struct IBackgroundCopyFile : public IUnknown {
  virtual HRESULT STDMETHODCALLTYPE GetRemoteName(LPWSTR* pVal) = 0;
  virtual HRESULT STDMETHODCALLTYPE GetLocalName(LPWSTR* pVal) = 0;
  virtual HRESULT STDMETHODCALLTYPE GetProgress(BG_FILE_PROGRESS* pVal) = 0;
};

// BITS 2.0 (bits2_0.h).
struct IBackgroundCopyFile2 : public IBackgroundCopyFile {
  virtual HRESULT STDMETHODCALLTYPE GetFileRanges(DWORD* RangeCount, BG_FILE_RANGE** Ranges) = 0;
  virtual HRESULT STDMETHODCALLTYPE SetRemoteName(LPCWSTR Val) = 0;
};

// BITS 3.0 (bits3_0.h).
struct IBackgroundCopyFile3 : public IBackgroundCopyFile2 {
  virtual HRESULT STDMETHODCALLTYPE GetTemporaryName(LPWSTR* pFilename) = 0;
  virtual HRESULT STDMETHODCALLTYPE SetValidationState(BOOL state) = 0;
  virtual HRESULT STDMETHODCALLTYPE GetValidationState(BOOL* pState) = 0;
  virtual HRESULT STDMETHODCALLTYPE IsDownloadedFromPeer(BOOL* pVal) = 0;
};

// BITS 4.0 (bits4_0.h).
struct IBackgroundCopyFile4 : public IBackgroundCopyFile3 {
  virtual HRESULT STDMETHODCALLTYPE GetPeerDownloadStats(PUINT64 pFromOrigin,
                                                         PUINT64 pFromPeers) = 0;
};

struct IEnumBackgroundCopyFiles : public IUnknown {
  virtual HRESULT STDMETHODCALLTYPE Next(ULONG celt, IBackgroundCopyFile** rgelt,
                                         ULONG* pceltFetched) = 0;
  virtual HRESULT STDMETHODCALLTYPE Skip(ULONG celt) = 0;
  virtual HRESULT STDMETHODCALLTYPE Reset() = 0;
  virtual HRESULT STDMETHODCALLTYPE Clone(IEnumBackgroundCopyFiles** ppenum) = 0;
  virtual HRESULT STDMETHODCALLTYPE GetCount(ULONG* puCount) = 0;
};

struct IBackgroundCopyError : public IUnknown {
  virtual HRESULT STDMETHODCALLTYPE GetError(BG_ERROR_CONTEXT* pContext, HRESULT* pCode) = 0;
  virtual HRESULT STDMETHODCALLTYPE GetFile(IBackgroundCopyFile** pVal) = 0;
  virtual HRESULT STDMETHODCALLTYPE GetErrorDescription(DWORD LanguageId,
                                                        LPWSTR* pErrorDescription) = 0;
  virtual HRESULT STDMETHODCALLTYPE GetErrorContextDescription(DWORD LanguageId,
                                                               LPWSTR* pContextDescription) = 0;
  virtual HRESULT STDMETHODCALLTYPE GetProtocol(LPWSTR* pProtocol) = 0;
};

// The 32 methods in Windows' vtable order.
struct IBackgroundCopyJob : public IUnknown {
  virtual HRESULT STDMETHODCALLTYPE AddFileSet(ULONG cFileCount, BG_FILE_INFO* pFileSet) = 0;
  virtual HRESULT STDMETHODCALLTYPE AddFile(LPCWSTR RemoteUrl, LPCWSTR LocalName) = 0;
  virtual HRESULT STDMETHODCALLTYPE EnumFiles(IEnumBackgroundCopyFiles** pEnum) = 0;
  virtual HRESULT STDMETHODCALLTYPE Suspend() = 0;
  virtual HRESULT STDMETHODCALLTYPE Resume() = 0;
  virtual HRESULT STDMETHODCALLTYPE Cancel() = 0;
  virtual HRESULT STDMETHODCALLTYPE Complete() = 0;
  virtual HRESULT STDMETHODCALLTYPE GetId(GUID* pVal) = 0;
  virtual HRESULT STDMETHODCALLTYPE GetType(BG_JOB_TYPE* pVal) = 0;
  virtual HRESULT STDMETHODCALLTYPE GetProgress(BG_JOB_PROGRESS* pVal) = 0;
  virtual HRESULT STDMETHODCALLTYPE GetTimes(BG_JOB_TIMES* pVal) = 0;
  virtual HRESULT STDMETHODCALLTYPE GetState(BG_JOB_STATE* pVal) = 0;
  virtual HRESULT STDMETHODCALLTYPE GetError(IBackgroundCopyError** ppError) = 0;
  virtual HRESULT STDMETHODCALLTYPE GetOwner(LPWSTR* pVal) = 0;
  virtual HRESULT STDMETHODCALLTYPE SetDisplayName(LPCWSTR Val) = 0;
  virtual HRESULT STDMETHODCALLTYPE GetDisplayName(LPWSTR* pVal) = 0;
  virtual HRESULT STDMETHODCALLTYPE SetDescription(LPCWSTR Val) = 0;
  virtual HRESULT STDMETHODCALLTYPE GetDescription(LPWSTR* pVal) = 0;
  virtual HRESULT STDMETHODCALLTYPE SetPriority(BG_JOB_PRIORITY Val) = 0;
  virtual HRESULT STDMETHODCALLTYPE GetPriority(BG_JOB_PRIORITY* pVal) = 0;
  virtual HRESULT STDMETHODCALLTYPE SetNotifyFlags(ULONG Val) = 0;
  virtual HRESULT STDMETHODCALLTYPE GetNotifyFlags(ULONG* pVal) = 0;
  virtual HRESULT STDMETHODCALLTYPE SetNotifyInterface(IUnknown* Val) = 0;
  virtual HRESULT STDMETHODCALLTYPE GetNotifyInterface(IUnknown** pVal) = 0;
  virtual HRESULT STDMETHODCALLTYPE SetMinimumRetryDelay(ULONG Seconds) = 0;
  virtual HRESULT STDMETHODCALLTYPE GetMinimumRetryDelay(ULONG* Seconds) = 0;
  virtual HRESULT STDMETHODCALLTYPE SetNoProgressTimeout(ULONG Seconds) = 0;
  virtual HRESULT STDMETHODCALLTYPE GetNoProgressTimeout(ULONG* Seconds) = 0;
  virtual HRESULT STDMETHODCALLTYPE GetErrorCount(ULONG* Errors) = 0;
  virtual HRESULT STDMETHODCALLTYPE SetProxySettings(BG_JOB_PROXY_USAGE ProxyUsage,
                                                     const WCHAR* ProxyList,
                                                     const WCHAR* ProxyBypassList) = 0;
  virtual HRESULT STDMETHODCALLTYPE GetProxySettings(BG_JOB_PROXY_USAGE* pProxyUsage,
                                                     LPWSTR* pProxyList,
                                                     LPWSTR* pProxyBypassList) = 0;
  virtual HRESULT STDMETHODCALLTYPE TakeOwnership() = 0;
};

struct IEnumBackgroundCopyJobs : public IUnknown {
  virtual HRESULT STDMETHODCALLTYPE Next(ULONG celt, IBackgroundCopyJob** rgelt,
                                         ULONG* pceltFetched) = 0;
  virtual HRESULT STDMETHODCALLTYPE Skip(ULONG celt) = 0;
  virtual HRESULT STDMETHODCALLTYPE Reset() = 0;
  virtual HRESULT STDMETHODCALLTYPE Clone(IEnumBackgroundCopyJobs** ppenum) = 0;
  virtual HRESULT STDMETHODCALLTYPE GetCount(ULONG* puCount) = 0;
};

// Implemented by the client; called on shoal's dispatcher thread. Arguments are borrowed.
struct IBackgroundCopyCallback : public IUnknown {
  virtual HRESULT STDMETHODCALLTYPE JobTransferred(IBackgroundCopyJob* pJob) = 0;
  virtual HRESULT STDMETHODCALLTYPE JobError(IBackgroundCopyJob* pJob,
                                             IBackgroundCopyError* pError) = 0;
  virtual HRESULT STDMETHODCALLTYPE JobModification(IBackgroundCopyJob* pJob, DWORD dwReserved) = 0;
};

struct IBackgroundCopyManager : public IUnknown {
  virtual HRESULT STDMETHODCALLTYPE CreateJob(LPCWSTR DisplayName, BG_JOB_TYPE Type, GUID* pJobId,
                                              IBackgroundCopyJob** ppJob) = 0;
  virtual HRESULT STDMETHODCALLTYPE GetJob(REFGUID jobID, IBackgroundCopyJob** ppJob) = 0;
  virtual HRESULT STDMETHODCALLTYPE EnumJobs(DWORD dwFlags, IEnumBackgroundCopyJobs** ppEnum) = 0;
  virtual HRESULT STDMETHODCALLTYPE GetErrorDescription(HRESULT hResult, DWORD LanguageId,
                                                        LPWSTR* pErrorDescription) = 0;
};

// The coclasses CoCreateInstance activates, as the SDK declares them, so that
// __uuidof(BackgroundCopyManager) names CLSID_BackgroundCopyManager (shoal/windows_compat.h).
class BackgroundCopyManager;
class DeliveryOptimization;

SHOAL_DECLARE_UUID(IBackgroundCopyManager, IID_IBackgroundCopyManager)
SHOAL_DECLARE_UUID(IBackgroundCopyJob, IID_IBackgroundCopyJob)
SHOAL_DECLARE_UUID(IBackgroundCopyFile, IID_IBackgroundCopyFile)
SHOAL_DECLARE_UUID(IBackgroundCopyFile2, IID_IBackgroundCopyFile2)
SHOAL_DECLARE_UUID(IBackgroundCopyFile3, IID_IBackgroundCopyFile3)
SHOAL_DECLARE_UUID(IBackgroundCopyFile4, IID_IBackgroundCopyFile4)
SHOAL_DECLARE_UUID(IBackgroundCopyError, IID_IBackgroundCopyError)
SHOAL_DECLARE_UUID(IBackgroundCopyCallback, IID_IBackgroundCopyCallback)
SHOAL_DECLARE_UUID(IEnumBackgroundCopyFiles, IID_IEnumBackgroundCopyFiles)
SHOAL_DECLARE_UUID(IEnumBackgroundCopyJobs, IID_IEnumBackgroundCopyJobs)
SHOAL_DECLARE_UUID(BackgroundCopyManager, CLSID_BackgroundCopyManager)
SHOAL_DECLARE_UUID(DeliveryOptimization, CLSID_DeliveryOptimization)

// BITS 1.5-5.0: IBackgroundCopyJob2-5, IBackgroundCopyJobHttpOptions, IBackgroundCopyFile5,
// IBackgroundCopyCallback2.
#include "shoal/bits_ext.h"  // IWYU pragma: export
