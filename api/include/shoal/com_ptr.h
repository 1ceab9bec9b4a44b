// shoal::ComPtr: owns one COM reference to a shoal object (Release on destruction), for C++
// callers that do not bring their own smart pointer. Header-only, C++17, thread-compatible.
//   shoal::ComPtr<IBackgroundCopyManager> manager;
//   CreateBackgroundCopyManager(options, manager.Put());
//   manager->CreateJob(...);
#pragma once

#include <utility>


namespace shoal {

template <typename T>
class ComPtr {
 public:
  ComPtr() = default;
  ~ComPtr() { Reset(); }
  ComPtr(const ComPtr&) = delete;
  ComPtr& operator=(const ComPtr&) = delete;
  ComPtr(ComPtr&& o) noexcept : p_(std::exchange(o.p_, nullptr)) {}
  ComPtr& operator=(ComPtr&& o) noexcept {
    if (this != &o) {
      Reset();
      p_ = std::exchange(o.p_, nullptr);
    }
    return *this;
  }
  T* get() const { return p_; }
  T* operator->() const { return p_; }
  explicit operator bool() const { return p_ != nullptr; }
  // Releases what it holds and returns where a call may store a new reference.
  T** Put() {
    Reset();
    return &p_;
  }
  void** PutVoid() { return reinterpret_cast<void**>(Put()); }
  void Reset() {
    if (p_ != nullptr) std::exchange(p_, nullptr)->Release();
  }

 private:
  T* p_ = nullptr;
};

}  // namespace shoal
