// The later BITS interfaces Delivery Optimization shares with BITS (bits1_5.h, bits2_0.h,
// bits2_5.h, bits3_0.h, bits5_0.h): IBackgroundCopyJob2-5, IBackgroundCopyJobHttpOptions,
// IBackgroundCopyFile5, IBackgroundCopyCallback2, their types and IIDs, in Windows' vtable order.
// Included by shoal/bits.h. Thread-safe: every shoal object behind them may be called anywhere.
#pragma once

#include "shoal/bits.h"  // IBackgroundCopyJob and friends (bits.h includes this file at its end)
#include "shoal/hresults.h"
#include "shoal/wintypes.h"

// bits1_5.h
typedef struct _BG_JOB_REPLY_PROGRESS {
  UINT64 BytesTotal;
  UINT64 BytesTransferred;
} BG_JOB_REPLY_PROGRESS;

typedef enum : int {
  BG_AUTH_TARGET_SERVER = 1,
  BG_AUTH_TARGET_PROXY = 2,
} BG_AUTH_TARGET;

typedef enum : int {
  BG_AUTH_SCHEME_BASIC = 1,
  BG_AUTH_SCHEME_DIGEST = 2,
  BG_AUTH_SCHEME_NTLM = 3,
  BG_AUTH_SCHEME_NEGOTIATE = 4,
  BG_AUTH_SCHEME_PASSPORT = 5,
} BG_AUTH_SCHEME;

typedef struct _BG_BASIC_CREDENTIALS {
  LPWSTR UserName;
  LPWSTR Password;
} BG_BASIC_CREDENTIALS, *PBG_BASIC_CREDENTIALS;

typedef union _BG_AUTH_CREDENTIALS_UNION {
  BG_BASIC_CREDENTIALS Basic;
} BG_AUTH_CREDENTIALS_UNION;

typedef struct _BG_AUTH_CREDENTIALS {
  BG_AUTH_TARGET Target;
  BG_AUTH_SCHEME Scheme;
  BG_AUTH_CREDENTIALS_UNION Credentials;
} BG_AUTH_CREDENTIALS, *PBG_AUTH_CREDENTIALS;

// bits2_0.h: IBackgroundCopyJob3::SetFileACLFlags
#define BG_COPY_FILE_OWNER 1
#define BG_COPY_FILE_GROUP 2
#define BG_COPY_FILE_DACL 4
#define BG_COPY_FILE_SACL 8
#define BG_COPY_FILE_ALL 15

// bits2_5.h: IBackgroundCopyJobHttpOptions
typedef enum : int {
  BG_CERT_STORE_LOCATION_CURRENT_USER = 0,
  BG_CERT_STORE_LOCATION_LOCAL_MACHINE = 1,
  BG_CERT_STORE_LOCATION_CURRENT_SERVICE = 2,
  BG_CERT_STORE_LOCATION_SERVICES = 3,
  BG_CERT_STORE_LOCATION_USERS = 4,
  BG_CERT_STORE_LOCATION_CURRENT_USER_GROUP_POLICY = 5,
  BG_CERT_STORE_LOCATION_LOCAL_MACHINE_GROUP_POLICY = 6,
  BG_CERT_STORE_LOCATION_LOCAL_MACHINE_ENTERPRISE = 7,
} BG_CERT_STORE_LOCATION;

#define BG_SSL_ENABLE_CRL_CHECK 0x0001
#define BG_SSL_IGNORE_CERT_CN_INVALID 0x0002
#define BG_SSL_IGNORE_CERT_DATE_INVALID 0x0004
#define BG_SSL_IGNORE_UNKNOWN_CA 0x0008
#define BG_SSL_IGNORE_CERT_WRONG_USAGE 0x0010
#define BG_HTTP_REDIRECT_POLICY_MASK 0x0700
#define BG_HTTP_REDIRECT_POLICY_ALLOW_SILENT 0x0000
#define BG_HTTP_REDIRECT_POLICY_ALLOW_REPORT 0x0100
#define BG_HTTP_REDIRECT_POLICY_DISALLOW 0x0200
#define BG_HTTP_REDIRECT_POLICY_ALLOW_HTTPS_TO_HTTP 0x0800

// bits3_0.h: IBackgroundCopyJob4::SetPeerCachingFlags
#define BG_JOB_ENABLE_PEERCACHING_CLIENT 0x0001
#define BG_JOB_ENABLE_PEERCACHING_SERVER 0x0002
#define BG_JOB_DISABLE_BRANCH_CACHE 0x0004

// bits5_0.h
#define BITS_COST_STATE_TRANSFER_ALWAYS 0x800000ff

