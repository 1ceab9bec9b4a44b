// Plumbing shared by the facade's COM objects: the reference count, the exception boundary
// (no exception crosses the facade), and GUID <-> Uuid conversion.
// Thread-safe (the reference count is atomic; the functions are pure).
#pragma once

#include <atomic>
#include <cstring>
#include <new>

#include "api/src/backend.h"
#include "shoal/hresults.h"
#include "shoal/wintypes.h"

namespace shoal::api {

// COM reference counting for one object. Objects start at 1 (the creator's reference) and are
// deleted by the Release that reaches 0.
class RefCounted {
 public:
  RefCounted() = default;
  RefCounted(const RefCounted&) = delete;
  RefCounted& operator=(const RefCounted&) = delete;

  ULONG AddRefImpl() { return refs_.fetch_add(1, std::memory_order_relaxed) + 1; }
  ULONG ReleaseImpl() {
    const ULONG left = refs_.fetch_sub(1, std::memory_order_acq_rel) - 1;
    if (left == 0) delete this;
    return left;
  }
  // AddRef unless the count already reached 0 (the object is being destroyed).
  bool TryAddRef() {
    ULONG n = refs_.load(std::memory_order_relaxed);
    while (n != 0) {
      if (refs_.compare_exchange_weak(n, n + 1, std::memory_order_acq_rel)) return true;
    }
    return false;
  }

 protected:
  virtual ~RefCounted() = default;

 private:
  std::atomic<ULONG> refs_{1};
};

// Runs `body` and turns any exception into an HRESULT.
template <typename F>
HRESULT Guarded(F&& body) noexcept {
  try {
    return body();
  } catch (const std::bad_alloc&) {
    return E_OUTOFMEMORY;
  } catch (...) {
    return E_UNEXPECTED;
  }
}

// Releases a COM pointer at scope exit.
template <typename T>
class ScopedRelease {
 public:
  explicit ScopedRelease(T* p) : p_(p) {}
  ~ScopedRelease() {
    if (p_ != nullptr) p_->Release();
  }
  ScopedRelease(const ScopedRelease&) = delete;
  ScopedRelease& operator=(const ScopedRelease&) = delete;

 private:
  T* p_;
};

inline GUID ToGuid(const Uuid& u) {
  GUID g;
  g.Data1 = u.data1;
  g.Data2 = u.data2;
  g.Data3 = u.data3;
  std::memcpy(g.Data4, u.data4, sizeof(g.Data4));
  return g;
}

inline Uuid ToUuid(const GUID& g) {
  Uuid u;
  u.data1 = g.Data1;
  u.data2 = g.Data2;
  u.data3 = g.Data3;
  std::memcpy(u.data4, g.Data4, sizeof(u.data4));
  return u;
}

struct UuidLess {
  bool operator()(const Uuid& a, const Uuid& b) const {
    if (a.data1 != b.data1) return a.data1 < b.data1;
    if (a.data2 != b.data2) return a.data2 < b.data2;
    if (a.data3 != b.data3) return a.data3 < b.data3;
    return std::memcmp(a.data4, b.data4, sizeof(a.data4)) < 0;
  }
};

}  // namespace shoal::api
