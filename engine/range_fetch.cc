#include "engine/range_fetch.h"

#include <curl/curl.h>

#include <optional>

#include "engine/content_range.h"
#include "engine/curl_util.h"
#include "engine/http_source.h"

namespace shoal::engine {
namespace {

struct Sink {
  CURL* curl;
  const RangeRequest* req;
  std::string* body;
  std::uint64_t max;
  Pacer pacer;
  const std::atomic<bool>* cancel;
  const std::function<void(std::string)>* on_bytes;  // streams: passed on, not kept
  std::uint64_t got = 0;
  bool overflow = false;
  bool head_checked = false;
};

// A streamed body's bytes go out as they arrive, so what they are is checked first: only a
// 206, or a 200 where the whole file was asked for (or the range starts at 0); anything else
// (an error page, the whole file for a later range) is refused and classified by Get.
bool StreamableAnswer(Sink& sink) {
  long status = 0;
  curl_easy_getinfo(sink.curl, CURLINFO_RESPONSE_CODE, &status);
  return status == 206 || (status == 200 && (sink.req->whole_file || sink.req->offset == 0));
}

size_t Write(char* data, size_t size, size_t n, void* user) {
  auto* sink = static_cast<Sink*>(user);
  // Now, not after curl's buffered chunks.
  if (sink->cancel->load() || (sink->req->abandon && sink->req->abandon->load())) return 0;
  if (sink->got + size * n > sink->max) {  // longer than asked: stop
    sink->overflow = true;
    return 0;
  }
  if (*sink->on_bytes && !sink->head_checked) {
    if (!StreamableAnswer(*sink)) return 0;
    sink->head_checked = true;
  }
  sink->got += size * n;
  if (*sink->on_bytes) {
    (*sink->on_bytes)(std::string(data, size * n));
  } else {
    sink->body->append(data, size * n);
  }
  sink->pacer.Account(size * n, sink->cancel);
  return size * n;
}

int Abort(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  const auto* sink = static_cast<const Sink*>(user);
  return sink->cancel->load() || (sink->req->abandon && sink->req->abandon->load()) ? 1 : 0;
}

// One request on `curl`, a handle this worker reuses so its connection stays open.
FetchResult Get(CURL* curl, const RangeRequest& req, const FetchOptions& options,
                const std::atomic<bool>* cancel) {
  FetchResult r;
  if (!req.on_bytes) r.body.reserve(req.length);
  Sink sink{curl, &req, &r.body, req.length, Pacer(req.max_bytes_s), cancel, &req.on_bytes};
  char err[CURL_ERROR_SIZE] = {};
  const std::string range =
      std::to_string(req.offset) + "-" + std::to_string(req.offset + req.length - 1);
  curl_easy_reset(curl);
  curl_easy_setopt(curl, CURLOPT_URL, req.url.c_str());
  SetSecureDefaults(curl, req.url, options.ca_file, options.max_redirects);
  const CurlHeaders headers(req.headers);
  headers.Apply(curl);
  SetProxy(curl, true, options.proxy, options.no_proxy);
  long timeout_s = static_cast<long>(options.timeout_s);
  if (req.max_bytes_s > 0) {
    timeout_s += static_cast<long>(2 * req.length / req.max_bytes_s);
  }
  if (req.on_bytes) {  // a stream: as long as it takes while bytes flow
    curl_easy_setopt(curl, CURLOPT_LOW_SPEED_LIMIT, 1L);
    curl_easy_setopt(curl, CURLOPT_LOW_SPEED_TIME, static_cast<long>(options.timeout_s));
  } else {
    curl_easy_setopt(curl, CURLOPT_TIMEOUT, timeout_s);
  }
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, 15L);
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, err);
  if (!req.whole_file) curl_easy_setopt(curl, CURLOPT_RANGE, range.c_str());
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, &Write);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &sink);
  curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
  curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, &Abort);
  curl_easy_setopt(curl, CURLOPT_XFERINFODATA, &sink);
  const CURLcode c = curl_easy_perform(curl);
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &r.http_status);
  const std::string where = req.url + " bytes " + range;
  const std::string encoding = BodyEncoding(curl);
  std::optional<ContentRange> got;
  if (curl_header* h = nullptr;
      r.http_status == 206 &&
      curl_easy_header(curl, "Content-Range", 0, CURLH_HEADER, -1, &h) == CURLHE_OK) {
    got = ParseContentRange(h->value);
    if (got) r.total = got->total;
  }
  if (req.abandon && req.abandon->load()) {
    r.code = hr::kFail;
    r.message = where + ": abandoned";
  } else if (r.http_status >= 400) {
    r.code = hr::HttpError(static_cast<int>(r.http_status));
    r.transient = IsTransientHttpStatus(r.http_status);
    r.message = where + ": HTTP " + std::to_string(r.http_status);
  } else if (r.http_status == 200 &&
             !(req.offset == 0 && sink.got == req.length && !sink.overflow)) {
    // The whole file instead of the range: this server cannot serve pieces. (The first piece
    // of a longer file shows it by the bytes beyond it: overflow.)
    r.code = hr::kBgEInsufficientRangeSupport;
    r.message = where + ": the server ignored the Range header";
  } else if (!encoding.empty()) {
    r.code = hr::kHttpInvalidServerResponse;
    r.message =
        where + ": the server sent a " + encoding + "-encoded body although identity was asked for";
  } else if (r.http_status == 206 &&
             (!got || got->first != req.offset || got->length() != req.length)) {
    r.code = hr::kBgEInsufficientRangeSupport;
    r.message = where + ": the server answered with another range";
  } else if (sink.overflow) {
    r.code = hr::kHttpInvalidServerResponse;
    r.transient = true;
    r.message = where + ": the server sent more than the " + std::to_string(req.length) +
                " bytes asked for";
  } else if (c != CURLE_OK) {
    const CurlError e = FromCurl(c, req.url.rfind("https://", 0) == 0, r.http_status);
    r.code = e.code;
    r.transient = e.transient;
    r.message = where + ": " + (err[0] ? err : curl_easy_strerror(c));
  } else if (sink.got != req.length) {
    r.code = hr::kInternetConnectionReset;
    r.transient = true;
    r.message = where + ": got " + std::to_string(sink.got) + " bytes";
  }
  if (hr::Failed(r.code)) r.body.clear();
  return r;
}

}  // namespace

