// ComPtr: owns one COM reference (Release on destruction), and UTF-8 <-> wide strings for
// the facade's LPCWSTR arguments. Thread-compatible.
#pragma once

#include <string>
#include <utility>

#include "shoal/deliveryoptimization.h"

namespace shoal::cli {

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

std::wstring Widen(const std::string& utf8);
std::string Narrow(const wchar_t* wide);
// Takes a CoTaskMemAlloc'ed string, frees it, returns UTF-8.
std::string TakeString(LPWSTR s);
// "0x80190194 The server returned HTTP status 404." style text for an HRESULT.
std::string DescribeHr(HRESULT hr);

}  // namespace shoal::cli
