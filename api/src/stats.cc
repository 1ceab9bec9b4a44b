// The statistics methods of the job, file and manager objects (IShoalJob3, IShoalManager2,
// IBackgroundCopyFile4's peer figures live in file.cc).
#include "api/src/stats.h"

#include "api/src/core.h"
#include "api/src/job.h"
#include "api/src/manager.h"

namespace shoal::api {

SHOAL_TRANSFER_STATS ToTransferStats(const SourceBytes& bytes, const JobActivity& activity) {
  SHOAL_TRANSFER_STATS s{};
  s.BytesFromPeers = bytes.from_peers;
  s.BytesFromLanPeers = bytes.from_peers;
  s.BytesFromCacheServer = bytes.from_cache_server;
  s.BytesFromHttp = bytes.from_http;
  s.BytesToPeers = bytes.to_peers;
  s.DownloadDurationMs = static_cast<UINT64>(activity.download_duration_ns / 1000000);
  s.NumPeers = activity.peer_connections;
  s.HttpConnectionCount = activity.http_connections;
  const UINT64 shared = bytes.from_peers + bytes.from_cache_server;
  const UINT64 total = shared + bytes.from_http;
  s.PercentPeerCaching = total == 0 ? 0 : static_cast<ULONG>(100 * shared / total);
  return s;
}

HRESULT JobObject::GetStats(SHOAL_TRANSFER_STATS* Stats) {
  if (Stats == nullptr) return E_POINTER;
  *Stats = ToTransferStats(job_->Sources(), job_->Activity());
  return S_OK;
}

HRESULT JobObject::GetFileStats(ULONG FileIndex, SHOAL_TRANSFER_STATS* Stats) {
  if (Stats == nullptr) return E_POINTER;
  return Guarded([&] {
    if (FileIndex >= job_->FileCount()) return E_INVALIDARG;
    *Stats = ToTransferStats(job_->GetFileSources(FileIndex), job_->Activity());
    return S_OK;
  });
}

HRESULT ManagerObject::GetEngineStats(SHOAL_ENGINE_STATS* Stats) {
  if (Stats == nullptr) return E_POINTER;
  return Guarded([&] {
    const EngineStats e = core_->backend().GetStats();
    *Stats = SHOAL_ENGINE_STATS{};
    Stats->TotalBytesFromPeers = e.bytes.from_peers;
    Stats->TotalBytesFromHttp = e.bytes.from_http;
    Stats->TotalBytesFromCacheServer = e.bytes.from_cache_server;
    Stats->TotalBytesUploaded = e.bytes.to_peers;
    Stats->NumberOfPeers = e.peer_connections;
    Stats->Torrents = e.torrents;
    return S_OK;
  });
}

}  // namespace shoal::api
