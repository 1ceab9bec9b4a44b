// shoal's own C++ entry points beside the Windows-compatible facade: a manager factory that
// takes explicit engine options (for embedders and tests), metainfo creation, and the
// extension interfaces IShoalJob / IShoalManager reached through QueryInterface.
// Thread-safe (the factory and functions may be called from any thread).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "shoal/bits.h"
#include "shoal/settings.h"

namespace shoal {

// The engine's settings (shoal/settings.h): see docs/operations.md. The old name stays so
// existing callers compile. Defaults keep all traffic on the machine's own choice of
// interface with DHT, UPnP and NAT-PMP off.
using Options = Settings;

// $XDG_STATE_HOME/shoal, else ~/.local/state/shoal; "" when neither variable is set.
SHOAL_API std::string DefaultDataDir();

// Creates a manager backed by a new engine of its own. `error` (optional) says why on failure.
SHOAL_API HRESULT CreateBackgroundCopyManager(const Options& options,
                                              IBackgroundCopyManager** manager,
                                              std::string* error = nullptr);

// Options read from the config file and environment on top of `*options`, as
// CoCreateInstance uses them: LoadSettings with the default SettingsSources (the file named
// by $SHOAL_CONFIG, else the first of DefaultConfigFiles() that exists; then SHOAL_*
// variables). A missing named file is ERROR_FILE_NOT_FOUND, a file that is not a JSON object
// ERROR_INVALID_DATA, any bad key or value E_INVALIDARG; `*options` is then unchanged.
SHOAL_API HRESULT LoadOptions(Options* options, std::string* error);

// The socket of the machine-wide service (shoald) that CoCreateInstance(CLSCTX_LOCAL_SERVER)
// would use: $SHOAL_SOCKET when set, else the system one (/run/shoal/shoal.sock) when it
// answers, else the user's ($XDG_RUNTIME_DIR/shoal/shoal.sock), starting a user-mode shoald
// there first when none answers, unless $SHOAL_SERVICE_AUTOSTART is 0 (docs/local-api.md).
// "" with `error` (optional) saying why when there is none.
SHOAL_API std::string FindService(std::string* error = nullptr);

struct MetainfoOptions {
  std::string path;                    // the file to describe
  std::vector<std::string> web_seeds;  // the CDN URL(s) of the same bytes (BEP 19)
  std::vector<std::string> trackers;
  int piece_size = 0;    // 0: chosen from the size
  bool v2_only = false;  // default hybrid v1+v2
  bool v1_only = false;  // v1 only (aria2 1.36 and older clients); not with v2_only
};
// Writes a .torrent (bencoded) for one file into `torrent`.
SHOAL_API HRESULT MakeMetainfo(const MetainfoOptions& options, std::string* torrent,
                               std::string* error = nullptr);

}  // namespace shoal

// {6F1B7A52-3C0E-4C55-9B8A-2F1D0E6A4B01}
extern "C" SHOAL_API const IID IID_IShoalJob;
// {6F1B7A52-3C0E-4C55-9B8A-2F1D0E6A4B02}
extern "C" SHOAL_API const IID IID_IShoalManager;
// {6F1B7A52-3C0E-4C55-9B8A-2F1D0E6A4B03}
extern "C" SHOAL_API const IID IID_IShoalJob2;
// {6F1B7A52-3C0E-4C55-9B8A-2F1D0E6A4B04}
extern "C" SHOAL_API const IID IID_IShoalManager2;
// {6F1B7A52-3C0E-4C55-9B8A-2F1D0E6A4B05}
extern "C" SHOAL_API const IID IID_IShoalJob3;

// Get-DeliveryOptimizationStatus' fields for a job or one of its files. Bytes are payload.
typedef struct _SHOAL_TRANSFER_STATS {
  UINT64 BytesFromPeers;  // = BytesFromLanPeers (no group or internet peers)
  UINT64 BytesFromLanPeers;
  UINT64 BytesFromCacheServer;  // 0 until a cache node exists
  UINT64 BytesFromHttp;         // the CDN origin: range pieces or plain HTTP
  UINT64 BytesToPeers;          // uploaded (= BytesToLanPeers)
  UINT64 DownloadDurationMs;    // time the job spent QUEUED/CONNECTING/TRANSFERRING
  ULONG NumPeers;               // BitTorrent peers connected now (LanConnectionCount)
  ULONG HttpConnectionCount;    // HTTP requests in flight now
  ULONG PercentPeerCaching;     // 100 * (peers + cache) / (peers + cache + HTTP), rounded down
  ULONG Reserved;
} SHOAL_TRANSFER_STATS;

