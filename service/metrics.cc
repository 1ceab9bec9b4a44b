#include "service/metrics.h"

#include <array>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <sstream>
#include <thread>

#include "prometheus/counter.h"
#include "prometheus/family.h"
#include "prometheus/gauge.h"
#include "prometheus/registry.h"
#include "prometheus/text_serializer.h"

namespace shoal::service {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

// Label values of BG_JOB_STATE, by value.
constexpr const char* kStateLabels[] = {"queued",      "connecting",   "transferring",
                                        "suspended",   "error",        "transient_error",
                                        "transferred", "acknowledged", "cancelled"};
static_assert(std::size(kStateLabels) ==
              std::tuple_size_v<decltype(MetricsSnapshot::jobs_by_state)>);

// A counter showing `total`, a running figure the engine keeps (prometheus-cpp's counters only
// go up: by the difference).
void Show(prometheus::Counter& c, double total) {
  const double now = c.Value();
  if (total > now) c.Increment(total - now);
}

// One connection: read a request (5 s at most), answer it, close.
class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, const Metrics* metrics)
      : stream_(std::move(socket)), metrics_(metrics) {}

  void Start() {
    stream_.expires_after(std::chrono::seconds(5));
    http::async_read(stream_, buffer_, request_,
                     [self = shared_from_this()](beast::error_code ec, std::size_t) {
                       if (!ec) self->Answer();
                     });
  }

 private:
  void Answer() {
    response_.version(request_.version());
    response_.keep_alive(false);
    const std::string_view target(request_.target().data(), request_.target().size());
    if (request_.method() != http::verb::get && request_.method() != http::verb::head) {
      response_.result(http::status::method_not_allowed);
      response_.set(http::field::allow, "GET, HEAD");
      response_.body() = "only GET /metrics\n";
    } else if (target != "/metrics" && target.substr(0, 9) != "/metrics?") {
      response_.result(http::status::not_found);
      response_.body() = "not found: the metrics are at /metrics\n";
    } else {
      response_.result(http::status::ok);
      response_.set(http::field::content_type, "text/plain; version=0.0.4; charset=utf-8");
      if (request_.method() == http::verb::get) response_.body() = metrics_->Exposition();
    }
    if (response_.result() != http::status::ok) {
      response_.set(http::field::content_type, "text/plain; charset=utf-8");
    }
    response_.prepare_payload();
    http::async_write(stream_, response_,
                      [self = shared_from_this()](beast::error_code, std::size_t) {
                        beast::error_code ignored;
                        self->stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
                      });
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  http::request<http::string_body> request_;
  http::response<http::string_body> response_;
  const Metrics* metrics_;
};

}  // namespace

void MetricsSnapshot::CountJob(engine::JobState state) {
  const auto i = static_cast<std::size_t>(state);
  if (i < jobs_by_state.size()) ++jobs_by_state[i];
}

// The families, built once in the registry; each Update sets their samples.
struct Metrics::Families {
  explicit Families(prometheus::Registry& r)
      : jobs(prometheus::BuildGauge()
                 .Name("shoal_jobs")
                 .Help("Jobs of the service in each BITS state.")
                 .Register(r)),
        downloaded(prometheus::BuildCounter()
                       .Name("shoal_downloaded_bytes_total")
                       .Help("Hash-verified payload bytes received, by source.")
                       .Register(r)),
        uploaded(prometheus::BuildCounter()
                     .Name("shoal_uploaded_bytes_total")
                     .Help("Payload bytes uploaded to peers.")
                     .Register(r)
                     .Add({})),
        cache_size(prometheus::BuildGauge()
                       .Name("shoal_store_size_bytes")
                       .Help("Size of the content store on disk.")
                       .Register(r)
                       .Add({})),
        cache_files(prometheus::BuildGauge()
                        .Name("shoal_store_files")
                        .Help("Finished files served to peers from the cache.")
                        .Register(r)
                        .Add({})),
        evictions(prometheus::BuildCounter()
                      .Name("shoal_store_evictions_total")
                      .Help("Content evicted from the store.")
                      .Register(r)
                      .Add({})),
        peers(prometheus::BuildGauge()
                  .Name("shoal_peer_connections")
                  .Help("Peer connections open now.")
                  .Register(r)
                  .Add({})),
        peers_made(prometheus::BuildCounter()
                       .Name("shoal_peer_connections_made_total")
                       .Help("Peer connections made.")
                       .Register(r)
                       .Add({})),
        torrents(prometheus::BuildGauge()
                     .Name("shoal_torrents")
                     .Help("Torrents in the engine, seeds included.")
                     .Register(r)
                     .Add({})),
        from_peers(downloaded.Add({{"source", "peers"}})),
        from_http(downloaded.Add({{"source", "http"}})),
        from_cache_server(downloaded.Add({{"source", "cache_server"}})) {
    for (std::size_t i = 0; i < by_state.size(); ++i) {
      by_state[i] = &jobs.Add({{"state", kStateLabels[i]}});
    }
  }

