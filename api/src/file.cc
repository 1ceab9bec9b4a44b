#include "api/src/file.h"

#include "api/src/strings.h"

namespace shoal::api {

FileObject::FileObject(std::shared_ptr<const engine::JobView> view, std::size_t index,
                       const engine::FileInfo& info)
    : view_(std::move(view)),
      index_(index),
      remote_url_(info.remote_url),
      local_path_(info.local_path) {}

HRESULT FileObject::QueryInterface(REFIID riid, void** ppv) {
  if (ppv == nullptr) return E_POINTER;
  if (riid == IID_IUnknown || riid == IID_IBackgroundCopyFile) {
    *ppv = static_cast<IBackgroundCopyFile*>(this);
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
    const engine::FileProgress p = view_->GetFileProgress(index_);
    pVal->BytesTotal = p.bytes_total;
    pVal->BytesTransferred = p.bytes_transferred;
    pVal->Completed = p.completed ? TRUE : FALSE;
    return S_OK;
  });
}

}  // namespace shoal::api