// The engine's totals (Get-DeliveryOptimizationPerfSnap): every torrent it had, seeds too.
typedef struct _SHOAL_ENGINE_STATS {
  UINT64 TotalBytesFromPeers;
  UINT64 TotalBytesFromHttp;
  UINT64 TotalBytesFromCacheServer;
  UINT64 TotalBytesUploaded;
  ULONG NumberOfPeers;  // connections now, all torrents
  ULONG Torrents;       // torrents live now (jobs' files and seeds)
} SHOAL_ENGINE_STATS;

// Flags of IShoalJob2::AddFileEx.
#define SHOAL_FILE_HTTP_ONLY 0x1u  // no <RemoteUrl>.torrent sidecar: plain HTTP from the start

// Reached with QueryInterface from an IBackgroundCopyJob.
struct IShoalJob : public IUnknown {
  // AddFile with caller-supplied metainfo (bencoded .torrent bytes) instead of the sidecar
  // <RemoteUrl>.torrent. A corrupt torrent returns HRESULT_FROM_WIN32(ERROR_INVALID_DATA).
  virtual HRESULT STDMETHODCALLTYPE AddFileWithMetainfo(LPCWSTR RemoteUrl, LPCWSTR LocalName,
                                                        const BYTE* Metainfo, ULONG Size) = 0;
  // Verified bytes by source for the whole job.
  virtual HRESULT STDMETHODCALLTYPE GetSourceStats(UINT64* FromPeers, UINT64* FromHttp) = 0;
};

// Reached with QueryInterface from an IBackgroundCopyJob (or IShoalJob).
struct IShoalJob2 : public IShoalJob {
  // AddFile with options: caller metainfo (NULL/0 for none), the expected SHA-256 of the whole
  // file (32 bytes, or NULL) checked before the file counts as transferred (a mismatch puts the
  // job in ERROR with BG_E_VALIDATION_FAILED and the file is never exposed), and
  // SHOAL_FILE_* flags. E_INVALIDARG for unknown flags or HTTP_ONLY with metainfo.
  virtual HRESULT STDMETHODCALLTYPE AddFileEx(LPCWSTR RemoteUrl, LPCWSTR LocalName,
                                              const BYTE* Metainfo, ULONG MetainfoSize,
                                              const BYTE* Sha256, DWORD Flags) = 0;
};

// Reached with QueryInterface from an IBackgroundCopyJob (or IShoalJob/IShoalJob2).
struct IShoalJob3 : public IShoalJob2 {
  // The job's statistics (all files), and one file's (index as EnumFiles orders them;
  // E_INVALIDARG past the last). A file reports the job's NumPeers, HttpConnectionCount and
  // DownloadDurationMs.
  virtual HRESULT STDMETHODCALLTYPE GetStats(SHOAL_TRANSFER_STATS* Stats) = 0;
  virtual HRESULT STDMETHODCALLTYPE GetFileStats(ULONG FileIndex, SHOAL_TRANSFER_STATS* Stats) = 0;
};

// Reached with QueryInterface from an IBackgroundCopyManager.
struct IShoalManager : public IUnknown {
  // Serve content already in `Directory` to peers; the pieces are checked first.
  virtual HRESULT STDMETHODCALLTYPE AddSeed(const BYTE* Metainfo, ULONG Size,
                                            LPCWSTR Directory) = 0;
  // The BitTorrent endpoint actually bound ("ip:port"); free with CoTaskMemFree.
  virtual HRESULT STDMETHODCALLTYPE GetListenEndpoint(LPWSTR* Endpoint) = 0;
};

// Reached with QueryInterface from an IBackgroundCopyManager (or IShoalManager).
struct IShoalManager2 : public IShoalManager {
  virtual HRESULT STDMETHODCALLTYPE GetEngineStats(SHOAL_ENGINE_STATS* Stats) = 0;
};

SHOAL_DECLARE_UUID(IShoalJob, IID_IShoalJob)
SHOAL_DECLARE_UUID(IShoalJob2, IID_IShoalJob2)
SHOAL_DECLARE_UUID(IShoalJob3, IID_IShoalJob3)
SHOAL_DECLARE_UUID(IShoalManager, IID_IShoalManager)
SHOAL_DECLARE_UUID(IShoalManager2, IID_IShoalManager2)
