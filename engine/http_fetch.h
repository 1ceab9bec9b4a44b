// Small HTTP(S) GETs (metainfo sidecars) with libcurl on a worker thread of its own, so the
// engine thread never blocks on the network. Thread-safe.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>

#include "engine/background_queue.h"
#include "engine/hresult.h"
#include "engine/types.h"

namespace shoal::engine {

struct FetchResult {
  hr::HResult code = hr::kOk;  // S_OK, BG_E_HTTP_ERROR_nnn, or a WinINet-style transport error
  long http_status = 0;
  bool transient = false;  // BITS would retry this failure (connection, timeout, 5xx)
  std::string body;
  std::string message;                 // English, when code failed
  std::uint64_t total = kSizeUnknown;  // a range answer's complete length (Content-Range)
  // HttpGet: the final answer's header fields, names lowercased, values trimmed.
  std::map<std::string, std::string> headers;
};

struct FetchOptions {
  std::uint32_t timeout_s = 30;
  std::uint32_t connect_timeout_s = 15;
  std::uint64_t max_bytes = 64ull << 20;
  std::string ca_file;  // extra CA bundle beside the system store
  long max_redirects = 10;
  std::string proxy;  // empty: the standard proxy environment
  std::string no_proxy;
  bool head = false;  // HEAD instead of GET: the header fields only
};

// Adds one raw header line of an answer, as libcurl hands it ("Name: value\r\n"), to
// `headers`: names lowercased, values trimmed. A status line ("HTTP/...") clears them, so only
// the final answer's fields are kept (a redirect's go). Pure: the fuzz target node_answer_fuzz.
void AddHeaderLine(std::string_view line, std::map<std::string, std::string>* headers);

// Performs one GET synchronously (any thread).
// `headers`: custom CRLF-terminated header lines to send ("" for none).
FetchResult HttpGet(const std::string& url, const FetchOptions& options,
                    const std::atomic<bool>* cancel = nullptr, const std::string& headers = "");

class HttpFetcher {
 public:
  explicit HttpFetcher(FetchOptions options) : options_(std::move(options)) {}
  // Abandons queued fetches (their callbacks are not called) and aborts the running one.
  ~HttpFetcher() = default;
  // `done` runs on the fetcher's thread.
  void Fetch(std::string url, std::function<void(FetchResult)> done, std::string headers = "",
             bool head = false);

 private:
  const FetchOptions options_;
  BackgroundQueue queue_;  // last: it goes first, while options_ still exists
};

}  // namespace shoal::engine