typedef enum : int {
  BITS_JOB_PROPERTY_ID_COST_FLAGS = 1,
  BITS_JOB_PROPERTY_NOTIFICATION_CLSID = 2,
  BITS_JOB_PROPERTY_DYNAMIC_CONTENT = 3,
  BITS_JOB_PROPERTY_HIGH_PERFORMANCE = 4,
  BITS_JOB_PROPERTY_MAX_DOWNLOAD_SIZE = 5,
  BITS_JOB_PROPERTY_USE_STORED_CREDENTIALS = 7,
  BITS_JOB_PROPERTY_MINIMUM_NOTIFICATION_INTERVAL_MS = 9,
  BITS_JOB_PROPERTY_ON_DEMAND_MODE = 10,
} BITS_JOB_PROPERTY_ID;

typedef union _BITS_JOB_PROPERTY_VALUE {
  DWORD Dword;
  GUID ClsID;
  BOOL Enable;
  UINT64 Uint64;
  BG_AUTH_TARGET Target;
} BITS_JOB_PROPERTY_VALUE;

typedef enum : int {
  BITS_FILE_PROPERTY_ID_HTTP_RESPONSE_HEADERS = 1,
} BITS_FILE_PROPERTY_ID;

typedef union _BITS_FILE_PROPERTY_VALUE {
  LPWSTR String;
} BITS_FILE_PROPERTY_VALUE;

// {54B50739-686F-45EB-9DFF-D6A9A0FAA9AF}
extern "C" SHOAL_API const IID IID_IBackgroundCopyJob2;
// {443C8934-90FF-48ED-BCDE-26F5C7450042}
extern "C" SHOAL_API const IID IID_IBackgroundCopyJob3;
// {659CDEAE-489E-11D9-A9CD-000D56965251}
extern "C" SHOAL_API const IID IID_IBackgroundCopyJob4;
// {E847030C-BBBA-4657-AF6D-484AA42BF1FE}
extern "C" SHOAL_API const IID IID_IBackgroundCopyJob5;
// {F1BD1079-9F01-4BDC-8036-F09B70095066}
extern "C" SHOAL_API const IID IID_IBackgroundCopyJobHttpOptions;
// {85C1657F-DAFC-40E8-8834-DF18EA25717E}
extern "C" SHOAL_API const IID IID_IBackgroundCopyFile5;
// {659CDEAC-489E-11D9-A9CD-000D56965251}
extern "C" SHOAL_API const IID IID_IBackgroundCopyCallback2;

// BITS 1.5 (bits1_5.h).
struct IBackgroundCopyJob2 : public IBackgroundCopyJob {
  virtual HRESULT STDMETHODCALLTYPE SetNotifyCmdLine(LPCWSTR Program, LPCWSTR Parameters) = 0;
  virtual HRESULT STDMETHODCALLTYPE GetNotifyCmdLine(LPWSTR* pProgram, LPWSTR* pParameters) = 0;
  virtual HRESULT STDMETHODCALLTYPE GetReplyProgress(BG_JOB_REPLY_PROGRESS* pProgress) = 0;
  virtual HRESULT STDMETHODCALLTYPE GetReplyData(BYTE** ppBuffer, UINT64* pLength) = 0;
  virtual HRESULT STDMETHODCALLTYPE SetReplyFileName(LPCWSTR ReplyFileName) = 0;
  virtual HRESULT STDMETHODCALLTYPE GetReplyFileName(LPWSTR* pReplyFileName) = 0;
  virtual HRESULT STDMETHODCALLTYPE SetCredentials(BG_AUTH_CREDENTIALS* credentials) = 0;
  virtual HRESULT STDMETHODCALLTYPE RemoveCredentials(BG_AUTH_TARGET Target,
                                                      BG_AUTH_SCHEME Scheme) = 0;
};

// BITS 2.0 (bits2_0.h).
struct IBackgroundCopyJob3 : public IBackgroundCopyJob2 {
  virtual HRESULT STDMETHODCALLTYPE ReplaceRemotePrefix(LPCWSTR OldPrefix, LPCWSTR NewPrefix) = 0;
  virtual HRESULT STDMETHODCALLTYPE AddFileWithRanges(LPCWSTR RemoteUrl, LPCWSTR LocalName,
                                                      DWORD RangeCount, BG_FILE_RANGE Ranges[]) = 0;
  virtual HRESULT STDMETHODCALLTYPE SetFileACLFlags(DWORD Flags) = 0;
  virtual HRESULT STDMETHODCALLTYPE GetFileACLFlags(DWORD* Flags) = 0;
};

