#include "cache/proxy.h"

#include <curl/curl.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <atomic>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <thread>

#include "cache/origin_fetch.h"
#include "cache/pages.h"
#include "cache/request_target.h"
#include "cache/serve.h"

namespace shoal::cache {
namespace asio = boost::asio;
namespace http = boost::beast::http;

namespace {

std::int64_t WallNow() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

struct CacheProxy::Impl {
  static constexpr int kDefaultFillWaitS = 60, kMaxFillWaitS = 600;  // metainfo's &wait=
  ProxyOptions o;
  std::unique_ptr<Store> store;
  asio::io_context io;
  tcp::acceptor acceptor{io};
  std::thread accept_thread;
  std::mutex mu;
  std::condition_variable cv;
  std::set<int> conns;
  int live = 0;
  std::atomic<bool> stopping{false};
  std::mutex fetch_mu;
  std::map<std::string, std::shared_ptr<OriginFetch>> fetches;
  std::unique_ptr<Seeder> seeder;  // after the store: stopped before it goes
  std::unique_ptr<MetainfoSigner> signer;
  std::mutex meta_mu;
  std::map<std::string, std::pair<std::string, std::string>> metainfo;  // sha -> torrent, sig
  std::atomic<std::uint64_t> requests{0}, hits{0}, misses{0}, revalidated{0}, passed{0},
      from_store{0}, from_fill{0}, from_origin{0}, tunnels{0}, tunneled{0}, origin_fetches{0},
      refused{0};

  std::int64_t Now() const { return o.store.now ? o.store.now() : WallNow(); }

  void AcceptLoop() {
    for (;;) {
      tcp::socket sock(io);
      boost::system::error_code ec;
      acceptor.accept(sock, ec);
      if (stopping) return;
      if (ec) continue;
      std::unique_lock lock(mu);
      if (live >= o.max_connections) {
        lock.unlock();
        Send(sock, Head(503, "Content-Length: 0\r\nConnection: close\r\n"));
        continue;
      }
      ++live;
      conns.insert(sock.native_handle());
      lock.unlock();
      // The socket belongs to `io`: it must be gone before `live` lets the destructor free
      // the io_context, not when the detached thread's lambda is destroyed after that.
      std::thread([this, s = std::optional<tcp::socket>(std::move(sock))]() mutable {
        const int fd = s->native_handle();
        Serve(*s);
        {
          std::lock_guard l(mu);
          conns.erase(fd);  // before the close: the destructor never shuts down a reused fd
        }
        s.reset();
        std::lock_guard l(mu);
        --live;
        cv.notify_all();
      }).detach();
    }
  }

