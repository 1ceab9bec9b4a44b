// The plain-HTTP source as a seam: fetches one URL into an open file, resuming after the bytes
// already there, and reports on a thread of its own. The engine drives it (engine/http_jobs.cc);
// the libcurl implementation is MakeCurlHttpSource, tests substitute a fake.
// Thread-safe: Start and Cancel may be called from any thread.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "engine/hresult.h"
#include "engine/types.h"

namespace shoal::engine {

struct HttpRequest {
  std::string url;
  std::string path;           // the temp file, for messages and to serialize transfers on it
  int fd = -1;                // open for writing; the transfer owns it (closes it when done)
  std::uint64_t offset = 0;   // bytes of the content already in the file: resume after them
  std::uint64_t expected_size = kSizeUnknown;  // the size an earlier response announced
  bool use_proxy = true;  // BG_JOB_PROXY_USAGE_PRECONFIG; false (NO_PROXY): connect directly
  std::uint64_t max_bytes_s = 0;  // receive rate cap for the whole transfer (0 = none)
  std::string headers;  // the job's custom header lines, CRLF-terminated ("" for none)
  // Resuming (offset > 0): the validator (ContentValidator) the bytes in the file came with,
  // sent as If-Range, so an origin whose content changed sends it whole; "" = none known.
  std::string if_range;
};

// How a transfer ended. `transient` says whether BITS would retry it.
struct HttpOutcome {
  hr::HResult code = hr::kOk;
  bool transient = false;
  ErrorContext context = ErrorContext::kNone;
  long http_status = 0;
  std::string message;  // English, when code failed
};

// Called on the source's thread, in this order: OnHead once per response that carries the
// body, OnProgress any number of times, OnDone exactly once (also after Cancel).
struct HttpCallbacks {
  // The response's full content size (kSizeUnknown when the server does not say), and
  // whether the file was truncated to 0 because the server could not resume (ignored Range,
  // or the content changed).
  std::function<void(std::uint64_t size, bool restarted)> on_head;
  // Optional, just before on_head: the response's validator (ContentValidator).
  std::function<void(const std::string& validator)> on_validator;
  // `bytes` of the content are now written to the file, counted from its start.
  std::function<void(std::uint64_t bytes)> on_progress;
  std::function<void(const HttpOutcome&)> on_done;
};

class HttpTransfer {
 public:
  virtual ~HttpTransfer() = default;
  // Asks the transfer to stop soon; OnDone still follows. Idempotent.
  virtual void Cancel() = 0;
};

class HttpSource {
 public:
  virtual ~HttpSource() = default;  // cancels what runs and waits for it
  // A transfer on the same path starts only after the previous one on it has finished, so two
  // never write one file at once.
  virtual std::unique_ptr<HttpTransfer> Start(HttpRequest request, HttpCallbacks callbacks) = 0;
  // Asks the origin for the validator (ContentValidator) of `request.url` with a HEAD (only
  // url, use_proxy and headers count); `done` runs on a thread of the source's. False: this
  // source does not ask, and the engine sends the HEAD itself (the libcurl source: the engine's
  // fetcher has the same options).
  virtual bool AskValidator(const HttpRequest& request, std::function<void(std::string)> done) {
    (void)request;
    (void)done;
    return false;
  }
};

struct HttpSourceOptions {
  std::string ca_file;                 // extra CA bundle beside the system store
  std::uint32_t connect_timeout_s = 15;
  std::uint32_t stall_timeout_s = 60;  // no byte for this long: a transient timeout (0: never)
  long max_redirects = 10;
  std::string proxy;     // for every request; empty: the standard proxy environment
  std::string no_proxy;  // hosts that bypass `proxy`
};

std::unique_ptr<HttpSource> MakeCurlHttpSource(const HttpSourceOptions& options);

// What names a version of a URL's content (RFC 9110 8.8): "etag:<value>" for a strong ETag,
// else "lm:<date>" for Last-Modified, else "" (the response says nothing; a weak ETag does not
// promise the same bytes). Header values as the response gave them ("" when absent).
std::string ContentValidator(const std::string& etag, const std::string& last_modified);

// Whether BITS treats an HTTP status as a transient failure (retried) or a fatal one.
bool IsTransientHttpStatus(long status);

}  // namespace shoal::engine
