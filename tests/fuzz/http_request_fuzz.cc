// Fuzz target: raw bytes from a client of the HTTP origin, parsed as the origin's sessions do
// (Beast's request parser with the session's header limit, requests pipelined one after
// another), each request then taken through the origin's own handling of its target and
// Range header (peers/http_range.h) for a few file sizes.
#include <boost/asio/buffer.hpp>
#include <boost/beast/http.hpp>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "origin/http_range.h"

namespace {

namespace http = boost::beast::http;

void Check(bool ok) {
  if (!ok) std::abort();
}

void Handle(const http::request<http::empty_body>& req) {
  namespace origin = shoal::origin;
  const bool head = req.method() == http::verb::head;
  if (!head && req.method() != http::verb::get) return;  // 405
  std::string path;
  const auto target = req.target();
  if (origin::DecodeTarget({target.data(), target.size()}, &path) != origin::TargetResult::kOk) {
    return;  // 400 or 403
  }
  Check(!path.empty() && path.front() == '/');
  const auto it = req.find(http::field::range);
  if (it == req.end()) return;
  const std::string_view value(it->value().data(), it->value().size());
  for (const std::uint64_t size : {0ull, 1ull, 1000ull, 1ull << 40, ~0ull}) {
    origin::ByteRange range{0, size};
    if (origin::ParseRange(value, size, &range) == origin::RangeResult::kPartial) {
      Check(range.length > 0 && range.first < size && range.length <= size - range.first);
      // The Content-Range the session writes: "bytes first-last/size".
      const std::string content_range = "bytes " + std::to_string(range.first) + "-" +
                                        std::to_string(range.first + range.length - 1) + "/" +
                                        std::to_string(size);
      Check(content_range.size() < 80);
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::size_t offset = 0;
  // Pipelined requests: each parser takes the next request from what is left.
  for (int requests = 0; requests < 64 && offset < size; ++requests) {
    http::request_parser<http::empty_body> parser;
    parser.header_limit(16 << 10);  // as OriginSession
    parser.eager(true);
    boost::beast::error_code ec;
    const std::size_t used = parser.put(boost::asio::buffer(data + offset, size - offset), ec);
    Check(used <= size - offset);
    offset += used;
    if (ec == http::error::need_more) {
      parser.put_eof(ec);  // the client closed the connection here
    }
    if (ec || !parser.is_done()) return 0;  // the session answers 400 or just closes
    Handle(parser.get());
    if (!parser.get().keep_alive()) return 0;
  }
  return 0;
}
