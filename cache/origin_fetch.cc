#include "cache/origin_fetch.h"

#include <curl/curl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/asio/ip/address.hpp>
#include <cctype>
#include <cstring>
#include <set>
#include <thread>

namespace shoal::cache {
namespace {

std::mutex g_mu;
std::condition_variable g_cv;
std::set<OriginFetch*> g_running;

std::string Trim(std::string s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.pop_back();
  std::size_t i = 0;
  while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) ++i;
  return s.substr(i);
}

// Every connection the transfer opens (the origin's addresses, each retry) passes the policy.
curl_socket_t OpenSocket(void* self, curlsocktype, curl_sockaddr* a) {
  if (!static_cast<OriginFetch*>(self)->MayConnect(&a->addr)) return CURL_SOCKET_BAD;
  return ::socket(a->family, a->socktype | SOCK_CLOEXEC, a->protocol);
}

}  // namespace

bool OriginFetch::MayConnect(const sockaddr* address) {
  namespace ip = boost::asio::ip;
  ip::address a;
  if (address->sa_family == AF_INET) {
    sockaddr_in in;
    std::memcpy(&in, address, sizeof in);
    a = ip::address_v4(ntohl(in.sin_addr.s_addr));
  } else if (address->sa_family == AF_INET6) {
    sockaddr_in6 in6;
    std::memcpy(&in6, address, sizeof in6);
    ip::address_v6::bytes_type b;
    std::memcpy(b.data(), in6.sin6_addr.s6_addr, b.size());
    a = ip::address_v6(b, in6.sin6_scope_id);
  } else {
    refused_ = true;
    return false;
  }
  if (request_.policy.AllowsAddress(a)) return true;
  refused_ = true;
  return false;
}

bool OriginFetch::refused() { return refused_; }

std::shared_ptr<OriginFetch> OriginFetch::Start(Store* store, FetchRequest request,
                                                std::function<void(OriginFetch&)> on_headers,
                                                std::function<void(OriginFetch&)> on_done) {
  auto f = std::shared_ptr<OriginFetch>(new OriginFetch());
  f->store_ = store;
  f->request_ = std::move(request);
  f->on_headers_ = std::move(on_headers);
  f->on_done_ = std::move(on_done);
  std::string error;
  f->fill_ = store->BeginFill(&error);
  if (f->fill_) f->read_fd_ = dup(f->fill_->fd());
  {
    std::lock_guard lock(g_mu);
    g_running.insert(f.get());
  }
  std::thread([f] { f->Run(); }).detach();
  return f;
}

OriginFetch::~OriginFetch() {
  if (read_fd_ >= 0) close(read_fd_);
}

int OriginFetch::Running() {
  std::lock_guard lock(g_mu);
  return static_cast<int>(g_running.size());
}

void OriginFetch::CancelAll() {
  std::unique_lock lock(g_mu);
  for (OriginFetch* f : g_running) f->Cancel();
  g_cv.wait(lock, [] { return g_running.empty(); });
}

std::size_t OriginFetch::OnHeader(char* data, std::size_t size, std::size_t n, void* p) {
  auto* self = static_cast<OriginFetch*>(p);
  const std::string line(data, size * n);
  if (line.rfind("HTTP/", 0) == 0) {
    self->headers_ = OriginHeaders{};  // a new response (after 100 Continue)
    const std::size_t sp = line.find(' ');
    if (sp != std::string::npos) self->headers_.status = std::atoi(line.c_str() + sp + 1);
  } else if (line == "\r\n" || line == "\n") {
    if (self->headers_.status >= 200) self->HeadersKnown();
  } else {
    const std::size_t colon = line.find(':');
    if (colon != std::string::npos) {
      std::string name = line.substr(0, colon);
      for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      const std::string value = Trim(line.substr(colon + 1));
      OriginHeaders& h = self->headers_;
      if (name == "etag") h.etag = value;
      if (name == "last-modified") h.last_modified = value;
      if (name == "cache-control") h.cache_control += (h.cache_control.empty() ? "" : ", ") + value;
      if (name == "expires") h.expires = value;
      if (name == "date") h.date = value;
      if (name == "content-type") h.content_type = value;
      if (name == "content-length") h.content_length = std::atoll(value.c_str());
    }
  }
  return size * n;
}

void OriginFetch::HeadersKnown() {
  {
    std::lock_guard lock(mu_);
    if (headers_known_) return;
    storable_ = !request_.head_only && Storable(headers_);
    headers_known_ = true;
  }
  cv_.notify_all();
  if (on_headers_) on_headers_(*this);
}

