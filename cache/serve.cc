#include "cache/serve.h"

#include <boost/asio/write.hpp>
#include <vector>

#include "origin/http_range.h"

namespace shoal::cache {
namespace asio = boost::asio;
namespace http = boost::beast::http;

std::string Head(int status, const std::string& extra) {
  return "HTTP/1.1 " + std::to_string(status) + " " +
         std::string(http::obsolete_reason(static_cast<http::status>(status))) + "\r\n" + extra +
         "Via: 1.1 shoal-cache\r\n\r\n";
}

bool Send(tcp::socket& s, const std::string& data) {
  boost::system::error_code ec;
  asio::write(s, asio::buffer(data), ec);
  return !ec;
}

bool SendText(tcp::socket& s, int status, const std::string& message) {
  return Send(s, Head(status, "Content-Type: text/plain\r\nContent-Length: " +
                                  std::to_string(message.size() + 1) + "\r\n") +
                     message + "\n");
}

bool SendBody(tcp::socket& sock, int fd, std::uint64_t first, std::uint64_t length, OriginFetch* f,
              std::atomic<std::uint64_t>* counter);
bool SendRanged(tcp::socket& sock, const Request& req, std::string extra, int fd,
                std::uint64_t size, OriginFetch* f, std::atomic<std::uint64_t>* counter);

// Client validators matching the stored ones: 304.
bool NotModified(const Request& req, const EntryMeta& m) {
  const auto inm = req[http::field::if_none_match];
  if (!inm.empty()) return !m.etag.empty() && std::string(inm) == m.etag;
  const auto ims = req[http::field::if_modified_since];
  return !ims.empty() && !m.last_modified.empty() && std::string(ims) == m.last_modified;
}

std::string EntityHeaders(const std::string& type, const std::string& etag,
                          const std::string& modified, const std::string& cc) {
  std::string s;
  if (!type.empty()) s += "Content-Type: " + type + "\r\n";
  if (!etag.empty()) s += "ETag: " + etag + "\r\n";
  if (!modified.empty()) s += "Last-Modified: " + modified + "\r\n";
  if (!cc.empty()) s += "Cache-Control: " + cc + "\r\n";
  return s;
}

bool ServeStored(tcp::socket& sock, const Request& req, const Handle& h, const char* how,
                 std::atomic<std::uint64_t>* counter) {
  const EntryMeta& m = h.meta();
  std::string extra = EntityHeaders(m.content_type, m.etag, m.last_modified, "") +
                      "X-Cache: " + how + "\r\nAccept-Ranges: bytes\r\n";
  if (NotModified(req, m)) return Send(sock, Head(304, extra));
  return SendRanged(sock, req, extra, h.fd(), m.size, nullptr, counter);
}

bool ServeFetch(tcp::socket& sock, const Request& req, OriginFetch& f,
                std::atomic<std::uint64_t>* counter) {
  const OriginHeaders& oh = f.headers();
  std::string extra = EntityHeaders(oh.content_type, oh.etag, oh.last_modified, oh.cache_control);
  if (oh.status != 200) {  // passed through as it comes, never stored
    const std::uint64_t size = oh.content_length >= 0
                                   ? static_cast<std::uint64_t>(oh.content_length)
                                   : f.WaitBytes(UINT64_MAX);
    const std::string head = Head(
        oh.status, extra + "X-Cache: PASS\r\nContent-Length: " + std::to_string(size) + "\r\n");
    if (!Send(sock, head)) return false;
    return req.method() == http::verb::head || SendBody(sock, f.fd(), 0, size, &f, counter);
  }
  extra +=
      std::string("X-Cache: ") + (f.storable() ? "MISS" : "PASS") + "\r\nAccept-Ranges: bytes\r\n";
  if (oh.content_length >= 0) {
    return SendRanged(sock, req, extra, f.fd(), static_cast<std::uint64_t>(oh.content_length), &f,
                      counter);
  }
  if (req[http::field::range].empty()) {  // length unknown: delimited by closing
    if (!Send(sock, Head(200, extra + "Connection: close\r\n"))) return false;
    if (req.method() != http::verb::head) SendBody(sock, f.fd(), 0, UINT64_MAX, &f, counter);
    return false;
  }
  f.WaitBytes(UINT64_MAX);  // returns once the fill ended
  if (!f.Succeeded()) return false;
  return SendRanged(sock, req, extra, f.fd(), f.WaitBytes(UINT64_MAX), &f, counter);
}

bool SendRanged(tcp::socket& sock, const Request& req, std::string extra, int fd,
                std::uint64_t size, OriginFetch* f, std::atomic<std::uint64_t>* counter) {
  origin::ByteRange r{0, size};
  const auto range = req[http::field::range];
  int status = 200;
  if (!range.empty()) {
    switch (origin::ParseRange(std::string(range), size, &r)) {
      case origin::RangeResult::kFull:
        r = {0, size};
        break;
      case origin::RangeResult::kPartial:
        status = 206;
        extra += "Content-Range: bytes " + std::to_string(r.first) + "-" +
                 std::to_string(r.first + r.length - 1) + "/" + std::to_string(size) + "\r\n";
        break;
      case origin::RangeResult::kUnsatisfiable:
        return Send(sock, Head(416, "Content-Range: bytes */" + std::to_string(size) +
                                        "\r\nContent-Length: 0\r\n"));
    }
  }
  if (!Send(sock, Head(status, extra + "Content-Length: " + std::to_string(r.length) + "\r\n"))) {
    return false;
  }
  if (req.method() == http::verb::head) return true;
  return SendBody(sock, fd, r.first, r.length, f, counter);
}

// Sends [first, first+length) of fd, waiting for a fill's bytes; false when cut short.
bool SendBody(tcp::socket& sock, int fd, std::uint64_t first, std::uint64_t length, OriginFetch* f,
              std::atomic<std::uint64_t>* counter) {
  std::vector<char> buf(256 * 1024);
  std::uint64_t pos = first;
  const std::uint64_t end = length == UINT64_MAX ? UINT64_MAX : first + length;
  while (pos < end) {
    std::uint64_t avail = end;
    if (f) {
      avail = f->WaitBytes(pos);
      if (avail <= pos) return false;  // the fill ended before these bytes
    }
    const std::size_t want =
        static_cast<std::size_t>(std::min<std::uint64_t>({buf.size(), end - pos, avail - pos}));
    const ssize_t n = pread(fd, buf.data(), want, static_cast<off_t>(pos));
    if (n <= 0) return false;
    boost::system::error_code ec;
    asio::write(sock, asio::buffer(buf.data(), static_cast<std::size_t>(n)), ec);
    if (ec) return false;
    *counter += static_cast<std::uint64_t>(n);
    pos += static_cast<std::uint64_t>(n);
  }
  return true;
}

}  // namespace shoal::cache
