#include "engine/curl_util.h"

#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <mutex>
#include <thread>

namespace shoal::engine {

void CurlGlobalInit() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

CurlError FromCurl(CURLcode c, bool https_origin, long http_status) {
  switch (c) {
    case CURLE_OK:
      return {hr::kOk, false};
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
      return {hr::kInternetNameNotResolved, true};
    case CURLE_COULDNT_CONNECT:
      return {hr::kInternetCannotConnect, true};
    case CURLE_OPERATION_TIMEDOUT:
      return {hr::kInternetTimeout, true};
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
      return {hr::kInternetConnectionReset, true};
    case CURLE_PARTIAL_FILE:
      return {hr::kInternetConnectionAborted, true};
    case CURLE_UNSUPPORTED_PROTOCOL:
      // Only http(s) URLs get this far, so after a 3xx the protocol came from its Location.
      // Without one the reply was not HTTP (curl calls it HTTP/0.9): junk left on a kept-alive
      // connection, or a broken server; a new connection may well do.
      if (http_status < 300 || http_status > 399) return {hr::kHttpInvalidServerResponse, true};
      return {https_origin ? hr::kInternetHttpsToHttpOnRedir : hr::kHttpRedirectFailed, false};
    case CURLE_TOO_MANY_REDIRECTS:
      return {hr::kHttpRedirectFailed, false};
    case CURLE_URL_MALFORMAT:
      return {hr::kInvalidArg, false};
    case CURLE_PEER_FAILED_VERIFICATION:
      return {hr::kInternetInvalidCa, false};
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_CACERT_BADFILE:
      return {hr::kInternetSecureFailure, false};
    case CURLE_OUT_OF_MEMORY:
      return {hr::kOutOfMemory, false};
    case CURLE_WEIRD_SERVER_REPLY:
      return {hr::kHttpInvalidServerResponse, true};
    default:
      return {hr::kFail, true};  // unknown transport trouble: retry rather than give up
  }
}

void SetProxy(CURL* curl, bool use, const std::string& proxy, const std::string& no_proxy) {
  if (!use) {
    curl_easy_setopt(curl, CURLOPT_PROXY, "");  // "" disables the environment's proxy too
    return;
  }
  if (proxy.empty()) return;
  curl_easy_setopt(curl, CURLOPT_PROXY, proxy.c_str());
  if (!no_proxy.empty()) curl_easy_setopt(curl, CURLOPT_NOPROXY, no_proxy.c_str());
}

CurlHeaders::CurlHeaders(const std::string& custom) {
  if (custom.empty()) return;
  list_ = curl_slist_append(nullptr, "Accept-Encoding: identity");
  std::size_t start = 0;
  while (start < custom.size()) {
    std::size_t end = custom.find("\r\n", start);
    if (end == std::string::npos) end = custom.size();
    if (end > start) list_ = curl_slist_append(list_, custom.substr(start, end - start).c_str());
    start = end + 2;
  }
}

void SetSecureDefaults(CURL* curl, const std::string& url, const std::string& ca_file,
                       long max_redirects) {
  const bool https = url.rfind("https://", 0) == 0;
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(curl, CURLOPT_REDIR_PROTOCOLS_STR, https ? "https" : "http,https");
  curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 1L);
  curl_easy_setopt(curl, CURLOPT_MAXREDIRS, max_redirects);
  curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 1L);
  curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 2L);
  if (!ca_file.empty()) {
    // CAINFO replaces the built-in bundle; the system's hashed directory keeps it trusted.
    curl_easy_setopt(curl, CURLOPT_CAINFO, ca_file.c_str());
    static constexpr const char* kSystemCaDir = "/etc/ssl/certs";
    if (::access(kSystemCaDir, R_OK | X_OK) == 0) {
      curl_easy_setopt(curl, CURLOPT_CAPATH, kSystemCaDir);
    }
  }
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  // One list for every handle, never freed: libcurl only reads it.
  static curl_slist* const kHeaders = curl_slist_append(nullptr, "Accept-Encoding: identity");
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, kHeaders);
  curl_easy_setopt(curl, CURLOPT_HTTP_CONTENT_DECODING, 0L);
  curl_easy_setopt(curl, CURLOPT_USERAGENT, "shoal/0.1");
}

std::string BodyEncoding(CURL* curl) {
  curl_header* h = nullptr;
  if (curl_easy_header(curl, "Content-Encoding", 0, CURLH_HEADER, -1, &h) != CURLHE_OK) return "";
  std::string v = h->value;
  std::string lower = v;
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return lower.empty() || lower == "identity" ? "" : v;
}

void Pacer::Account(std::uint64_t bytes, const std::atomic<bool>* cancel) {
  if (rate_ == 0) return;
  bytes_ += bytes;
  const auto due =
      start_ +
      std::chrono::duration_cast<std::chrono::steady_clock::duration>(
          std::chrono::duration<double>(static_cast<double>(bytes_) / static_cast<double>(rate_)));
  while (std::chrono::steady_clock::now() < due && !(cancel != nullptr && cancel->load())) {
    std::this_thread::sleep_for(std::min<std::chrono::steady_clock::duration>(
        due - std::chrono::steady_clock::now(), std::chrono::milliseconds(50)));
  }
}

}  // namespace shoal::engine
