#include "api/src/service_client.h"

#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <utility>

#include "api/src/fd_passing.h"
#include "api/src/service_paths.h"

namespace shoal::api {
namespace {

namespace http = boost::beast::http;

// True when an idle keep-alive connection was closed by the service (or it died).
bool Stale(const FdStream& s) {
  pollfd p{s.fd(), POLLIN, 0};
  return ::poll(&p, 1, 0) != 0;  // nothing may arrive unasked: readable means EOF or error
}

std::unique_ptr<FdStream> Connect(const std::string& path, int timeout_ms) {
  const int fd = ConnectUnix(path);
  if (fd < 0) return nullptr;
  return std::make_unique<FdStream>(fd, timeout_ms);
}

}  // namespace

std::string RequestText(const std::string& method, const std::string& target,
                        const wire::Json& body) {
  std::string text = method + " " + target + " HTTP/1.1\r\nHost: shoald\r\n";
  if (body.is_null()) return text + "Content-Length: 0\r\n\r\n";
  const std::string payload = body.dump();
  return text +
         "Content-Type: application/json\r\nContent-Length: " + std::to_string(payload.size()) +
         "\r\n\r\n" + payload;
}

ServiceClient::ServiceClient(std::string socket_path, int timeout_ms)
    : socket_(std::move(socket_path)), timeout_ms_(timeout_ms) {}

hr::HResult ServiceClient::Exchange(FdStream& stream, const std::string& request,
                                    const std::string& prefix, wire::Json* reply,
                                    std::string* message) {
  boost::system::error_code ec;
  if (!request.empty()) boost::asio::write(stream, boost::asio::buffer(request), ec);
  if (ec) return kNoService;
  boost::beast::flat_buffer buffer;
  if (!prefix.empty()) {
    auto b = buffer.prepare(prefix.size());
    std::memcpy(b.data(), prefix.data(), prefix.size());
    buffer.commit(prefix.size());
  }
  http::response_parser<http::string_body> parser;
  parser.body_limit(64 * 1024 * 1024);
  http::read(stream, buffer, parser, ec);
  if (ec) return kNoService;
  const auto& res = parser.get();
  wire::Json body = wire::Json::parse(res.body(), nullptr, false);
  hr::HResult h = res.result_int() < 300 ? hr::kOk : hr::kFail;
  if (body.is_object() && body.contains("hresult") && body["hresult"].is_string()) {
    wire::ParseHResult(body["hresult"].get<std::string>(), &h);
  }
  if (message != nullptr && body.is_object() && body.contains("message") &&
      body["message"].is_string()) {
    *message = body["message"].get<std::string>();
  }
  if (reply != nullptr) *reply = std::move(body);
  if (!res.keep_alive()) stream.Close();
  return h;
}

hr::HResult ServiceClient::Call(const std::string& method, const std::string& target,
                                const wire::Json& body, wire::Json* reply, std::string* message) {
  const std::string request = RequestText(method, target, body);
  std::lock_guard<std::mutex> lock(mu_);
  for (int attempt = 0; attempt < 2; ++attempt) {
    const bool reused = conn_ != nullptr && conn_->fd() >= 0 && !Stale(*conn_);
    if (!reused) conn_ = Connect(socket_, timeout_ms_);
    if (!conn_) return kNoService;
    const hr::HResult h = Exchange(*conn_, request, "", reply, message);
    if (h != kNoService) return h;
    conn_.reset();
    // A reused connection may have been cut just now (the service restarted): once more on a
    // new one. A fresh connection that failed means the service is down.
    if (!reused) break;
  }
  if (message != nullptr) *message = "shoald is not reachable at " + socket_;
  return kNoService;
}

hr::HResult ServiceClient::CallForFds(const std::string& target, wire::Json* reply,
                                      std::vector<int>* fds, std::string* message) {
  std::unique_ptr<FdStream> conn = Connect(socket_, timeout_ms_);
  if (!conn) return kNoService;
  boost::system::error_code ec;
  const std::string request = RequestText("POST", target, wire::Json::object());
  boost::asio::write(*conn, boost::asio::buffer(request), ec);
  if (ec || !conn->Wait(POLLIN, ec)) return kNoService;
  char marker = 0;
  std::size_t got = 0;
  fds->clear();
  if (RecvWithFds(conn->fd(), {&marker, 1}, &got, fds, kMaxFds) != 0 || got != 1) {
    for (int fd : *fds) ::close(fd);
    fds->clear();
    return kNoService;
  }
  // A refusal is a plain reply: its first byte, "H" of "HTTP/1.1", was the marker.
  const std::string prefix = marker == '\0' ? "" : std::string(1, marker);
  const hr::HResult h = Exchange(*conn, "", prefix, reply, message);
  if (hr::Failed(h)) {
    for (int fd : *fds) ::close(fd);
    fds->clear();
  }
  return h;
}

}  // namespace shoal::api