RangeFetcher::RangeFetcher(FetchOptions options, int workers) : options_(std::move(options)) {
  CurlGlobalInit();
  for (int i = 0; i < std::max(workers, 1); ++i) threads_.emplace_back([this] { Run(); });
}

RangeFetcher::~RangeFetcher() {
  {
    MutexLock lock(mu_);
    stop_ = true;
    cancel_ = true;
  }
  cv_.NotifyAll();
  for (auto& t : threads_) t.join();
}

void RangeFetcher::Fetch(RangeRequest request, std::function<void(FetchResult)> done) {
  {
    MutexLock lock(mu_);
    queue_.emplace_back(std::move(request), std::move(done));
  }
  cv_.NotifyOne();
}

void RangeFetcher::Run() {
  CURL* curl = curl_easy_init();
  for (;;) {
    std::pair<RangeRequest, std::function<void(FetchResult)>> item;
    {
      MutexLock lock(mu_);
      cv_.Wait(mu_, [this]() REQUIRES(mu_) { return stop_ || !queue_.empty(); });
      if (stop_) break;
      item = std::move(queue_.front());
      queue_.pop_front();
    }
    FetchResult r;
    if (curl == nullptr) {
      r.code = hr::kOutOfMemory;
      r.message = "cannot start an HTTP client";
    } else {
      r = Get(curl, item.first, options_, &cancel_);
    }
    {
      MutexLock lock(mu_);
      if (stop_) break;
    }
    item.second(std::move(r));
  }
  if (curl != nullptr) curl_easy_cleanup(curl);
}

}  // namespace shoal::engine
