// FileObject, part 2: IBackgroundCopyFile5's properties and Delivery Optimization's
// IDeliveryOptimizationFile(2): the swarm statistics from the file's per-source counters, and
// the DOFilePropertyId properties shoal can answer.
#include "api/src/file.h"
#include "api/src/strings.h"
#include "shoal/activation.h"

namespace shoal::api {

HRESULT FileObject::SetProperty(BITS_FILE_PROPERTY_ID PropertyId, BITS_FILE_PROPERTY_VALUE) {
  // HTTP_RESPONSE_HEADERS is read-only (IBackgroundCopyFile5::SetProperty's page).
  if (PropertyId == BITS_FILE_PROPERTY_ID_HTTP_RESPONSE_HEADERS) return E_NOTIMPL;
  return E_INVALIDARG;
}

HRESULT FileObject::GetProperty(BITS_FILE_PROPERTY_ID PropertyId,
                                BITS_FILE_PROPERTY_VALUE* PropertyValue) {
  if (PropertyValue == nullptr) return E_INVALIDARG;
  PropertyValue->String = nullptr;
  if (PropertyId != BITS_FILE_PROPERTY_ID_HTTP_RESPONSE_HEADERS) return E_INVALIDARG;
  // The engine keeps no response headers: a file fetched from peers may have had none, and
  // the HTTP sources drop them once parsed (docs/api.md).
  return E_NOTIMPL;
}

HRESULT FileObject::GetStats(DOSwarmStats* stats) {
  if (stats == nullptr) return E_INVALIDARG;
  *stats = DOSwarmStats{};
  return Guarded([&] {
    const FileProgress p = job_->GetFileProgress(index_);
    const SourceBytes s = job_->GetFileSources(index_);
    const JobActivity a = job_->Activity();
    // fileId is the id AddFileWithRanges was given; a file added with AddFile has "".
    HRESULT h = CopyOutUtf8("", &stats->fileId);
    if (SUCCEEDED(h)) h = CopyOutUtf8(remote_url_, &stats->sourceURL);
    if (FAILED(h)) {
      CoTaskMemFree(stats->fileId);
      *stats = DOSwarmStats{};
      return h;
    }
    stats->fileSize = p.bytes_total;
    stats->totalBytesDownloaded = p.bytes_transferred;
    // shoal's peers are the LAN swarm; a cache node is DO's in-network cache ("Doinc").
    stats->bytesFromLanPeers = s.from_peers;
    stats->bytesFromHttp = s.from_http;
    stats->bytesFromDoinc = s.from_cache_server;
    stats->bytesToLanPeers = s.to_peers;
    // Connections and duration are the job's (its files share one swarm session).
    stats->httpConnectionCount = a.http_connections;
    stats->lanConnectionCount = a.peer_connections;
    stats->downloadDuration = static_cast<UINT>(a.download_duration_ns / 1000000);
    stats->downloadMode = DownloadMode_Lan;
    const bool done = p.bytes_total != engine::kSizeUnknown && p.bytes_transferred == p.bytes_total;
    const JobState state = job_->State();
    if (done) {
      stats->status = s.to_peers > 0 ? SwarmStatus_Caching : SwarmStatus_Complete;
    } else if (state == JobState::kSuspended || state == JobState::kError ||
               state == JobState::kTransientError) {
      stats->status = SwarmStatus_Paused;
    } else {
      stats->status = SwarmStatus_Downloading;
    }
    stats->isBackground = TRUE;
    return S_OK;
  });
}

HRESULT FileObject::GetProperty(DOFilePropertyId propId, VARIANT* propValue) {
  if (propValue == nullptr) return E_INVALIDARG;
  VariantInit(propValue);
  return Guarded([&]() -> HRESULT {
    switch (propId) {
      case DOFilePropertyId_DecryptionInfo:
      case DOFilePropertyId_IntegrityCheckInfo:
        return DO_E_WRITE_ONLY_PROPERTY;
      case DOFilePropertyId_IntegrityCheckMandatory:
      case DOFilePropertyId_DownloadSinkInterface:
      case DOFilePropertyId_DownloadSinkMemoryStream:
        return E_NOT_SET;  // shoal's files write to their local name
      case DOFilePropertyId_DownloadSinkFilePath: {
        const std::wstring path = Utf8ToWide(local_path_);
        propValue->bstrVal = SysAllocStringLen(path.c_str(), static_cast<UINT>(path.size()));
        if (propValue->bstrVal == nullptr) return E_OUTOFMEMORY;
        propValue->vt = VT_BSTR;
        return S_OK;
      }
      case DOFilePropertyId_TotalSizeBytes: {
        const FileProgress p = job_->GetFileProgress(index_);
        if (p.bytes_total == engine::kSizeUnknown) return E_NOT_SET;
        propValue->vt = VT_UI8;
        propValue->ullVal = p.bytes_total;
        return S_OK;
      }
    }
    return DO_E_UNKNOWN_PROPERTY_ID;
  });
}

HRESULT FileObject::SetProperty(DOFilePropertyId propId, const VARIANT* propValue) {
  if (propValue == nullptr) return E_INVALIDARG;
  if (propId < DOFilePropertyId_DecryptionInfo || propId > DOFilePropertyId_TotalSizeBytes) {
    return DO_E_UNKNOWN_PROPERTY_ID;
  }
  if (IsFinal(job_->State())) return DO_E_INVALID_STATE;
  // Decryption, integrity files and other sinks are not implemented; the sink path and the
  // size are fixed by AddFile and the server (docs/api.md).
  return E_NOTIMPL;
}

}  // namespace shoal::api
