#include "origin/http_origin.h"

#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <future>
#include <thread>
#include <vector>

#include "origin/origin_session.h"

namespace shoal::origin {
namespace {
namespace asio = boost::asio;
using tcp = asio::ip::tcp;
constexpr auto kRetryDelay = std::chrono::milliseconds(100);
}  // namespace

struct HttpOrigin::Impl {
  // Declaration order is destruction order in reverse: the io_context must go (destroying
  // pending handlers and the sessions they hold) before `shared`, after the acceptor.
  std::shared_ptr<OriginShared> shared = std::make_shared<OriginShared>();
  asio::io_context ioc;
  asio::executor_work_guard<asio::io_context::executor_type> work{ioc.get_executor()};
  asio::strand<asio::io_context::executor_type> strand{ioc.get_executor()};  // the acceptor's
  tcp::acceptor acceptor{strand};
  asio::steady_timer retry{strand};
  tcp::endpoint endpoint;
  std::string host;
  std::vector<std::thread> threads;

  bool Listen(std::string* error) {
    boost::system::error_code ec;
    acceptor.open(endpoint.protocol(), ec);
    if (!ec) acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
    if (!ec) acceptor.bind(endpoint, ec);
    if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
    if (!ec) endpoint = acceptor.local_endpoint(ec);
    if (ec) {
      boost::system::error_code ignored;
      acceptor.close(ignored);
      *error = "cannot listen on " + host + ":" + std::to_string(endpoint.port()) + ": " +
               ec.message();
      return false;
    }
    return true;
  }

  void Accept() {
    acceptor.async_accept(asio::make_strand(ioc), [this](boost::system::error_code ec,
                                                         tcp::socket socket) {
      if (ec == asio::error::operation_aborted || !acceptor.is_open()) return;
      if (ec) {  // e.g. out of file descriptors: back off instead of spinning
        retry.expires_after(kRetryDelay);
        retry.async_wait([this](boost::system::error_code ec) {
          if (!ec && acceptor.is_open()) Accept();
        });
        return;
      }
      if (shared->available) StartOriginSession(std::move(socket), shared);
      Accept();
    });
  }

  // Re-listening after an outage can only fail if something took the port meanwhile; keep
  // trying rather than silently staying down.
  void ListenAgain() {
    std::string error;
    if (Listen(&error)) return Accept();
    std::fprintf(stderr, "shoal origin: %s (retrying)\n", error.c_str());
    retry.expires_after(kRetryDelay);
    retry.async_wait([this](boost::system::error_code ec) {
      if (!ec && shared->available && !acceptor.is_open()) ListenAgain();
    });
  }

  // Runs `f` on the acceptor's strand and waits for it, so a setter's effect holds on return.
  void RunOnStrand(const std::function<void()>& f) {
    if (strand.running_in_this_thread()) return f();
    std::promise<void> done;
    asio::post(strand, [&] {
      f();
      done.set_value();
    });
    done.get_future().wait();
  }

  void RunThread() {
    // sendfile(2) has no MSG_NOSIGNAL: a peer that resets mid-body would raise SIGPIPE. The
    // signal is directed at the writing thread, so blocking it here turns it into EPIPE
    // without touching the host process's signal disposition.
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &set, nullptr);
    ioc.run();
  }
};

HttpOrigin::HttpOrigin() : impl_(std::make_unique<Impl>()) {}

HttpOrigin::~HttpOrigin() {
  impl_->work.reset();
  impl_->ioc.stop();
  for (auto& t : impl_->threads) t.join();
  // Members now destroy the acceptor and the io_context, closing every connection.
}

std::unique_ptr<HttpOrigin> HttpOrigin::Start(const HttpOriginOptions& options,
                                              std::string* error) {
  std::string ignored;
  if (error == nullptr) error = &ignored;
  std::error_code fs_ec;
  const auto root = std::filesystem::canonical(options.root, fs_ec);
  if (options.root.empty() || fs_ec || !std::filesystem::is_directory(root, fs_ec) ||
      ::access(root.c_str(), R_OK | X_OK) != 0) {
    *error = "origin root '" + options.root + "' is not a readable directory";
    return nullptr;
  }
  boost::system::error_code ec;
  const auto address = asio::ip::make_address(options.bind_address, ec);
  if (ec) {
    *error = "bad bind address '" + options.bind_address + "': " + ec.message();
    return nullptr;
  }

  std::unique_ptr<HttpOrigin> origin(new HttpOrigin());
  Impl& impl = *origin->impl_;
  impl.shared->root = root;
  impl.shared->bucket.SetRate(options.rate_limit_bytes_per_s);
  impl.shared->per_connection_rate = options.per_connection_bytes_per_s;
  impl.shared->latency_ms = options.latency_ms;
  impl.shared->record_header = options.record_header;
  impl.endpoint = tcp::endpoint(address, options.port);
  impl.host = address.is_v6() ? "[" + address.to_string() + "]" : address.to_string();
  if (!impl.Listen(error)) return nullptr;
  asio::post(impl.strand, [&impl] { impl.Accept(); });
  for (int i = 0; i < std::max(1, options.threads); ++i) {
    impl.threads.emplace_back([&impl] { impl.RunThread(); });
  }
  return origin;
}

std::uint16_t HttpOrigin::port() const { return impl_->endpoint.port(); }

std::string HttpOrigin::BaseUrl() const {
  return "http://" + impl_->host + ":" + std::to_string(port());
}

std::uint64_t HttpOrigin::BytesServed() const { return impl_->shared->bytes_served.load(); }

std::uint64_t HttpOrigin::BytesServed(const std::string& url_path) const {
  return impl_->shared->BytesServed(url_path);
}

std::uint64_t HttpOrigin::Requests() const { return impl_->shared->requests.load(); }

std::vector<std::string> HttpOrigin::RecordedHeaders() const {
  return impl_->shared->RecordedHeaders();
}

void HttpOrigin::SetPerConnectionRateLimit(std::uint64_t bytes_per_s) {
  impl_->shared->per_connection_rate = bytes_per_s;
}

void HttpOrigin::SetLatency(std::uint32_t ms) { impl_->shared->latency_ms = ms; }

void HttpOrigin::SetRateLimit(std::uint64_t bytes_per_s) {
  impl_->shared->bucket.SetRate(bytes_per_s);
}

void HttpOrigin::SetAvailable(bool up) {
  Impl& impl = *impl_;
  // Sessions check the flag before answering each request, so no response starts after this.
  impl.shared->available = up;
  impl.RunOnStrand([&impl, up] {
    if (!up) {
      impl.retry.cancel();
      boost::system::error_code ec;
      impl.acceptor.close(ec);
      impl.shared->CloseAll();
    } else if (!impl.acceptor.is_open()) {
      impl.retry.cancel();
      impl.ListenAgain();
    }
  });
}

}  // namespace shoal::origin
