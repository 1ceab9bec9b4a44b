// What the engine's two libcurl users share: one-time global init, the mapping of curl errors
// to the HRESULTs BITS reports (and whether BITS retries them), and the TLS/redirect options
// every handle gets. Internal to engine/. Thread-safe (pure functions; init is once-only).
#pragma once

#include <curl/curl.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>

#include "engine/hresult.h"

namespace shoal::engine {

void CurlGlobalInit();

struct CurlError {
  hr::HResult code;
  bool transient;  // connection, DNS, timeout, truncation: BITS retries these
};
// `https_origin`: the first URL was https, so a refused redirect means HTTPS -> HTTP.
// `http_status`: the last response's status; a refused protocol is a redirect's only after a
// 3xx (otherwise the reply was not HTTP at all: junk where a response should be).
CurlError FromCurl(CURLcode c, bool https_origin, long http_status);

// The proxy of a handle: none at all when !use; `proxy` (with `no_proxy` exceptions) when set;
// otherwise libcurl's default, the standard environment (http_proxy, https_proxy, no_proxy...).
void SetProxy(CURL* curl, bool use, const std::string& proxy, const std::string& no_proxy);

// TLS verified against the system store plus `ca_file` (if any); redirects bounded by
// `max_redirects`, and an https URL may only redirect to https. Every request asks for the
// identity encoding: bytes are counted and hashed as they are on the server.
void SetSecureDefaults(CURL* curl, const std::string& url, const std::string& ca_file,
                       long max_redirects);

// A handle's request headers when its job set custom ones: "Accept-Encoding: identity" and
// each CRLF-terminated line of `custom` (IBackgroundCopyJobHttpOptions::SetCustomHeaders).
// Apply does nothing for "" (SetSecureDefaults' list stays); the object must outlive the
// transfer, as libcurl reads the list while it runs.
class CurlHeaders {
 public:
  explicit CurlHeaders(const std::string& custom);
  ~CurlHeaders() { curl_slist_free_all(list_); }
  CurlHeaders(const CurlHeaders&) = delete;
  CurlHeaders& operator=(const CurlHeaders&) = delete;
  void Apply(CURL* curl) const {
    if (list_ != nullptr) curl_easy_setopt(curl, CURLOPT_HTTPHEADER, list_);
  }

 private:
  curl_slist* list_ = nullptr;
};

// The response's Content-Encoding when it is not identity (a server that ignored
// "Accept-Encoding: identity"), else "". Such a body is not the content's bytes.
std::string BodyEncoding(CURL* curl);

// Paces a body to `bytes_per_s` (0 = no pacing) from its write callback: after each chunk it
// sleeps until the bytes so far fit the rate, waking early when `cancel` is set. (libcurl
// 7.88's CURLOPT_MAX_RECV_SPEED_LARGE let a loopback body through unthrottled.)
class Pacer {
 public:
  explicit Pacer(std::uint64_t bytes_per_s = 0) : rate_(bytes_per_s) {}
  void Account(std::uint64_t bytes, const std::atomic<bool>* cancel);

 private:
  std::uint64_t rate_;
  std::uint64_t bytes_ = 0;
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
};

}  // namespace shoal::engine
