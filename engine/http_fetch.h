// Small HTTP(S) GETs (metainfo sidecars) with libcurl on a worker thread of its own, so the
// engine thread never blocks on the network. Thread-safe.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

#include "engine/hresult.h"

namespace shoal::engine {

struct FetchResult {
  hr::HResult code = hr::kOk;  // S_OK, BG_E_HTTP_ERROR_nnn, or a WinINet-style transport error
  long http_status = 0;
  std::string body;
  std::string message;  // English, when code failed
};

struct FetchOptions {
  std::uint32_t timeout_s = 30;
  std::uint64_t max_bytes = 64ull << 20;
  std::string ca_file;  // extra CA bundle beside the system store
};

// libcurl plumbing shared by the fetchers: global set-up, an easy handle's common options
// (http/https only, bounded redirects, timeouts, CA bundle), libcurl codes as HRESULTs.
void CurlGlobalInit();
void SetCommonOptions(void* curl, const FetchOptions& options, char* error_buffer);
hr::HResult FromCurlCode(int code);

// Performs one GET synchronously (any thread).
FetchResult HttpGet(const std::string& url, const FetchOptions& options,
                    const std::atomic<bool>* cancel = nullptr);

class HttpFetcher {
 public:
  explicit HttpFetcher(FetchOptions options);
  ~HttpFetcher();  // abandons queued fetches (their callbacks are not called)
  // `done` runs on the fetcher's thread.
  void Fetch(std::string url, std::function<void(FetchResult)> done);

 private:
  void Run();
  FetchOptions options_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::pair<std::string, std::function<void(FetchResult)>>> queue_;
  bool stop_ = false;
  std::atomic<bool> cancel_{false};
  std::thread thread_;
};

}  // namespace shoal::engine
