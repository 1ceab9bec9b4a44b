// A deliberately misbehaving HTTP/1.1 origin for tests: serves in-memory content with Range
// support, and per path a script of faults (error statuses, resets and truncation mid-body,
// stalls, slow drips, ignored Range, redirects, a wrong or missing Content-Length, an over-long
// body, a Content-Encoding, a reply that is not HTTP). One request per connection (Connection:
// close) unless a fault keeps it alive; a thread per connection. Loopback only.
// Thread-safe: every method may be called from any thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <vector>

namespace shoal::testing {

struct Fault {
  enum class End {
    kComplete,  // the whole body
    kFin,       // close normally after cut_at content bytes (a truncated body)
    kReset,     // reset the connection (RST) after cut_at content bytes
    kStall,     // send cut_at content bytes, then nothing until the client gives up
  };
  int status = 0;             // answer with this status and an empty body (0: serve content)
  std::string location;       // with a 3xx status: the Location header
  bool ignore_range = false;  // answer 200 with the whole body whatever Range says
  // Serve Range whatever If-Range says (by default an If-Range that is not the validator of
  // `headers`, an ETag or Last-Modified line, gets the whole content).
  bool ignore_if_range = false;
  bool no_length = false;     // no Content-Length: the body ends when the connection closes
  std::uint64_t extra_length = 0;  // Content-Length claims this many bytes more than sent
  // Junk sent after the range (or body) and counted in Content-Length: a body longer than its
  // own Content-Range.
  std::uint64_t extra_body = 0;
  std::string content_encoding;  // sent as Content-Encoding (the body itself is unchanged)
  std::string headers;  // extra header lines, each ending in "\r\n" (e.g. "Cache-Control: no-store\r\n")
  bool keep_alive = false;       // keep the connection open and serve the next request on it
  std::string junk;              // reply with these bytes instead of an HTTP response, then close
  End end = End::kComplete;
  std::uint64_t cut_at = std::numeric_limits<std::uint64_t>::max();  // content offset
  std::size_t drip_bytes = 0;  // send the body in chunks of this size (0: all at once)
  std::chrono::milliseconds drip_delay{0};  // pause after each chunk
};

class FaultOrigin {
 public:
  static std::unique_ptr<FaultOrigin> Start(std::string* error);
  ~FaultOrigin();  // closes every connection and joins its threads

  std::string Url(const std::string& path) const;  // path starts with '/'
  // Serves `content` at `path`. Request i (0-based) gets script[i], later ones get `then`; a
  // HEAD is answered with `then`'s header fields, is not counted and takes no script entry.
  void Put(const std::string& path, std::string content, std::vector<Fault> script = {},
           Fault then = {});
  // A path that only redirects (302) to `location`.
  void Redirect(const std::string& path, const std::string& location);

  int Requests(const std::string& path) const;
  // Responses to `path` the origin is done with (sent whole, or the client went away), and
  // the body bytes the socket accepted for them.
  int Served(const std::string& path) const;
  std::uint64_t BytesSent(const std::string& path) const;
  // The Range header of each request to `path`, in order ("" when none).
  std::vector<std::string> Ranges(const std::string& path) const;
  // The Accept-Encoding header of each request to `path`, in order ("" when none).
  std::vector<std::string> AcceptEncodings(const std::string& path) const;
  // The If-Range header of each request to `path`, in order ("" when none).
  std::vector<std::string> IfRanges(const std::string& path) const;

  struct Impl;

 private:
  FaultOrigin();
  std::unique_ptr<Impl> impl_;
};

}  // namespace shoal::testing
