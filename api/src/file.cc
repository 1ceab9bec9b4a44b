#include "api/src/file.h"

#include "api/src/strings.h"
#include "shoal/activation.h"

namespace shoal::api {

FileObject::FileObject(std::shared_ptr<const JobHandle> job, std::size_t index,
                       const FileInfo& info)
    : job_(std::move(job)),
      index_(index),
      remote_url_(info.remote_url),
      local_path_(info.local_path),
      temp_path_(info.temp_path),
      ranges_(info.ranges) {}

HRESULT FileObject::QueryInterface(REFIID riid, void** ppv) {
  if (ppv == nullptr) return E_POINTER;
  if (riid == IID_IUnknown || riid == IID_IBackgroundCopyFile || riid == IID_IBackgroundCopyFile2 ||
      riid == IID_IBackgroundCopyFile3 || riid == IID_IBackgroundCopyFile4 ||
      riid == IID_IBackgroundCopyFile5) {
    *ppv = static_cast<IBackgroundCopyFile5*>(this);
    AddRef();
    return S_OK;
  }
  if (riid == IID_IDeliveryOptimizationFile || riid == IID_IDeliveryOptimizationFile2) {
    *ppv = riid == IID_IDeliveryOptimizationFile
               ? static_cast<void*>(static_cast<IDeliveryOptimizationFile*>(this))
               : static_cast<void*>(static_cast<IDeliveryOptimizationFile2*>(this));
    AddRef();
    return S_OK;
  }
  *ppv = nullptr;
  return E_NOINTERFACE;
}

HRESULT FileObject::GetRemoteName(LPWSTR* pVal) {
  return Guarded([&] { return CopyOutUtf8(remote_url_, pVal); });
}

HRESULT FileObject::GetLocalName(LPWSTR* pVal) {
  return Guarded([&] { return CopyOutUtf8(local_path_, pVal); });
}

HRESULT FileObject::GetProgress(BG_FILE_PROGRESS* pVal) {
  if (pVal == nullptr) return E_POINTER;
  return Guarded([&] {
    const FileProgress p = job_->GetFileProgress(index_);
    pVal->BytesTotal = p.bytes_total;
    pVal->BytesTransferred = p.bytes_transferred;
    pVal->Completed = p.completed ? TRUE : FALSE;
    return S_OK;
  });
}

HRESULT FileObject::GetFileRanges(DWORD* RangeCount, BG_FILE_RANGE** Ranges) {
  if (RangeCount == nullptr || Ranges == nullptr) return E_POINTER;
  *RangeCount = 0;
  *Ranges = nullptr;
  if (ranges_.empty()) return S_FALSE;  // a whole file: "no ranges were specified"
  // As given (a range to the end of the file keeps BG_LENGTH_TO_EOF); CoTaskMemFree'd.
  auto* out = static_cast<BG_FILE_RANGE*>(CoTaskMemAlloc(ranges_.size() * sizeof(BG_FILE_RANGE)));
  if (out == nullptr) return E_OUTOFMEMORY;
  for (std::size_t i = 0; i < ranges_.size(); ++i) {
    out[i].InitialOffset = ranges_[i].offset;
    out[i].Length = ranges_[i].length;
  }
  *RangeCount = static_cast<DWORD>(ranges_.size());
  *Ranges = out;
  return S_OK;
}

HRESULT FileObject::SetRemoteName(LPCWSTR Val) {
  if (Val == nullptr) return E_INVALIDARG;
  return E_NOTIMPL;  // a file's URL (and its metainfo) is fixed at AddFile; docs/api.md
}

HRESULT FileObject::GetTemporaryName(LPWSTR* pFilename) {
  return Guarded([&] { return CopyOutUtf8(temp_path_, pFilename); });
}

HRESULT FileObject::SetValidationState(BOOL state) {
  // FALSE asks BITS to discard the content and download it again from the origin; shoal
  // hash-checks every piece instead and does not re-download (docs/api.md).
  if (!state) return E_NOTIMPL;
  validated_ = true;
  return S_OK;
}

HRESULT FileObject::GetValidationState(BOOL* pState) {
  if (pState == nullptr) return E_POINTER;
  *pState = validated_ ? TRUE : FALSE;
  return S_OK;
}

HRESULT FileObject::IsDownloadedFromPeer(BOOL* pVal) {
  if (pVal == nullptr) return E_POINTER;
  return Guarded([&] {
    *pVal = job_->GetFileSources(index_).from_peers > 0 ? TRUE : FALSE;
    return S_OK;
  });
}

HRESULT FileObject::GetPeerDownloadStats(PUINT64 pFromOrigin, PUINT64 pFromPeers) {
  if (pFromOrigin == nullptr || pFromPeers == nullptr) return E_POINTER;
  return Guarded([&] {
    const SourceBytes s = job_->GetFileSources(index_);
    *pFromOrigin = s.from_http;
    *pFromPeers = s.from_peers + s.from_cache_server;
    return S_OK;
  });
}

}  // namespace shoal::api
