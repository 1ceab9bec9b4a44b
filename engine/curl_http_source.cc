// HttpSource over libcurl: one worker thread per transfer, each a blocking easy handle that
// writes the body with pwrite(2) after the bytes already in the file. Resuming sends
// "Range: bytes=N-"; a server that answers 200 instead, or whose content changed size, makes
// the transfer restart from zero (the file is truncated and the caller told so).
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <future>
#include <list>
#include <map>
#include <optional>
#include <thread>

#include "engine/content_range.h"
#include "engine/curl_util.h"
#include "engine/http_source.h"
#include "engine/mutex.h"

namespace shoal::engine {

std::string ContentValidator(const std::string& etag, const std::string& last_modified) {
  if (!etag.empty() && etag.rfind("W/", 0) != 0) return "etag:" + etag;
  return last_modified.empty() ? "" : "lm:" + last_modified;
}

bool IsTransientHttpStatus(long status) {
  // 5xx are the server's trouble; 408 (request timeout) and 429 (too many requests) ask the
  // client to come back later. Every other 4xx says the request itself will never work.
  return status >= 500 || status == 408 || status == 429;
}

namespace {

constexpr long kBufferSize = 1 << 20;

// One GET of a transfer: the state the curl callbacks share.
struct Attempt {
  CURL* curl = nullptr;
  int fd = -1;
  const HttpCallbacks* callbacks = nullptr;
  const std::atomic<bool>* cancel = nullptr;
  std::uint64_t offset = 0;    // bytes in the file before this GET (the Range asked for)
  std::uint64_t expected = kSizeUnknown;
  std::uint64_t written = 0;   // bytes of the content in the file, from its start
  std::uint64_t size = kSizeUnknown;
  std::uint64_t end = kSizeUnknown;  // the content offset this response's body must stop at
  std::string if_range;  // the validator the bytes before `offset` came with ("" = unknown)
  bool head_seen = false;
  bool discard = false;  // the body broke its own headers: drop what it wrote
  bool restart = false;  // abandon this GET and fetch again from zero
  int write_errno = 0;
  Pacer pacer;                 // the job's rate cap
  // Stall detection: curl's own low-speed check averages over seconds, so a body that stops
  // dead is caught late; this watches the byte count itself.
  std::chrono::steady_clock::duration stall_limit{};
  std::chrono::steady_clock::time_point last_byte_at{};
  curl_off_t last_dlnow = -1;
  bool stalled = false;
  HttpOutcome failure;         // set when a callback refused the response
};

// Looks at the response that carries the body, before its first byte is written.
bool OnHead(Attempt& a) {
  a.head_seen = true;
  long status = 0;
  curl_easy_getinfo(a.curl, CURLINFO_RESPONSE_CODE, &status);
  curl_off_t length = -1;
  curl_easy_getinfo(a.curl, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &length);
  bool restarted = false;
  auto field = [&](const char* name) {
    curl_header* h = nullptr;
    return curl_easy_header(a.curl, name, 0, CURLH_HEADER, -1, &h) == CURLHE_OK
               ? std::string(h->value)
               : std::string();
  };
  const std::string validator = ContentValidator(field("ETag"), field("Last-Modified"));
  if (const std::string encoding = BodyEncoding(a.curl); !encoding.empty()) {
    a.failure = {hr::kHttpInvalidServerResponse, false, ErrorContext::kRemoteFile, status,
                 "the server sent a " + encoding + "-encoded body although identity was asked for"};
    return false;
  }
  if (status == 206) {
    curl_header* h = nullptr;
    const std::optional<ContentRange> range =
        curl_easy_header(a.curl, "Content-Range", 0, CURLH_HEADER, -1, &h) == CURLHE_OK
            ? ParseContentRange(h->value)
            : std::nullopt;
    if (!range || range->first != a.offset) {
      a.failure = {hr::kBgEInsufficientRangeSupport, false, ErrorContext::kRemoteFile, status,
                   "the server answered a range request with a different range"};
      return false;
    }
    if (length >= 0 && static_cast<std::uint64_t>(length) != range->length()) {
      a.failure = {hr::kHttpInvalidServerResponse, true, ErrorContext::kRemoteFile, status,
                   "a 206 of " + std::to_string(length) + " bytes for a Content-Range of " +
                       std::to_string(range->length())};
      return false;
    }
    const std::uint64_t total = range->total;
    if (total != kSizeUnknown && a.expected != kSizeUnknown && total != a.expected) {
      a.restart = true;  // the content changed size: what is on disk is stale
      return false;
    }
    if (!a.if_range.empty() && !validator.empty() && validator != a.if_range) {
      a.restart = true;  // another version of the same size (an origin ignoring If-Range)
      return false;
    }
    a.size = total;
    a.end = range->last + 1;
  } else if (status == 200) {
    if (a.offset > 0) {
      // The server ignored Range (or the content changed): start the file over.
      if (::ftruncate(a.fd, 0) != 0) {
        a.write_errno = errno;
        return false;
      }
      a.offset = 0;
      a.written = 0;
      restarted = true;
    }
    a.size = length >= 0 ? static_cast<std::uint64_t>(length) : kSizeUnknown;
  } else {
    a.failure = {hr::HttpError(static_cast<int>(status)), false, ErrorContext::kRemoteFile,
                 status, "unexpected HTTP status " + std::to_string(status)};
    return false;
  }
  if (a.callbacks->on_validator) a.callbacks->on_validator(validator);
  a.callbacks->on_head(a.size, restarted);
  return true;
}

size_t OnBody(char* data, size_t size, size_t n, void* user) {
  auto& a = *static_cast<Attempt*>(user);
  // Stop at once: curl may hand over many buffered chunks before it next asks OnXfer.
  if (a.cancel->load()) return 0;
  if (!a.head_seen && !OnHead(a)) return 0;
  const size_t len = size * n;
  if (a.end != kSizeUnknown && a.written + len > a.end) {
    // More than the Content-Range (a chunked body, or no Content-Length): none of it counts.
    a.failure = {hr::kHttpInvalidServerResponse, true, ErrorContext::kRemoteFile, 206,
                 "the body runs past its Content-Range (bytes " + std::to_string(a.offset) + "-" +
                     std::to_string(a.end - 1) + ")"};
    a.discard = true;
    return 0;
  }
  size_t done = 0;
  while (done < len) {
    const ssize_t w = ::pwrite(a.fd, data + done, len - done, static_cast<off_t>(a.written + done));
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) {
      a.write_errno = w < 0 ? errno : ENOSPC;
      return 0;
    }
    done += static_cast<size_t>(w);
  }
  a.written += len;
  a.callbacks->on_progress(a.written);
  a.pacer.Account(len, a.cancel);
  return len;
}

int OnXfer(void* user, curl_off_t, curl_off_t dlnow, curl_off_t, curl_off_t) {
  auto& a = *static_cast<Attempt*>(user);
  if (a.cancel->load()) return 1;
  const auto now = std::chrono::steady_clock::now();
  if (dlnow != a.last_dlnow) {
    a.last_dlnow = dlnow;
    a.last_byte_at = now;
  } else if (a.stall_limit.count() > 0 && now - a.last_byte_at > a.stall_limit) {
    a.stalled = true;
    return 1;
  }
  return 0;
}

HttpOutcome Fatal(hr::HResult code, ErrorContext context, std::string message) {
  return {code, false, context, 0, std::move(message)};
}

// One GET from a.offset. Returns the outcome; a.restart asks the caller for another GET.
HttpOutcome Perform(const HttpRequest& req, const HttpSourceOptions& options, Attempt& a) {
  CURL* curl = curl_easy_init();
  if (curl == nullptr) return Fatal(hr::kOutOfMemory, ErrorContext::kNone, "no HTTP client");
  a.curl = curl;
  char err[CURL_ERROR_SIZE] = {};
  const std::string range = std::to_string(a.offset) + "-";
  curl_easy_setopt(curl, CURLOPT_URL, req.url.c_str());
  SetSecureDefaults(curl, req.url, options.ca_file, options.max_redirects);
  // If-Range (RFC 9110 13.1.5) names the version the file's bytes are of: the ETag, else the
  // Last-Modified date, as the earlier response gave it.
  std::string if_range;
  if (a.offset > 0 && a.if_range.rfind("etag:", 0) == 0) if_range = a.if_range.substr(5);
  if (a.offset > 0 && a.if_range.rfind("lm:", 0) == 0) if_range = a.if_range.substr(3);
  const CurlHeaders headers(if_range.empty() ? req.headers
                                             : req.headers + "If-Range: " + if_range + "\r\n");
  headers.Apply(curl);
  if (a.offset > 0) curl_easy_setopt(curl, CURLOPT_RANGE, range.c_str());
  SetProxy(curl, req.use_proxy, options.proxy, options.no_proxy);
  curl_easy_setopt(curl, CURLOPT_FAILONERROR, 1L);
  curl_easy_setopt(curl, CURLOPT_BUFFERSIZE, kBufferSize);
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, static_cast<long>(options.connect_timeout_s));
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, &OnBody);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &a);
  curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
  curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, &OnXfer);
  curl_easy_setopt(curl, CURLOPT_XFERINFODATA, &a);
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, err);
  a.pacer = Pacer(req.max_bytes_s);
  a.stall_limit = std::chrono::seconds(options.stall_timeout_s);
  a.last_byte_at = std::chrono::steady_clock::now();
  const CURLcode c = curl_easy_perform(curl);
  long status = 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
  const bool https = req.url.rfind("https://", 0) == 0;
  HttpOutcome out;
  out.http_status = status;
  // A response without body bytes (an empty file) is judged here.
  if (c == CURLE_OK && !a.head_seen) OnHead(a);
  if (a.discard && a.written != a.offset) {
    if (::ftruncate(a.fd, static_cast<off_t>(a.offset)) != 0) a.write_errno = errno;
    a.written = a.offset;
    a.callbacks->on_progress(a.written);
  }
  if (a.cancel->load()) {
    out = Fatal(hr::kFail, ErrorContext::kNone, "cancelled");
  } else if (a.write_errno != 0) {
    // A full disk (or quota) is transient, as in BITS: the job resumes once space returns.
    const bool full = a.write_errno == ENOSPC || a.write_errno == EDQUOT;
    out = {hr::FromErrno(a.write_errno), full, ErrorContext::kLocalFile, status,
           req.path + ": " + std::strerror(a.write_errno)};
  } else if (a.restart) {
    // handled by the caller
  } else if (a.stalled) {
    out = {hr::kInternetTimeout, true, ErrorContext::kRemoteFile, status,
           "no data for " + std::to_string(options.stall_timeout_s) + " s"};
  } else if (a.failure.code != hr::kOk) {
    out = a.failure;
  } else if (c == CURLE_HTTP_RETURNED_ERROR) {
    if (status == 416 && a.offset > 0) {
      a.restart = true;  // nothing after our bytes: the content shrank or changed
    } else {
      out = {hr::HttpError(static_cast<int>(status)), IsTransientHttpStatus(status),
             ErrorContext::kRemoteFile, status, "HTTP " + std::to_string(status)};
    }
  } else if (c != CURLE_OK) {
    const CurlError e = FromCurl(c, https, status);
    out = {e.code, e.transient, ErrorContext::kRemoteFile, status,
           err[0] != '\0' ? err : curl_easy_strerror(c)};
  } else if (a.size != kSizeUnknown && a.written != a.size) {
    out = {hr::kInternetConnectionAborted, true, ErrorContext::kRemoteFile, status,
           "the body ended after " + std::to_string(a.written) + " of " +
               std::to_string(a.size) + " bytes"};
  }
  curl_easy_cleanup(curl);
  a.curl = nullptr;
  if (hr::Failed(out.code) && !out.message.empty()) out.message = req.url + ": " + out.message;
  return out;
}