std::size_t OriginFetch::OnBody(char* data, std::size_t size, std::size_t n, void* p) {
  auto* self = static_cast<OriginFetch*>(p);
  if (self->cancel_) return 0;
  if (!self->fill_->Write(data, size * n)) return 0;
  self->origin_bytes_ += size * n;
  {
    std::lock_guard lock(self->mu_);
    self->written_ = self->fill_->written();
  }
  self->cv_.notify_all();
  return size * n;
}

void OriginFetch::Run() {
  CURLcode rc = CURLE_FAILED_INIT;
  std::string err;
  if (fill_ && read_fd_ >= 0) {
    CURL* c = curl_easy_init();
    curl_slist* hdrs = nullptr;
    if (!request_.if_none_match.empty()) {
      hdrs = curl_slist_append(hdrs, ("If-None-Match: " + request_.if_none_match).c_str());
    }
    if (!request_.if_modified_since.empty()) {
      hdrs = curl_slist_append(hdrs, ("If-Modified-Since: " + request_.if_modified_since).c_str());
    }
    hdrs = curl_slist_append(hdrs, "Via: 1.1 shoal-cache");
    char msg[CURL_ERROR_SIZE] = {0};
    curl_easy_setopt(c, CURLOPT_URL, request_.url.c_str());
    if (request_.head_only) curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_PROXY, request_.upstream_proxy.c_str());
    if (!request_.ca_file.empty()) curl_easy_setopt(c, CURLOPT_CAINFO, request_.ca_file.c_str());
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 15L);
    curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L);
    curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, 60L);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, msg);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, &OriginFetch::OnHeader);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, this);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, &OriginFetch::OnBody);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, this);
    if (request_.upstream_proxy.empty()) {  // else the node connects to its own proxy only
      curl_easy_setopt(c, CURLOPT_OPENSOCKETFUNCTION, &OpenSocket);
      curl_easy_setopt(c, CURLOPT_OPENSOCKETDATA, this);
    }
    rc = curl_easy_perform(c);
    err = msg[0] ? msg : curl_easy_strerror(rc);
    if (rc != CURLE_OK && refused_) {
      err =
          "the origin's address is loopback, link-local or otherwise local to the node "
          "(allow_local_origins)";
    }
    curl_slist_free_all(hdrs);
    curl_easy_cleanup(c);
  } else {
    err = "cannot create a fill in the store";
  }
  const bool whole =
      rc == CURLE_OK && (request_.head_only || headers_.content_length < 0 ||
                         static_cast<std::uint64_t>(headers_.content_length) == fill_->written());
  if (!headers_known_) {
    if (rc == CURLE_OK) {
      HeadersKnown();
    } else {
      std::lock_guard lock(mu_);
      headers_known_ = true;
      headers_.status = 0;
    }
  }
  const std::int64_t now = request_.now();
  if (whole && headers_.status == 304) {
    store_->Refresh(request_.url, FreshUntil(headers_, now, request_.rules), headers_.etag,
                    headers_.last_modified);
  } else if (whole && storable_) {
    EntryMeta m;
    m.url = request_.url;
    m.etag = headers_.etag;
    m.last_modified = headers_.last_modified;
    m.content_type = headers_.content_type;
    m.fresh_until = FreshUntil(headers_, now, request_.rules);
    std::string e;
    if (!store_->Commit(std::move(fill_), m, &e)) err = e;
  } else if (!whole && rc == CURLE_OK) {
    err = "the origin's body was shorter than its Content-Length";
  }
  {
    std::lock_guard lock(mu_);
    done_ = true;
    ok_ = whole;
    error_ = err;
  }
  cv_.notify_all();
  if (on_done_) on_done_(*this);
  on_headers_ = nullptr;
  on_done_ = nullptr;
  std::lock_guard lock(g_mu);
  g_running.erase(this);
  g_cv.notify_all();
}

bool OriginFetch::WaitHeaders() {
  std::unique_lock lock(mu_);
  cv_.wait(lock, [this] { return headers_known_; });
  return headers_.status != 0;
}

std::uint64_t OriginFetch::WaitBytes(std::uint64_t offset) {
  std::unique_lock lock(mu_);
  cv_.wait(lock, [&] { return written_ > offset || done_; });
  return written_;
}

bool OriginFetch::Done() {
  std::lock_guard lock(mu_);
  return done_;
}

bool OriginFetch::Succeeded() {
  std::lock_guard lock(mu_);
  return done_ && ok_;
}

std::string OriginFetch::error() {
  std::lock_guard lock(mu_);
  return error_;
}

}  // namespace shoal::cache
