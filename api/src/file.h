// FileObject: IBackgroundCopyFile over one file of a job — names fixed at creation, progress
// read lock-free from the job's published view. Thread-safe.
#pragma once

#include <memory>
#include <string>

#include "api/src/com_object.h"
#include "engine/engine.h"
#include "shoal/bits.h"

namespace shoal::api {

class FileObject final : public IBackgroundCopyFile, public RefCounted {
 public:
  FileObject(std::shared_ptr<const engine::JobView> view, std::size_t index,
             const engine::FileInfo& info);

  HRESULT STDMETHODCALLTYPE QueryInterface(REFIID riid, void** ppv) override;
  ULONG STDMETHODCALLTYPE AddRef() override { return AddRefImpl(); }
  ULONG STDMETHODCALLTYPE Release() override { return ReleaseImpl(); }

  HRESULT STDMETHODCALLTYPE GetRemoteName(LPWSTR* pVal) override;
  HRESULT STDMETHODCALLTYPE GetLocalName(LPWSTR* pVal) override;
  HRESULT STDMETHODCALLTYPE GetProgress(BG_FILE_PROGRESS* pVal) override;

 private:
  const std::shared_ptr<const engine::JobView> view_;
  const std::size_t index_;
  const std::string remote_url_;
  const std::string local_path_;
};

}  // namespace shoal::api
