#include "engine/http_fetch.h"

#include <curl/curl.h>

#include <cctype>
#include <mutex>

#include "engine/curl_util.h"
#include "engine/http_source.h"

namespace shoal::engine {
namespace {

struct Sink {
  std::string* body;
  std::uint64_t max;
  bool overflow = false;
};

size_t Write(char* data, size_t size, size_t n, void* user) {
  auto* sink = static_cast<Sink*>(user);
  if (sink->body->size() + size * n > sink->max) {
    sink->overflow = true;
    return 0;
  }
  sink->body->append(data, size * n);
  return size * n;
}

size_t Header(char* data, size_t size, size_t n, void* user) {
  AddHeaderLine(std::string_view(data, size * n),
                static_cast<std::map<std::string, std::string>*>(user));
  return size * n;
}

}  // namespace

void AddHeaderLine(std::string_view line, std::map<std::string, std::string>* headers) {
  if (line.rfind("HTTP/", 0) == 0) {
    headers->clear();
  } else if (const auto colon = line.find(':'); colon != std::string_view::npos) {
    std::string name(line.substr(0, colon));
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    const auto b = line.find_first_not_of(" \t", colon + 1);
    const auto e = line.find_last_not_of(" \t\r\n");
    (*headers)[name] =
        b == std::string_view::npos || e < b ? "" : std::string(line.substr(b, e - b + 1));
  }
}

static int Abort(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  const auto* cancel = static_cast<const std::atomic<bool>*>(user);
  return cancel != nullptr && cancel->load() ? 1 : 0;
}

FetchResult HttpGet(const std::string& url, const FetchOptions& options,
                    const std::atomic<bool>* cancel, const std::string& headers) {
  CurlGlobalInit();
  FetchResult r;
  CURL* curl = curl_easy_init();
  if (curl == nullptr) {
    r.code = hr::kOutOfMemory;
    r.message = "cannot start an HTTP client";
    return r;
  }
  Sink sink{&r.body, options.max_bytes};
  char err[CURL_ERROR_SIZE] = {};
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  SetSecureDefaults(curl, url, options.ca_file, options.max_redirects);
  const CurlHeaders custom(headers);
  custom.Apply(curl);
  SetProxy(curl, true, options.proxy, options.no_proxy);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT, static_cast<long>(options.timeout_s));
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, static_cast<long>(options.connect_timeout_s));
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, &Header);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &r.headers);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, &Write);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &sink);
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, err);
  curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
  curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, &Abort);
  curl_easy_setopt(curl, CURLOPT_XFERINFODATA, cancel);
  if (options.head) curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);

  const CURLcode c = curl_easy_perform(curl);
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &r.http_status);
  curl_easy_cleanup(curl);

  if (sink.overflow) {
    r.code = hr::kInvalidData;
    r.message = url + ": response larger than " + std::to_string(options.max_bytes) + " bytes";
  } else if (c != CURLE_OK) {
    const CurlError e = FromCurl(c, url.rfind("https://", 0) == 0, r.http_status);
    r.code = e.code;
    r.transient = e.transient;
    r.message = url + ": " + (err[0] ? err : curl_easy_strerror(c));
  } else if (r.http_status >= 400) {
    r.code = hr::HttpError(static_cast<int>(r.http_status));
    r.transient = IsTransientHttpStatus(r.http_status);
    r.message = url + ": HTTP " + std::to_string(r.http_status);
  }
  if (hr::Failed(r.code)) r.body.clear();
  return r;
}

void HttpFetcher::Fetch(std::string url, std::function<void(FetchResult)> done, std::string headers,
                        bool head) {
  queue_.Run(
      [this, url = std::move(url), done = std::move(done), headers = std::move(headers), head] {
        FetchOptions options = options_;
        options.head = head;
        FetchResult r = HttpGet(url, options, &queue_.stopping(), headers);
        if (!queue_.stopping()) done(std::move(r));
      });
}

}  // namespace shoal::engine