HttpOutcome Run(const HttpRequest& req, const HttpSourceOptions& options,
                const HttpCallbacks& callbacks, const std::atomic<bool>& cancel) {
  Attempt a;
  a.fd = req.fd;
  a.callbacks = &callbacks;
  a.cancel = &cancel;
  a.offset = req.offset;
  a.expected = req.expected_size;
  a.written = req.offset;
  a.if_range = req.if_range;
  // Whatever lies past the bytes we counted may be torn: drop it.
  if (::ftruncate(req.fd, static_cast<off_t>(req.offset)) != 0) {
    const int err = errno;
    return Fatal(hr::FromErrno(err), ErrorContext::kLocalFile, req.path + ": " + std::strerror(err));
  }
  // The count the outcome is read with, even when this GET fails before its first byte.
  callbacks.on_progress(req.offset);
  HttpOutcome out = Perform(req, options, a);
  if (a.restart && !cancel.load()) {
    // Once only: a second mismatch is the server's to explain.
    if (::ftruncate(req.fd, 0) != 0) {
      const int err = errno;
      return Fatal(hr::FromErrno(err), ErrorContext::kLocalFile,
                   req.path + ": " + std::strerror(err));
    }
    callbacks.on_head(kSizeUnknown, true);
    Attempt b;
    b.fd = req.fd;
    b.callbacks = &callbacks;
    b.cancel = &cancel;
    out = Perform(req, options, b);
    if (b.restart) {
      out = {hr::kBgEInsufficientRangeSupport, true, ErrorContext::kRemoteFile, 0,
             req.url + ": the content changed while it was being fetched"};
    }
  }
  return out;
}

