// Internals of HttpOrigin: the state its connections share (root, counters, rate limiter,
// availability, the registry of live sessions) and one keep-alive HTTP/1.1 connection.
// OriginShared is thread-safe; an OriginSession runs on its own strand and may be closed from
// any thread.
#pragma once

#include <atomic>
#include <boost/asio/ip/tcp.hpp>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "engine/mutex.h"
#include "origin/token_bucket.h"

namespace shoal::origin {

class OriginSession;

struct OriginShared {
  std::filesystem::path root;                         // canonical, no trailing slash
  TokenBucket bucket;                                 // the aggregate cap
  std::atomic<std::uint64_t> per_connection_rate{0};  // each connection's cap, 0 = none
  std::atomic<std::uint32_t> latency_ms{0};           // before each response header
  std::atomic<bool> available{true};
  std::atomic<std::uint64_t> bytes_served{0};
  std::atomic<std::uint64_t> requests{0};
  std::string record_header;  // set before serving; "" records nothing

  void RecordHeader(std::string entry);
  std::vector<std::string> RecordedHeaders() const;

  // The counter of one decoded URL path; created on first use, stable for the origin's life.
  std::atomic<std::uint64_t>* PathCounter(const std::string& url_path);
  std::uint64_t BytesServed(const std::string& url_path) const;

  std::uint64_t Register(const std::shared_ptr<OriginSession>& session);
  void Unregister(std::uint64_t id);
  void CloseAll();  // asks every live session to close; returns without waiting

 private:
  mutable engine::Mutex mu_;
  std::map<std::string, std::unique_ptr<std::atomic<std::uint64_t>>> per_path_ GUARDED_BY(mu_);
  std::map<std::uint64_t, std::weak_ptr<OriginSession>> sessions_ GUARDED_BY(mu_);
  std::uint64_t next_id_ GUARDED_BY(mu_) = 1;
  std::vector<std::string> recorded_ GUARDED_BY(mu_);
};

// One accepted connection. Sessions read requests one at a time and answer each fully before
// reading the next, so pipelined requests (already in the read buffer) are answered in order.
// Bodies go out with sendfile(2) straight from the page cache, metered by the shared bucket.
class OriginSession {
 public:
  virtual ~OriginSession() = default;
  virtual void Close() = 0;  // any thread; returns at once, the socket closes on its strand
};

// Serves `socket` (whose executor should be a strand) until the peer closes, an error, the
// origin goes unavailable, or the io_context is destroyed.
void StartOriginSession(boost::asio::ip::tcp::socket socket, std::shared_ptr<OriginShared> shared);

}  // namespace shoal::origin
