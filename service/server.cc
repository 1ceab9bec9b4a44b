#include "service/server.h"

#include <sys/socket.h>
#include <unistd.h>

#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <cerrno>
#include <chrono>
#include <map>
#include <thread>

#include "api/src/fd_passing.h"
#include "api/src/fd_stream.h"
#include "api/src/wire.h"
#include "engine/log.h"

namespace shoal::service {
namespace {

namespace http = boost::beast::http;
using api::wire::Json;

const char* EventName(api::JobEvent kind) {
  switch (kind) {
    case api::JobEvent::kTransferred:
      return "transferred";
    case api::JobEvent::kError:
      return "error";
    case api::JobEvent::kModification:
      return "modification";
  }
  return "modification";
}

void WriteReply(api::FdStream& stream, int status, unsigned version, bool keep_alive,
                const std::string& body, boost::system::error_code& ec) {
  http::response<http::string_body> out{static_cast<http::status>(status), version};
  out.set(http::field::content_type, "application/json");
  out.set(http::field::server, "shoald");
  out.keep_alive(keep_alive);
  out.body() = body;
  out.prepare_payload();
  http::write(stream, out, ec);
}

}  // namespace

struct Server::Stream {
  std::int64_t uid = -1;
  std::mutex mu;
  std::condition_variable cv;
  std::deque<api::BackendEvent> events;  // guarded by mu
};

Server::Server(int listen_fd, ServerLimits limits) : listen_fd_(listen_fd), limits_(limits) {}

Server::~Server() {
  Stop();
  ::close(listen_fd_);
}

void Server::OnJobEvent(const api::BackendEvent& event) {
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& s : streams_) {
    std::lock_guard<std::mutex> l(s->mu);
    if (s->events.size() < 10'000) s->events.push_back(event);  // a stuck reader is cut later
    s->cv.notify_one();
  }
}

void Server::Stop() {
  if (stopping_.exchange(true)) return;
  ::shutdown(listen_fd_, SHUT_RDWR);  // wakes accept()
  std::lock_guard<std::mutex> lock(mu_);
  idle_.notify_all();
  for (int fd : fds_) ::shutdown(fd, SHUT_RDWR);
  for (const auto& s : streams_) s->cv.notify_all();
}

void Server::Serve(Router* router) {
  router_ = router;
  // The progress page: every job's figures copied from the engine's cells a few times a
  // tick, so clients read them in their own memory.
  std::thread publisher([this] {
    std::unique_lock<std::mutex> lock(mu_);
    while (!stopping_) {
      lock.unlock();
      router_->PublishProgress();
      lock.lock();
      idle_.wait_for(lock, std::chrono::milliseconds(limits_.page_interval_ms),
                     [&] { return stopping_.load(); });
    }
  });
  while (!stopping_) {
    const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EMFILE || errno == ENFILE) {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
      }
      continue;
    }
    ucred cred{};
    socklen_t cred_len = sizeof cred;
    const std::int64_t uid =
        ::getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &cred_len) == 0 ? cred.uid : -1;
    std::string refusal;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (active_.load() >= limits_.max_connections) {
        refusal = "too many connections to shoald";
      } else if (per_user_[uid] >= limits_.max_connections_per_user) {
        refusal = "too many connections to shoald from uid " + std::to_string(uid);
      } else {
        ++per_user_[uid];
      }
      if (!refusal.empty() && per_user_[uid] == 0) per_user_.erase(uid);
    }
    if (!refusal.empty()) {
      const std::string body =
          api::wire::ErrorBody(hr::kDoENoService, refusal)
              .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
      const std::string busy =
          "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\n"
          "Connection: close\r\nContent-Length: " +
          std::to_string(body.size()) + "\r\n\r\n" + body;
      (void)!::send(fd, busy.data(), busy.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
      ::close(fd);
      continue;
    }
    ++active_;
    {
      std::lock_guard<std::mutex> lock(mu_);
      fds_.insert(fd);
      if (stopping_) ::shutdown(fd, SHUT_RDWR);
    }
    std::thread([this, fd, uid] {
      Session(fd, uid);
      std::lock_guard<std::mutex> lock(mu_);
      fds_.erase(fd);
      ::close(fd);
      if (--per_user_[uid] == 0) per_user_.erase(uid);
      --active_;
      idle_.notify_all();
    }).detach();
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    idle_.notify_all();  // the publisher sees stopping_
  }
  publisher.join();
  std::unique_lock<std::mutex> lock(mu_);
  idle_.wait(lock, [&] { return active_.load() == 0; });
}

