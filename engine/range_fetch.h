// Byte ranges of the CDN copy (one piece each) fetched with HTTP Range requests on a few
// worker threads, each keeping its connection alive between requests, so the engine can take
// from the CDN exactly the pieces no peer can give (decision 0004). Thread-safe.
#pragma once

#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "engine/http_fetch.h"
#include "engine/mutex.h"

namespace shoal::engine {

struct RangeRequest {
  std::string url;
  std::uint64_t offset = 0;
  std::uint64_t length = 0;       // > 0
  std::uint64_t max_bytes_s = 0;  // receive rate cap (0 = none); the timeout grows to fit it
  // For an origin that ignores Range: a plain GET of the whole file (offset 0, length its
  // size), without a Range header.
  bool whole_file = false;
  // A stream: the body's bytes go to `on_bytes` as they arrive (on the fetcher's thread)
  // instead of `body`, once the answer shows they are the ones asked for (a 206, or a 200 for
  // the whole file); it ends with a stall, not a total, timeout.
  std::function<void(std::string bytes)> on_bytes;
  // Set by the caller to stop this request early (it then fails, "abandoned"); null: never.
  std::shared_ptr<std::atomic<bool>> abandon;
  std::string headers;  // the job's custom header lines, CRLF-terminated ("" for none)
};

// The seam the CDN pump fetches pieces through (RangeFetcher; a fake in tests).
class PieceFetcher {
 public:
  virtual ~PieceFetcher() = default;
  // `done` runs on another thread with exactly `length` bytes in `body`, or a failed code.
  virtual void Fetch(RangeRequest request, std::function<void(FetchResult)> done) = 0;
};

class RangeFetcher final : public PieceFetcher {
 public:
  RangeFetcher(FetchOptions options, int workers);
  ~RangeFetcher() override;  // abandons queued requests (their callbacks are not called)
  RangeFetcher(const RangeFetcher&) = delete;
  RangeFetcher& operator=(const RangeFetcher&) = delete;

  // `done` runs on a worker thread with exactly `length` bytes in `body`, or a failed code:
  // BG_E_HTTP_ERROR_nnn, a transport error, or BG_E_INSUFFICIENT_RANGE_SUPPORT when the
  // server ignores the Range header.
  void Fetch(RangeRequest request, std::function<void(FetchResult)> done) override;

 private:
  void Run();

  const FetchOptions options_;
  Mutex mu_;
  CondVar cv_;
  std::deque<std::pair<RangeRequest, std::function<void(FetchResult)>>> queue_ GUARDED_BY(mu_);
  bool stop_ GUARDED_BY(mu_) = false;
  std::atomic<bool> cancel_{false};
  std::vector<std::thread> threads_;
};

}  // namespace shoal::engine