  prometheus::Family<prometheus::Gauge>& jobs;
  prometheus::Family<prometheus::Counter>& downloaded;
  prometheus::Counter& uploaded;
  prometheus::Gauge& cache_size;
  prometheus::Gauge& cache_files;
  prometheus::Counter& evictions;
  prometheus::Gauge& peers;
  prometheus::Counter& peers_made;
  prometheus::Gauge& torrents;
  prometheus::Counter& from_peers;
  prometheus::Counter& from_http;
  prometheus::Counter& from_cache_server;
  std::array<prometheus::Gauge*, std::size(kStateLabels)> by_state{};
};

Metrics::Metrics()
    : registry_(std::make_unique<prometheus::Registry>()),
      families_(std::make_unique<Families>(*registry_)) {}

Metrics::~Metrics() = default;

void Metrics::Update(const MetricsSnapshot& s) {
  engine::MutexLock lock(mu_);  // one update at a time: the counters move by differences
  Families& f = *families_;
  for (std::size_t i = 0; i < s.jobs_by_state.size(); ++i) {
    f.by_state[i]->Set(s.jobs_by_state[i]);
  }
  Show(f.from_peers, static_cast<double>(s.engine.bytes.from_peers));
  Show(f.from_http, static_cast<double>(s.engine.bytes.from_http));
  Show(f.from_cache_server, static_cast<double>(s.engine.bytes.from_cache_server));
  Show(f.uploaded, static_cast<double>(s.engine.bytes.to_peers));
  f.cache_size.Set(static_cast<double>(s.cache_bytes));
  f.cache_files.Set(s.engine.cached_files);
  Show(f.evictions, static_cast<double>(s.engine.cache_evictions));
  f.peers.Set(s.engine.peer_connections);
  Show(f.peers_made, static_cast<double>(s.engine.peer_connections_made));
  f.torrents.Set(s.engine.torrents);
}

std::string Metrics::Exposition() const {
  std::ostringstream out;
  prometheus::TextSerializer().Serialize(out, registry_->Collect());  // thread-safe
  return out.str();
}

struct MetricsListener::Impl {
  asio::io_context io;
  tcp::acceptor acceptor{io};
  const Metrics* metrics = nullptr;
  std::string bound;  // "ip:port", known before the thread starts
  std::thread thread;

  void Accept() {
    acceptor.async_accept([this](beast::error_code ec, tcp::socket socket) {
      if (ec == asio::error::operation_aborted) return;
      if (!ec) std::make_shared<Session>(std::move(socket), metrics)->Start();
      Accept();
    });
  }
};

MetricsListener::MetricsListener(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

MetricsListener::~MetricsListener() {
  asio::post(impl_->io, [this] {
    beast::error_code ignored;
    impl_->acceptor.close(ignored);
    impl_->io.stop();
  });
  impl_->thread.join();
}

std::unique_ptr<MetricsListener> MetricsListener::Start(const std::string& endpoint,
                                                        const Metrics* metrics,
                                                        std::string* error) {
  std::string host = "127.0.0.1", port = endpoint;
  if (const auto colon = endpoint.rfind(':'); colon != std::string::npos) {
    host = endpoint.substr(0, colon);
    port = endpoint.substr(colon + 1);
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
      host = host.substr(1, host.size() - 2);
    }
  }
  unsigned long port_number = 0;
  try {
    std::size_t used = 0;
    port_number = std::stoul(port, &used);
    if (used != port.size() || port_number > 65535) throw std::invalid_argument(port);
  } catch (const std::exception&) {
    *error = "metrics endpoint \"" + endpoint + "\": expected ip:port or a port";
    return nullptr;
  }
  beast::error_code ec;
  const asio::ip::address address = asio::ip::make_address(host, ec);
  if (ec) {
    *error = "metrics endpoint \"" + endpoint + "\": " + host + " is not an IP address";
    return nullptr;
  }
  auto impl = std::make_unique<Impl>();
  impl->metrics = metrics;
  const tcp::endpoint at(address, static_cast<unsigned short>(port_number));
  impl->acceptor.open(at.protocol(), ec);
  if (!ec) impl->acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) impl->acceptor.bind(at, ec);
  if (!ec) impl->acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    *error = "cannot serve metrics on " + endpoint + ": " + ec.message();
    return nullptr;
  }
  const tcp::endpoint local = impl->acceptor.local_endpoint(ec);
  const std::string ip = local.address().to_string();
  impl->bound =
      (local.address().is_v6() ? "[" + ip + "]" : ip) + ":" + std::to_string(local.port());
  impl->Accept();
  Impl* raw = impl.get();
  impl->thread = std::thread([raw] { raw->io.run(); });
  return std::unique_ptr<MetricsListener>(new MetricsListener(std::move(impl)));
}

std::string MetricsListener::Endpoint() const { return impl_->bound; }

}  // namespace shoal::service
