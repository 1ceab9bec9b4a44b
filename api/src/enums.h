// Enumerator<>: IEnumBackgroundCopyJobs / IEnumBackgroundCopyFiles / IEnumUnknown over a
// snapshot of items taken at creation (each item holds one reference). Thread-safe (the cursor
// is locked).
#pragma once

#include <algorithm>
#include <vector>

#include "api/src/com_object.h"
#include "engine/mutex.h"
#include "shoal/bits.h"
#include "shoal/do.h"

namespace shoal::api {

// GetCount, for the enumerator interfaces that declare it (the BITS ones; IEnumUnknown does not).
template <typename EnumI, typename Self, bool = requires { &EnumI::GetCount; }
> class WithCount : public EnumI {};
template <typename EnumI, typename Self>
class WithCount<EnumI, Self, true> : public EnumI {
 public:
  HRESULT STDMETHODCALLTYPE GetCount(ULONG* puCount) override {
    if (puCount == nullptr) return E_POINTER;
    *puCount = static_cast<ULONG>(static_cast<const Self*>(this)->size());
    return S_OK;
  }
};

template <typename EnumI, typename ItemI, const IID& kIid>
class Enumerator final : public WithCount<EnumI, Enumerator<EnumI, ItemI, kIid>>,
                         public RefCounted {
 public:
  // Takes over one reference of each item.
  explicit Enumerator(std::vector<ItemI*> items, std::size_t position = 0)
      : items_(std::move(items)), position_(position) {}

  HRESULT STDMETHODCALLTYPE QueryInterface(REFIID riid, void** ppv) override {
    if (ppv == nullptr) return E_POINTER;
    if (riid == IID_IUnknown || riid == kIid) {
      *ppv = static_cast<EnumI*>(this);
      AddRef();
      return S_OK;
    }
    *ppv = nullptr;
    return E_NOINTERFACE;
  }
  ULONG STDMETHODCALLTYPE AddRef() override { return AddRefImpl(); }
  ULONG STDMETHODCALLTYPE Release() override { return ReleaseImpl(); }

  HRESULT STDMETHODCALLTYPE Next(ULONG celt, ItemI** rgelt, ULONG* pceltFetched) override {
    if (pceltFetched == nullptr && celt != 1) return E_INVALIDARG;
    if (rgelt == nullptr) return E_POINTER;
    engine::MutexLock lock(mu_);
    ULONG fetched = 0;
    while (fetched < celt && position_ < items_.size()) {
      ItemI* item = items_[position_++];
      item->AddRef();
      rgelt[fetched++] = item;
    }
    if (pceltFetched != nullptr) *pceltFetched = fetched;
    return fetched == celt ? S_OK : S_FALSE;
  }

  HRESULT STDMETHODCALLTYPE Skip(ULONG celt) override {
    engine::MutexLock lock(mu_);
    const std::size_t left = items_.size() - position_;
    const std::size_t skipped = std::min<std::size_t>(celt, left);
    position_ += skipped;
    return skipped == celt ? S_OK : S_FALSE;
  }

  HRESULT STDMETHODCALLTYPE Reset() override {
    engine::MutexLock lock(mu_);
    position_ = 0;
    return S_OK;
  }

  HRESULT STDMETHODCALLTYPE Clone(EnumI** ppenum) override {
    if (ppenum == nullptr) return E_POINTER;
    *ppenum = nullptr;
    return Guarded([&] {
      engine::MutexLock lock(mu_);
      auto* copy = new Enumerator(items_, position_);
      for (ItemI* item : items_) item->AddRef();
      *ppenum = copy;
      return S_OK;
    });
  }

  std::size_t size() const { return items_.size(); }

 private:
  ~Enumerator() override {
    for (ItemI* item : items_) item->Release();
  }

  const std::vector<ItemI*> items_;
  engine::Mutex mu_;
  std::size_t position_ GUARDED_BY(mu_);
};

using JobEnumerator =
    Enumerator<IEnumBackgroundCopyJobs, IBackgroundCopyJob, IID_IEnumBackgroundCopyJobs>;
using FileEnumerator =
    Enumerator<IEnumBackgroundCopyFiles, IBackgroundCopyFile, IID_IEnumBackgroundCopyFiles>;
using UnknownEnumerator = Enumerator<IEnumUnknown, IUnknown, IID_IEnumUnknown>;

}  // namespace shoal::api
