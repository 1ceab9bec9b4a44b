// ManagerObject's IDOManager: CreateDownload (a new job, to which Start adds the one file) and
// EnumDownloads (the manager's jobs as downloads, optionally filtered by one property).
#include <vector>

#include "api/src/core.h"
#include "api/src/do_download.h"
#include "api/src/enums.h"
#include "api/src/job.h"
#include "api/src/manager.h"

namespace shoal::api {
HRESULT ManagerObject::CreateDownload(IDODownload** download) {
  if (download == nullptr) return E_POINTER;
  *download = nullptr;
  return Guarded([&] {
    std::shared_ptr<const JobHandle> job;
    const HRESULT h = core_->backend().CreateJob("", &job);
    if (FAILED(h)) return h;
    *download = new DownloadObject(core_->JobObjectFor(job));
    return S_OK;
  });
}

HRESULT ManagerObject::EnumDownloads(const DO_DOWNLOAD_ENUM_CATEGORY* category,
                                     IEnumUnknown** ppEnum) {
  if (ppEnum == nullptr) return E_POINTER;
  *ppEnum = nullptr;
  if (category != nullptr) {
    if (category->Value == nullptr) return E_INVALIDARG;
    switch (category->Property) {
      case DODownloadProperty_Id:
      case DODownloadProperty_Uri:
      case DODownloadProperty_ContentId:
      case DODownloadProperty_DisplayName:
      case DODownloadProperty_LocalPath:
        break;
      default:
        return E_INVALIDARG;
    }
  }
  return Guarded([&] {
    std::vector<IUnknown*> items;
    try {
      for (const auto& job : core_->backend().ListJobs(/*all_users=*/false)) {
        auto* download = new DownloadObject(core_->JobObjectFor(job));
        bool keep = category == nullptr;
        if (!keep) {
          const std::wstring want(category->Value);
          switch (category->Property) {
            case DODownloadProperty_Id:
              keep = download->IdString() == want;
              break;
            case DODownloadProperty_Uri:
              keep = download->FileName(/*remote=*/true) == want;
              break;
            case DODownloadProperty_LocalPath:
              keep = download->FileName(/*remote=*/false) == want;
              break;
            case DODownloadProperty_DisplayName:
              keep = download->DisplayName() == want;
              break;
            default:  // ContentId: shoal's downloads have none
              break;
          }
        }
        if (keep) {
          items.push_back(static_cast<IDODownload*>(download));
        } else {
          download->Release();
        }
      }
      *ppEnum = new UnknownEnumerator(items);
    } catch (...) {
      for (IUnknown* item : items) item->Release();
      throw;
    }
    return S_OK;
  });
}

}  // namespace shoal::api
