// Helpers for the facade tests: a loopback-only manager, a COM smart pointer, wide-string
// conversion, a closed loopback port, and a recording IBackgroundCopyCallback.
// Thread-compatible, except RecordingCallback, which is thread-safe.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "shoal/com_ptr.h"
#include "shoal/deliveryoptimization.h"
#include "tests/support/fixtures.h"

namespace shoal::apitest {

template <typename T>
using Com = shoal::ComPtr<T>;

inline Options LoopbackOptions() {
  Options o;
  o.listen_interface = "127.0.0.1:0";
  o.enable_lsd = false;
  o.delay_foreground_download_from_http_s = 0;
  o.delay_background_download_from_http_s = 0;
  return o;
}

inline void MakeManager(Com<IBackgroundCopyManager>* out) {
  std::string error;
  ASSERT_EQ(CreateBackgroundCopyManager(LoopbackOptions(), out->Put(), &error), S_OK) << error;
}

inline std::wstring W(const std::string& s) {
  return std::wstring(s.begin(), s.end());  // ASCII test strings
}

// Takes a CoTaskMemAlloc'ed string and frees it.
inline std::wstring Take(LPWSTR s) {
  std::wstring out = s != nullptr ? std::wstring(s) : std::wstring();
  CoTaskMemFree(s);
  return out;
}

// A loopback port nothing listens on (bound, then closed).
inline int ClosedPort() { return shoal::testing::ClosedLoopbackPort(); }

inline ULONG RefCount(IUnknown* p) {
  p->AddRef();
  return p->Release();
}

// Records every callback; optional hooks run inside the callback (on the dispatcher thread).
class RecordingCallback final : public IBackgroundCopyCallback {
 public:
  HRESULT STDMETHODCALLTYPE QueryInterface(REFIID riid, void** ppv) override {
    if (ppv == nullptr) return E_POINTER;
    if (riid == IID_IUnknown || riid == IID_IBackgroundCopyCallback) {
      *ppv = static_cast<IBackgroundCopyCallback*>(this);
      AddRef();
      return S_OK;
    }
    *ppv = nullptr;
    return E_NOINTERFACE;
  }
  ULONG STDMETHODCALLTYPE AddRef() override { return ++refs_; }
  ULONG STDMETHODCALLTYPE Release() override { return --refs_; }  // owned by the test

  HRESULT STDMETHODCALLTYPE JobTransferred(IBackgroundCopyJob* job) override {
    Record(&transferred_, job);
    return on_transferred ? on_transferred(job) : S_OK;
  }
  HRESULT STDMETHODCALLTYPE JobError(IBackgroundCopyJob* job,
                                     IBackgroundCopyError* error) override {
    HRESULT code = S_OK;
    BG_ERROR_CONTEXT context;
    if (error != nullptr) error->GetError(&context, &code);
    {
      std::lock_guard lock(mu_);
      last_error_code_ = code;
    }
    Record(&errors_, job);
    return on_error ? on_error(job, error) : S_OK;
  }
  HRESULT STDMETHODCALLTYPE JobModification(IBackgroundCopyJob* job, DWORD) override {
    Record(&modifications_, job);
    return S_OK;
  }

  // Waits (bounded) until `pred` holds; returns whether it did.
  bool WaitUntil(const std::function<bool()>& pred,
                 std::chrono::seconds timeout = std::chrono::seconds(60)) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, timeout, [&] { return pred(); });
  }
  int transferred() const { return transferred_.load(); }
  int errors() const { return errors_.load(); }
  int modifications() const { return modifications_.load(); }
  ULONG refs() const { return refs_.load(); }
  HRESULT last_error_code() {
    std::lock_guard lock(mu_);
    return last_error_code_;
  }
  std::vector<std::thread::id> threads() {
    std::lock_guard lock(mu_);
    return threads_;
  }

  std::function<HRESULT(IBackgroundCopyJob*)> on_transferred;
  std::function<HRESULT(IBackgroundCopyJob*, IBackgroundCopyError*)> on_error;

 private:
  void Record(std::atomic<int>* counter, IBackgroundCopyJob* job) {
    std::lock_guard lock(mu_);
    threads_.push_back(std::this_thread::get_id());
    ++*counter;
    cv_.notify_all();
  }

  std::atomic<ULONG> refs_{1};
  std::atomic<int> transferred_{0};
  std::atomic<int> errors_{0};
  std::atomic<int> modifications_{0};
  std::mutex mu_;
  std::condition_variable cv_;
  HRESULT last_error_code_ = S_OK;
  std::vector<std::thread::id> threads_;
};

}  // namespace shoal::apitest