// BITS 2.5 (bits2_5.h): reached with QueryInterface from a job.
struct IBackgroundCopyJobHttpOptions : public IUnknown {
  virtual HRESULT STDMETHODCALLTYPE SetClientCertificateByID(BG_CERT_STORE_LOCATION StoreLocation,
                                                             LPCWSTR StoreName,
                                                             BYTE* pCertHashBlob) = 0;
  virtual HRESULT STDMETHODCALLTYPE SetClientCertificateByName(BG_CERT_STORE_LOCATION StoreLocation,
                                                               LPCWSTR StoreName,
                                                               LPCWSTR SubjectName) = 0;
  virtual HRESULT STDMETHODCALLTYPE RemoveClientCertificate() = 0;
  virtual HRESULT STDMETHODCALLTYPE GetClientCertificate(BG_CERT_STORE_LOCATION* pStoreLocation,
                                                         LPWSTR* pStoreName, BYTE** ppCertHashBlob,
                                                         LPWSTR* pSubjectName) = 0;
  virtual HRESULT STDMETHODCALLTYPE SetCustomHeaders(LPCWSTR RequestHeaders) = 0;
  virtual HRESULT STDMETHODCALLTYPE GetCustomHeaders(LPWSTR* pRequestHeaders) = 0;
  virtual HRESULT STDMETHODCALLTYPE SetSecurityFlags(ULONG Flags) = 0;
  virtual HRESULT STDMETHODCALLTYPE GetSecurityFlags(ULONG* pFlags) = 0;
};

// BITS 3.0 (bits3_0.h).
struct IBackgroundCopyCallback2 : public IBackgroundCopyCallback {
  virtual HRESULT STDMETHODCALLTYPE FileTransferred(IBackgroundCopyJob* pJob,
                                                    IBackgroundCopyFile* pFile) = 0;
};

struct IBackgroundCopyJob4 : public IBackgroundCopyJob3 {
  virtual HRESULT STDMETHODCALLTYPE SetPeerCachingFlags(DWORD Flags) = 0;
  virtual HRESULT STDMETHODCALLTYPE GetPeerCachingFlags(DWORD* pFlags) = 0;
  virtual HRESULT STDMETHODCALLTYPE GetOwnerIntegrityLevel(ULONG* pLevel) = 0;
  virtual HRESULT STDMETHODCALLTYPE GetOwnerElevationState(BOOL* pElevated) = 0;
  virtual HRESULT STDMETHODCALLTYPE SetMaximumDownloadTime(ULONG Timeout) = 0;
  virtual HRESULT STDMETHODCALLTYPE GetMaximumDownloadTime(ULONG* pTimeout) = 0;
};

// BITS 5.0 (bits5_0.h).
struct IBackgroundCopyJob5 : public IBackgroundCopyJob4 {
  virtual HRESULT STDMETHODCALLTYPE SetProperty(BITS_JOB_PROPERTY_ID PropertyId,
                                                BITS_JOB_PROPERTY_VALUE PropertyValue) = 0;
  virtual HRESULT STDMETHODCALLTYPE GetProperty(BITS_JOB_PROPERTY_ID PropertyId,
                                                BITS_JOB_PROPERTY_VALUE* PropertyValue) = 0;
};

struct IBackgroundCopyFile5 : public IBackgroundCopyFile4 {
  virtual HRESULT STDMETHODCALLTYPE SetProperty(BITS_FILE_PROPERTY_ID PropertyId,
                                                BITS_FILE_PROPERTY_VALUE PropertyValue) = 0;
  virtual HRESULT STDMETHODCALLTYPE GetProperty(BITS_FILE_PROPERTY_ID PropertyId,
                                                BITS_FILE_PROPERTY_VALUE* PropertyValue) = 0;
};

SHOAL_DECLARE_UUID(IBackgroundCopyJob2, IID_IBackgroundCopyJob2)
SHOAL_DECLARE_UUID(IBackgroundCopyJob3, IID_IBackgroundCopyJob3)
SHOAL_DECLARE_UUID(IBackgroundCopyJob4, IID_IBackgroundCopyJob4)
SHOAL_DECLARE_UUID(IBackgroundCopyJob5, IID_IBackgroundCopyJob5)
SHOAL_DECLARE_UUID(IBackgroundCopyJobHttpOptions, IID_IBackgroundCopyJobHttpOptions)
SHOAL_DECLARE_UUID(IBackgroundCopyFile5, IID_IBackgroundCopyFile5)
SHOAL_DECLARE_UUID(IBackgroundCopyCallback2, IID_IBackgroundCopyCallback2)
