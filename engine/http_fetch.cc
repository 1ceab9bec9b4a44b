#include "engine/http_fetch.h"

#include <curl/curl.h>

#include <mutex>

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

}  // namespace

hr::HResult FromCurlCode(int code) {
  const auto c = static_cast<CURLcode>(code);
  switch (c) {
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY: return hr::kInternetNameNotResolved;
    case CURLE_COULDNT_CONNECT: return hr::kInternetCannotConnect;
    case CURLE_OPERATION_TIMEDOUT: return hr::kInternetTimeout;
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_PARTIAL_FILE:
    case CURLE_GOT_NOTHING: return hr::kInternetConnectionReset;
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_URL_MALFORMAT: return hr::kInvalidArg;
    case CURLE_TOO_MANY_REDIRECTS: return hr::kBgEInsufficientHttpSupport;
    case CURLE_OUT_OF_MEMORY: return hr::kOutOfMemory;
    default: return hr::kFail;
  }
}

void CurlGlobalInit() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

void SetCommonOptions(void* handle, const FetchOptions& options, char* error_buffer) {
  CURL* curl = static_cast<CURL*>(handle);
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(curl, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 1L);
  curl_easy_setopt(curl, CURLOPT_MAXREDIRS, 5L);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT, static_cast<long>(options.timeout_s));
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, 15L);
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error_buffer);
  curl_easy_setopt(curl, CURLOPT_USERAGENT, "shoal/0.1");
  if (!options.ca_file.empty()) curl_easy_setopt(curl, CURLOPT_CAINFO, options.ca_file.c_str());
}

static int Abort(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  const auto* cancel = static_cast<const std::atomic<bool>*>(user);
  return cancel != nullptr && cancel->load() ? 1 : 0;
}

FetchResult HttpGet(const std::string& url, const FetchOptions& options,
                    const std::atomic<bool>* cancel) {
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
  SetCommonOptions(curl, options, err);
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, &Write);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &sink);
  curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
  curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, &Abort);
  curl_easy_setopt(curl, CURLOPT_XFERINFODATA, cancel);

  const CURLcode c = curl_easy_perform(curl);
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &r.http_status);
  curl_easy_cleanup(curl);

  if (sink.overflow) {
    r.code = hr::kInvalidData;
    r.message = url + ": response larger than " + std::to_string(options.max_bytes) + " bytes";
  } else if (c != CURLE_OK) {
    r.code = FromCurlCode(c);
    r.message = url + ": " + (err[0] ? err : curl_easy_strerror(c));
  } else if (r.http_status >= 400) {
    r.code = hr::HttpError(static_cast<int>(r.http_status));
    r.message = url + ": HTTP " + std::to_string(r.http_status);
  }
  if (hr::Failed(r.code)) r.body.clear();
  return r;
}

HttpFetcher::HttpFetcher(FetchOptions options)
    : options_(std::move(options)), thread_([this] { Run(); }) {}

HttpFetcher::~HttpFetcher() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
    cancel_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

void HttpFetcher::Fetch(std::string url, std::function<void(FetchResult)> done) {
  {
    std::lock_guard lock(mu_);
    queue_.emplace_back(std::move(url), std::move(done));
  }
  cv_.notify_one();
}

void HttpFetcher::Run() {
  for (;;) {
    std::pair<std::string, std::function<void(FetchResult)>> item;
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [this] { return stop_ || !queue_.empty(); });
      if (stop_) return;
      item = std::move(queue_.front());
      queue_.pop_front();
    }
    FetchResult r = HttpGet(item.first, options_, &cancel_);
    {
      std::lock_guard lock(mu_);
      if (stop_) return;
    }
    item.second(std::move(r));
  }
}

}  // namespace shoal::engine