class CurlTransfer final : public HttpTransfer {
 public:
  explicit CurlTransfer(std::shared_ptr<std::atomic<bool>> cancel) : cancel_(std::move(cancel)) {}
  ~CurlTransfer() override { Cancel(); }
  void Cancel() override { cancel_->store(true); }

 private:
  std::shared_ptr<std::atomic<bool>> cancel_;
};

class CurlHttpSource final : public HttpSource {
 public:
  explicit CurlHttpSource(HttpSourceOptions options) : options_(std::move(options)) {
    CurlGlobalInit();
  }

  ~CurlHttpSource() override {
    std::list<Worker> workers;
    {
      MutexLock lock(mu_);
      workers.swap(workers_);
    }
    for (Worker& w : workers) w.cancel->store(true);
    for (Worker& w : workers) w.thread.join();
  }

  std::unique_ptr<HttpTransfer> Start(HttpRequest request, HttpCallbacks callbacks) override {
    auto cancel = std::make_shared<std::atomic<bool>>(false);
    auto finished = std::make_shared<std::atomic<bool>>(false);
    std::promise<void> done;
    std::shared_future<void> previous;
    MutexLock lock(mu_);
    Reap();
    auto& last = last_by_path_[request.path];
    previous = last;
    last = done.get_future().share();
    workers_.push_back({cancel, finished, {}});
    workers_.back().thread = std::thread(
        [this, request = std::move(request), callbacks = std::move(callbacks), cancel, finished,
         previous, done = std::move(done)]() mutable {
          if (previous.valid()) previous.wait();
          HttpOutcome out;
          if (cancel->load()) {
            out = Fatal(hr::kFail, ErrorContext::kNone, "cancelled");
          } else {
            out = Run(request, options_, callbacks, *cancel);
          }
          ::close(request.fd);
          done.set_value();  // the file is free for the next transfer on this path
          callbacks.on_done(out);
          finished->store(true);
        });
    return std::make_unique<CurlTransfer>(cancel);
  }

 private:
  struct Worker {
    std::shared_ptr<std::atomic<bool>> cancel;
    std::shared_ptr<std::atomic<bool>> finished;
    std::thread thread;
  };

  // Joins workers that are done.
  void Reap() REQUIRES(mu_) {
    for (auto it = workers_.begin(); it != workers_.end();) {
      if (it->finished->load()) {
        it->thread.join();
        it = workers_.erase(it);
      } else {
        ++it;
      }
    }
    for (auto it = last_by_path_.begin(); it != last_by_path_.end();) {
      const bool idle = it->second.wait_for(std::chrono::seconds(0)) == std::future_status::ready;
      it = idle ? last_by_path_.erase(it) : std::next(it);
    }
  }

  const HttpSourceOptions options_;
  Mutex mu_;
  std::list<Worker> workers_ GUARDED_BY(mu_);
  std::map<std::string, std::shared_future<void>> last_by_path_ GUARDED_BY(mu_);
};

}  // namespace

std::unique_ptr<HttpSource> MakeCurlHttpSource(const HttpSourceOptions& options) {
  return std::make_unique<CurlHttpSource>(options);
}

}  // namespace shoal::engine
