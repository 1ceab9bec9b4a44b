// An HTTP/1.1 content server over one directory: the CDN origin (a BEP 19 web seed) for tests,
// the demo and benchmarks, and the cache node's content service. It owns its listening socket,
// its connections and its io threads; a process-wide egress cap can model the site's WAN link.
// Thread-safe: every method may be called from any thread except the origin's own io threads.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace shoal::origin {

struct HttpOriginOptions {
  std::string bind_address = "127.0.0.1";
  std::uint16_t port = 0;  // 0 = pick a free port
  std::string root;        // directory served; the URL path maps under it
  // Aggregate egress cap over all connections in body bytes/s (0 = none): the site's WAN link.
  std::uint64_t rate_limit_bytes_per_s = 0;
  // Each connection's own cap in body bytes/s (0 = none): a CDN's per-client throttle.
  std::uint64_t per_connection_bytes_per_s = 0;
  // Delay before each response's header goes out (0 = none): the round trip to a far CDN.
  std::uint32_t latency_ms = 0;
  int threads = 1;  // io threads; values below 1 mean 1
  // A request header to record (case-insensitive name; "" records nothing): see
  // RecordedHeaders.
  std::string record_header;
};

// What it serves: GET and HEAD of regular files under `root` (percent-decoded paths; "..",
// encoded or not, gets 403; symlinks resolving outside the root, directories and anything
// missing get 404; other methods 405). Single ranges "bytes=a-b", "a-", "-n" get 206 with
// Content-Range; an unsatisfiable one 416 with "Content-Range: bytes */size". A multi-range
// request is answered with the full body and 200 (RFC 9110 allows ignoring Range). Every
// response carries Content-Length and Accept-Ranges; file responses carry Last-Modified.
// Connections are keep-alive, pipelined requests are answered in order, bodies go out with
// sendfile(2). Error responses have empty bodies, so the byte counters count file bytes only.
// Not implemented: conditional requests (If-Range, If-Modified-Since), multipart/byteranges,
// chunked request bodies (a request with a body is answered 400 and the connection closed).
class HttpOrigin {
 public:
  // Binds and starts serving. Null, with a message in *error, for a root that is not a
  // readable directory, a bad address, or a port in use.
  static std::unique_ptr<HttpOrigin> Start(const HttpOriginOptions& options, std::string* error);
  ~HttpOrigin();  // closes every connection mid-transfer if need be, joins the io threads
  HttpOrigin(const HttpOrigin&) = delete;
  HttpOrigin& operator=(const HttpOrigin&) = delete;

  std::uint16_t port() const;
  std::string BaseUrl() const;  // "http://127.0.0.1:PORT" (IPv6 addresses in brackets)

  // Body bytes the kernel accepted for sending (a response cut short counts what went out).
  std::uint64_t BytesServed() const;
  // The same for one decoded URL path, e.g. "/big.bin" (query strings are not part of it).
  std::uint64_t BytesServed(const std::string& url_path) const;
  std::uint64_t Requests() const;  // requests parsed, whatever their answer
  // For each request parsed, in order: "<target> <value of record_header>" ("<target> " when
  // the request lacked it). Empty unless options.record_header was set.
  std::vector<std::string> RecordedHeaders() const;

  // Takes effect for the next chunk of every connection (chunks are ~20 ms of the rate).
  void SetRateLimit(std::uint64_t bytes_per_s);
  // Both take effect for the next chunk (cap) or the next response (latency).
  void SetPerConnectionRateLimit(std::uint64_t bytes_per_s);
  void SetLatency(std::uint32_t ms);
  // false: a CDN outage. The listening socket closes (new connections are refused) and every
  // open connection is closed, mid-body included. true: listen again on the same port.
  void SetAvailable(bool up);

 private:
  struct Impl;
  HttpOrigin();
  std::unique_ptr<Impl> impl_;
};

}  // namespace shoal::origin
