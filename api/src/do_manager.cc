// ManagerObject's IDOManager: CreateDownload (a new job, to which Start adds the one file) and
// EnumDownloads (the manager's jobs as downloads, optionally filtered by one property).
#include <vector>

#include "api/src/core.h"
#include "api/src/do_download.h"
#include "api/src/job.h"
#include "api/src/manager.h"

namespace shoal::api {
namespace {

// IEnumUnknown over a snapshot of downloads (one reference each). Thread-safe.
class DownloadEnumerator final : public IEnumUnknown, public RefCounted {
 public:
  DownloadEnumerator(std::vector<IUnknown*> items, std::size_t position)
      : items_(std::move(items)), position_(position) {}

  HRESULT STDMETHODCALLTYPE QueryInterface(REFIID riid, void** ppv) override {
    if (ppv == nullptr) return E_POINTER;
    if (riid == IID_IUnknown || riid == IID_IEnumUnknown) {
      *ppv = static_cast<IEnumUnknown*>(this);
      AddRef();
      return S_OK;
    }
    *ppv = nullptr;
    return E_NOINTERFACE;
  }
  ULONG STDMETHODCALLTYPE AddRef() override { return AddRefImpl(); }
  ULONG STDMETHODCALLTYPE Release() override { return ReleaseImpl(); }

  HRESULT STDMETHODCALLTYPE Next(ULONG celt, IUnknown** rgelt, ULONG* pceltFetched) override {
    if (pceltFetched == nullptr && celt != 1) return E_INVALIDARG;
    if (rgelt == nullptr) return E_POINTER;
    engine::MutexLock lock(mu_);
    ULONG fetched = 0;
    while (fetched < celt && position_ < items_.size()) {
      items_[position_]->AddRef();
      rgelt[fetched++] = items_[position_++];
    }
    if (pceltFetched != nullptr) *pceltFetched = fetched;
    return fetched == celt ? S_OK : S_FALSE;
  }
  HRESULT STDMETHODCALLTYPE Skip(ULONG celt) override {
    engine::MutexLock lock(mu_);
    const std::size_t skipped = std::min<std::size_t>(celt, items_.size() - position_);
    position_ += skipped;
    return skipped == celt ? S_OK : S_FALSE;
  }
  HRESULT STDMETHODCALLTYPE Reset() override {
    engine::MutexLock lock(mu_);
    position_ = 0;
    return S_OK;
  }
  HRESULT STDMETHODCALLTYPE Clone(IEnumUnknown** ppenum) override {
    if (ppenum == nullptr) return E_POINTER;
    return Guarded([&] {
      engine::MutexLock lock(mu_);
      for (IUnknown* item : items_) item->AddRef();
      *ppenum = new DownloadEnumerator(items_, position_);
      return S_OK;
    });
  }

 private:
  ~DownloadEnumerator() override {
    for (IUnknown* item : items_) item->Release();
  }

  const std::vector<IUnknown*> items_;
  engine::Mutex mu_;
  std::size_t position_ GUARDED_BY(mu_);
};

}  // namespace

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
      *ppEnum = new DownloadEnumerator(items, 0);
    } catch (...) {
      for (IUnknown* item : items) item->Release();
      throw;
    }
    return S_OK;
  });
}

}  // namespace shoal::api
