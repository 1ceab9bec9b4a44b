// Fuzz target: raw bytes from a client of the cache node, parsed as its connections do
// (Beast's request parser, 16 KiB header limit, pipelined requests), each request's method
// and target then resolved by ResolveTarget (cache/request_target.h), with its invariants
// checked: a fetch URL is http(s)://, a tunnel names an allowed port, an error has a 4xx;
// the host it names then goes through the node's OriginPolicy, and the bytes as a pattern.
#include <boost/asio/buffer.hpp>
#include <boost/beast/http.hpp>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "cache/origin_policy.h"
#include "cache/request_target.h"

namespace {
namespace http = boost::beast::http;

void Check(bool ok) {
  if (!ok) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using shoal::cache::OriginPolicy;
  using shoal::cache::RequestTarget;
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  OriginPolicy listed;
  listed.allowed_hosts = {"*.example.com", "[fd00::1]:80", std::string(input)};
  const bool well_formed = OriginPolicy::CheckPattern(input).empty();
  // The target alone, as GET and as CONNECT.
  for (const char* method : {"GET", "CONNECT"}) {
    const RequestTarget t = shoal::cache::ResolveTarget(method, input, {443});
    if (t.kind == RequestTarget::Kind::kFetch) {
      Check(t.url.rfind("http://", 0) == 0 || t.url.rfind("https://", 0) == 0);
      Check(!t.host.empty());
    }
    if (t.kind == RequestTarget::Kind::kFetch || t.kind == RequestTarget::Kind::kTunnel) {
      const bool any = OriginPolicy{}.AllowsHost(t.host, t.port);
      // A list only narrows what the default allows.
      if (listed.AllowsHost(t.host, t.port)) Check(any);
      if (well_formed && t.host == input) Check(listed.AllowsHost(t.host, t.port) == any);
    }
    if (t.kind == RequestTarget::Kind::kTunnel) Check(t.port == 443 && !t.host.empty());
    if (t.kind == RequestTarget::Kind::kError) Check(t.status >= 400 && t.status < 500);
  }
  // The bytes as a connection's stream.
  std::size_t offset = 0;
  while (offset < size) {
    http::request_parser<http::empty_body> parser;
    parser.header_limit(16 * 1024);
    boost::system::error_code ec;
    const std::size_t used = parser.put(boost::asio::buffer(data + offset, size - offset), ec);
    if (ec || used == 0 || !parser.is_done()) break;
    offset += used;
    const auto& req = parser.get();
    shoal::cache::ResolveTarget(std::string(req.method_string()), std::string(req.target()), {443});
  }
  return 0;
}