  void Serve(tcp::socket& sock) {
    timeval tv{o.idle_timeout_s, 0};
    setsockopt(sock.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    boost::beast::flat_buffer buf;
    while (!stopping) {
      http::request_parser<http::empty_body> parser;
      parser.header_limit(16 * 1024);
      boost::system::error_code ec;
      http::read(sock, buf, parser, ec);
      if (ec == http::error::end_of_stream || ec == asio::error::eof) return;
      if (ec) {
        const int status = ec == http::error::header_limit ? 431 : 400;
        if (buf.size() > 0 || parser.got_some()) {
          Send(sock, Head(status, "Content-Length: 0\r\nConnection: close\r\n"));
        }
        return;
      }
      ++requests;
      const Request& req = parser.get();
      if (req[http::field::via].find("shoal-cache") != boost::beast::string_view::npos) {
        Send(sock, Head(508, "Content-Length: 0\r\nConnection: close\r\n"));
        return;
      }
      const RequestTarget t = ResolveTarget(std::string(req.method_string()),
                                            std::string(req.target()), o.connect_ports);
      // Answered whatever the client said; `keep` only decides whether another request may
      // follow on this connection (HTTP/1.0, Connection: close: no).
      bool keep = req.keep_alive();
      if ((t.kind == RequestTarget::Kind::kFetch || t.kind == RequestTarget::Kind::kTunnel) &&
          !o.origins.AllowsHost(t.host, t.port)) {
        ++refused;
        keep = SendText(sock, 403,
                        "refused: the node does not fetch from " + t.host + ":" +
                            std::to_string(t.port) +
                            " (allow_origins, allow_local_origins: docs/cache.md)") &&
               keep;
        if (!keep) return;
        continue;
      }
      switch (t.kind) {
        case RequestTarget::Kind::kError:
          keep = SendText(sock, t.status, t.message) && keep;
          break;
        case RequestTarget::Kind::kTunnel:
          Tunnel(sock, buf, t);
          return;
        case RequestTarget::Kind::kLocal:
          keep = Local(sock, req, t) && keep;
          break;
        case RequestTarget::Kind::kFetch:
          keep = Fetch(sock, req, t.url) && keep;
          break;
      }
      if (!keep) return;
    }
  }

  bool Local(tcp::socket& sock, const Request& req, const RequestTarget& t) {
    const std::string& path = t.path;
    std::string body, type, extra;
    if (path == "/shoal/v1/metainfo") {
      std::string why;
      int status = 404;
      const std::string wait = QueryValue(t.query, "wait");
      const int wait_s =
          wait.empty() || wait.size() > 3 || wait.find_first_not_of("0123456789") != wait.npos
              ? kDefaultFillWaitS
              : std::min(std::stoi(wait), kMaxFillWaitS);
      if (!Metainfo(QueryValue(t.query, "url"), QueryValue(t.query, "fill") == "1", wait_s, &body,
                    &extra, &status, &why)) {
        return SendText(sock, status, why);
      }
      type = "application/x-bittorrent";
    } else if (path == "/shoal/v1/stats") {
      body = StatsToJson(Snapshot());
      type = "application/json";
    } else if (path == "/shoal/v1/entries") {
      body = EntriesToJson(store->List(), kEntriesShown);
      type = "application/json";
    } else if (path == "/shoal/v1/metrics") {
      body = StatsToPrometheus(Snapshot());
      type = "text/plain; version=0.0.4";
    } else if (path == "/shoal/v1/status") {
      body = StatusPageHtml();
      type = "text/html; charset=utf-8";
    } else {
      return Send(sock, Head(404, "Content-Length: 0\r\n"));
    }
    const bool head = req.method() == http::verb::head;
    return Send(sock,
                Head(200, extra + "Content-Type: " + type + "\r\nCache-Control: no-store\r\n" +
                              "Content-Length: " + std::to_string(body.size()) + "\r\n") +
                    (head ? "" : body));
  }

  // Signed metainfo for a stored URL: the torrent in *body, its signature header in *extra.
  // With `fill`, a URL not held yet is fetched first (joining a fill under way), waiting up to
  // `wait_s` for it. False with the answer's *status and *why.
  bool Metainfo(const std::string& raw_url, bool fill, int wait_s, std::string* body,
                std::string* extra, int* status, std::string* why) {
    if (!signer) {
      *why = "the metainfo service is off: no signing key configured";
      return false;
    }
    const RequestTarget t = MetainfoTarget(raw_url);
    if (t.kind != RequestTarget::Kind::kFetch) {
      *status = 400;
      *why = "url=" + raw_url + ": " + (t.message.empty() ? "not an http(s) URL" : t.message);
      return false;
    }
    const std::string& url = t.url;
    std::shared_ptr<Handle> h = store->Lookup(url);
    if (!h && fill && !Fill(t, wait_s, status, why)) return false;
    if (!h) h = store->Lookup(url);
    if (!h) {
      if (fill) *status = 502;
      *why = "not in the store: " + url;
      return false;
    }
    const std::string& sha = h->meta().sha256;
    std::lock_guard lock(meta_mu);
    auto it = metainfo.find(sha + " " + url);
    if (it == metainfo.end()) {
      std::string torrent;
      const std::string object = (o.store.root / "objects" / sha).string();
      if (!MakeNodeMetainfo(object, url, (o.store.root / "tmp").string(), &torrent, why)) {
        return false;
      }
      it = metainfo.emplace(sha + " " + url, std::make_pair(torrent, signer->Sign(torrent))).first;
    }
    *body = it->second.first;
    *extra = "X-Shoal-Signature: ed25519=" + it->second.second + "\r\n";
    if (seeder->seeding()) {
      *extra += "X-Shoal-Seed-Port: " + std::to_string(seeder->port()) + "\r\n";
    }
    return true;
  }

  // The target a metainfo request's url= names, as if it came through the proxy.
  RequestTarget MetainfoTarget(const std::string& url) const {
    if (url.rfind("https://", 0) != 0) return ResolveTarget("GET", url, o.connect_ports);
    const std::string rest = url.substr(8);
    const std::size_t slash = std::min(rest.find('/'), rest.find('?'));
    const std::string authority = rest.substr(0, slash);
    std::string path = slash == std::string::npos ? "/" : rest.substr(slash);
    if (path[0] == '?') path = "/" + path;
    path += path.find('?') == std::string::npos ? "?" : "&";
    return ResolveTarget("GET", path + "cacheHostOrigin=" + authority + "&cacheHostScheme=https",
                         o.connect_ports);
  }

  // Starts (or joins) the origin fill of `t` and waits up to `wait_s` for it to end; true
  // once the content is stored. False with the answer's status and why.
  bool Fill(const RequestTarget& t, int wait_s, int* status, std::string* why) {
    if (!o.origins.AllowsHost(t.host, t.port)) {
      ++refused;
      *status = 403;
      *why = "refused: the node does not fetch from " + t.host + ":" + std::to_string(t.port) +
             " (allow_origins, allow_local_origins: docs/cache.md)";
      return false;
    }
    std::shared_ptr<OriginFetch> f;
    {
      std::lock_guard lock(fetch_mu);
      auto it = fetches.find(t.url);
      if (it != fetches.end()) {
        f = it->second;
      } else {
        f = StartFetch(t.url, nullptr, true);
        fetches[t.url] = f;
        ++misses;
      }
    }
    *status = 502;
    if (!f->WaitHeaders()) {
      if (f->refused()) ++refused;
      *status = f->refused() ? 403 : 502;
      *why = (f->refused() ? "refused: " : "origin unreachable: ") + f->error();
      return false;
    }
    if (f->headers().status != 200) {
      *why = "the origin answered " + std::to_string(f->headers().status) + " for " + t.url;
      return false;
    }
    if (!f->storable()) {
      *why = "the origin's answer may not be stored (no-store, private): " + t.url;
      return false;
    }
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(wait_s);
    while (!f->Done()) {
      if (stopping || std::chrono::steady_clock::now() >= deadline) {
        *status = 504;
        *why = "still filling after " + std::to_string(wait_s) + " s: " + t.url;
        return false;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    if (!f->Succeeded()) {
      *why = "the fill from the origin failed: " + f->error();
      return false;
    }
    return true;
  }

  std::shared_ptr<OriginFetch> StartFetch(const std::string& url, const EntryMeta* stale,
                                          bool shared, bool head_only = false) {
    FetchRequest r;
    r.url = url;
    r.head_only = head_only;
    if (stale) {
      r.if_none_match = stale->etag;
      r.if_modified_since = stale->last_modified;
    }
    r.upstream_proxy = o.upstream_proxy;
    r.ca_file = o.ca_file;
    r.policy = o.origins;
    r.rules = o.rules;
    r.now = [this] { return Now(); };
    ++origin_fetches;
    auto forget = [this, url](OriginFetch& f) {
      std::lock_guard lock(fetch_mu);
      auto it = fetches.find(url);
      if (it != fetches.end() && it->second.get() == &f) fetches.erase(it);
    };
    return OriginFetch::Start(
        store.get(), r,
        [forget, shared](OriginFetch& f) {
          if (shared && !f.storable()) forget(f);  // not shared with later requests
        },
        [this, forget, shared](OriginFetch& f) {
          from_origin += f.origin_bytes();
          if (shared) forget(f);
          seeder->Poke();  // stored, maybe: seed it
        });
  }

  bool Fetch(tcp::socket& sock, const Request& req, const std::string& url) {
    for (int attempt = 0; attempt < 3 && !stopping; ++attempt) {
      std::shared_ptr<Handle> h = store->Lookup(url);
      if (h && h->meta().fresh_until > Now()) {
        ++hits;
        return ServeStored(sock, req, *h, "HIT", &from_store);
      }
      std::shared_ptr<OriginFetch> f;
      bool leader = false, head_only = false;
      {
        std::lock_guard lock(fetch_mu);
        auto it = fetches.find(url);
        if (it != fetches.end()) {
          f = it->second;
        } else if (!h && req.method() == http::verb::head) {
          // A cold HEAD needs no body (RFC 9110 9.3.2): the origin's HEAD, passed on, no fill.
          f = StartFetch(url, nullptr, false, head_only = true);
        } else {
          f = StartFetch(url, h ? &h->meta() : nullptr, true);
          fetches[url] = f;
          leader = true;
        }
      }
      if (!f->WaitHeaders()) {
        if (f->refused()) ++refused;
        return SendText(sock, f->refused() ? 403 : 502,
                        (f->refused() ? "refused: " : "origin unreachable: ") + f->error());
      }
      const int status = f->headers().status;
      if (status == 304) {
        if (!h) continue;  // someone else's revalidation: look again
        ++hits;
        ++revalidated;
        return ServeStored(sock, req, *h, "REVALIDATED", &from_store);
      }
      if (status == 200 && !f->storable() && !leader && !head_only) {
        f = StartFetch(url, nullptr, false);  // a private answer is not shared: fetch our own
        if (!f->WaitHeaders()) return Send(sock, Head(502, "Content-Length: 0\r\n"));
      }
      if (f->storable()) {
        ++misses;
      } else {
        ++passed;
      }
      return ServeFetch(sock, req, *f, &from_fill);
    }
    return Send(sock, Head(503, "Content-Length: 0\r\nRetry-After: 1\r\n"));
  }

  void Tunnel(tcp::socket& sock, boost::beast::flat_buffer& buf, const RequestTarget& t);

  ProxyStats Snapshot() const {
    ProxyStats s;
    s.requests = requests;
    s.hits = hits;
    s.misses = misses;
    s.revalidated = revalidated;
    s.passed_through = passed;
    s.bytes_from_store = from_store;
    s.bytes_from_fill = from_fill;
    s.bytes_from_origin = from_origin;
    s.tunnels = tunnels;
    s.bytes_tunneled = tunneled;
    s.origin_fetches = origin_fetches;
    s.refused = refused;
    s.store = store->Counters();
    s.bytes_to_peers = seeder->BytesToPeers();
    s.seeds = seeder->seeds();
    return s;
  }
};

void CacheProxy::Impl::Tunnel(tcp::socket& sock, boost::beast::flat_buffer& buf,
                              const RequestTarget& t) {
  ++tunnels;
  tcp::socket up(io);
  boost::system::error_code ec;
  tcp::resolver resolver(io);
  std::vector<tcp::endpoint> allowed;
  bool any_refused = false;
  for (const auto& e : resolver.resolve(t.host, std::to_string(t.port), ec)) {
    (o.origins.AllowsAddress(e.endpoint().address()) ? allowed.push_back(e.endpoint())
                                                     : void(any_refused = true));
  }
  if (allowed.empty() && any_refused) {
    ++refused;
    SendText(sock, 403, "refused: " + t.host + " resolves only to addresses local to the node");
    return;
  }
  if (!ec) asio::connect(up, allowed, ec);
  if (ec || allowed.empty()) {
    Send(sock, Head(502, "Content-Length: 0\r\nConnection: close\r\n"));
    return;
  }
  if (!Send(sock, "HTTP/1.1 200 Connection Established\r\nVia: 1.1 shoal-cache\r\n\r\n")) return;
  if (buf.size() > 0) asio::write(up, buf.data(), ec);  // bytes sent right behind the request
  auto pump = [this](tcp::socket& from, tcp::socket& to) {
    std::vector<char> b(64 * 1024);
    boost::system::error_code e;
    for (;;) {
      const std::size_t n = from.read_some(asio::buffer(b), e);
      if (e) break;
      asio::write(to, asio::buffer(b.data(), n), e);
      if (e) break;
      tunneled += n;
    }
    ::shutdown(from.native_handle(), SHUT_RDWR);
    ::shutdown(to.native_handle(), SHUT_RDWR);
  };
  std::thread other([&] { pump(up, sock); });
  pump(sock, up);
  other.join();
}

CacheProxy::CacheProxy(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

std::unique_ptr<CacheProxy> CacheProxy::Start(const ProxyOptions& options, std::string* error) {
  static const bool curl_ready = curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK;
  (void)curl_ready;
  auto impl = std::make_unique<Impl>();
  impl->o = options;
  impl->store = Store::Open(options.store, error);
  if (!impl->store) return nullptr;
  impl->seeder = std::make_unique<Seeder>(impl->store.get(), options.store.root, options.seeding);
  if (!options.signing_key.empty()) {
    impl->signer = MetainfoSigner::Load(options.signing_key, error);
    if (!impl->signer) return nullptr;
  }
  boost::system::error_code ec;
  const auto address = asio::ip::make_address(options.bind_address, ec);
  if (ec) {
    *error = "bad bind address " + options.bind_address + ": " + ec.message();
    return nullptr;
  }
  const tcp::endpoint ep(address, options.port);
  impl->acceptor.open(ep.protocol(), ec);
  if (!ec) impl->acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) impl->acceptor.bind(ep, ec);
  if (!ec) impl->acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    *error = "cannot listen on " + options.bind_address + ":" + std::to_string(options.port) +
             ": " + ec.message();
    return nullptr;
  }
  Impl* p = impl.get();
  impl->accept_thread = std::thread([p] { p->AcceptLoop(); });
  return std::unique_ptr<CacheProxy>(new CacheProxy(std::move(impl)));
}

CacheProxy::~CacheProxy() {
  impl_->stopping = true;
  ::shutdown(impl_->acceptor.native_handle(), SHUT_RDWR);
  impl_->accept_thread.join();
  {
    std::lock_guard lock(impl_->mu);
    for (int fd : impl_->conns) ::shutdown(fd, SHUT_RDWR);
  }
  OriginFetch::CancelAll();
  std::unique_lock lock(impl_->mu);
  impl_->cv.wait(lock, [this] { return impl_->live == 0; });
}

std::uint16_t CacheProxy::port() const { return impl_->acceptor.local_endpoint().port(); }
std::string CacheProxy::PublicKeyPem() const {
  return impl_->signer ? impl_->signer->PublicKeyPem() : "";
}
ProxyStats CacheProxy::Stats() const { return impl_->Snapshot(); }
std::string CacheProxy::StatsJson() const { return StatsToJson(impl_->Snapshot()); }
Store& CacheProxy::store() { return *impl_->store; }
int CacheProxy::FetchesInFlight() const {
  std::lock_guard lock(impl_->fetch_mu);
  return static_cast<int>(impl_->fetches.size());
}

}  // namespace shoal::cache