void Server::Session(int fd, std::int64_t uid) {
  if (uid < 0) return;  // no SO_PEERCRED: no identity, no service
  api::FdStream stream(fd, limits_.idle_timeout_ms);
  boost::beast::flat_buffer buffer;
  for (;;) {
    http::request_parser<http::string_body> parser;
    parser.header_limit(static_cast<std::uint32_t>(limits_.header_limit));
    parser.body_limit(limits_.body_limit);
    boost::system::error_code ec;
    http::read(stream, buffer, parser, ec);
    if (ec == http::error::end_of_stream || ec == boost::asio::error::eof ||
        ec == boost::asio::error::timed_out || stopping_) {
      break;
    }
    if (ec) {
      const int status = ec == http::error::body_limit     ? 413
                         : ec == http::error::header_limit ? 431
                                                           : 400;
      const std::string body =
          api::wire::ErrorBody(hr::kInvalidArg, "malformed HTTP request: " + ec.message())
              .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
      WriteReply(stream, status, 11, false, body, ec);
      break;
    }
    auto& req = parser.get();
    const std::string target(req.target());
    const std::string method(req.method_string());
    if (target == "/v1/events" && method == "GET") {
      stream.set_timeout_ms(limits_.idle_timeout_ms);
      stream.Release();
      RunStream(fd, uid);
      return;
    }
    Request r{method, target, std::move(req.body()), uid};
    Response res = router_->Handle(r);
    if (res.pass_fds && res.status == 200) {
      const bool sent = api::SendWithFds(fd, std::string_view("\0", 1), res.fds) == 0;
      for (int f : res.fds) ::close(f);
      if (!sent) break;
    } else {
      for (int f : res.fds) ::close(f);
    }
    WriteReply(stream, res.status, req.version(), req.keep_alive(), res.body, ec);
    if (ec || !req.keep_alive()) break;
  }
  stream.Release();  // the accept loop closes it
}

void Server::RunStream(int fd, std::int64_t uid) {
  api::FdStream out(fd, limits_.idle_timeout_ms);
  auto stream = std::make_shared<Stream>();
  stream->uid = uid;
  {
    std::lock_guard<std::mutex> lock(mu_);
    streams_.insert(stream);
  }
  boost::system::error_code ec;
  auto send = [&](const Json& line) {
    const std::string text =
        line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
    boost::asio::write(out, boost::asio::buffer(text), ec);
    return !ec;
  };
  const std::string head =
      "HTTP/1.1 200 OK\r\nContent-Type: application/x-ndjson\r\nCache-Control: no-store\r\n"
      "Server: shoald\r\nConnection: close\r\n\r\n";
  boost::asio::write(out, boost::asio::buffer(head), ec);
  bool ok = !ec && send({{"event", "hello"}, {"api", 1}, {"uid", uid}});
  std::map<std::string, std::string> last;  // job id -> the snapshot last sent
  auto next_tick = std::chrono::steady_clock::now();
  while (ok && !stopping_) {
    std::deque<api::BackendEvent> events;
    {
      std::unique_lock<std::mutex> lock(stream->mu);
      stream->cv.wait_until(lock, next_tick, [&] { return !stream->events.empty() || stopping_; });
      events.swap(stream->events);
    }
    for (const api::BackendEvent& e : events) {
      if (!ok || !router_->CanSee(uid, e.job)) continue;
      Json line = {{"event", EventName(e.kind)}, {"job", e.job.ToString()}};
      auto snap = router_->SnapshotJson(e.job);
      line["snapshot"] = snap ? *snap : Json();
      if (snap) {
        Json bare = *snap;
        bare.erase("owner_uid");
        last[e.job.ToString()] = bare.dump(
            -1, ' ', false,
            nlohmann::json::error_handler_t::replace);  // as the progress tick compares it
      }
      ok = send(line);
    }
    if (ok && std::chrono::steady_clock::now() >= next_tick) {
      next_tick = std::chrono::steady_clock::now() +
                  std::chrono::milliseconds(limits_.progress_interval_ms);
      for (const auto& job : router_->VisibleJobs(uid)) {
        Json snap = router_->SnapshotOf(job);
        snap.erase("owner_uid");  // as the events' snapshots are compared
        std::string& was = last[job->id().ToString()];
        const std::string now = snap.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
        if (now == was) continue;
        was = now;
        ok = send({{"event", "progress"}, {"job", job->id().ToString()}, {"snapshot", snap}});
        if (!ok) break;
      }
      // The client never writes on this connection: readable means it went away.
      pollfd p{fd, POLLIN, 0};
      char c;
      if (::poll(&p, 1, 0) > 0 && ::recv(fd, &c, 1, MSG_PEEK | MSG_DONTWAIT) <= 0) ok = false;
    }
  }
  out.Release();
  std::lock_guard<std::mutex> lock(mu_);
  streams_.erase(stream);
}

}  // namespace shoal::service
