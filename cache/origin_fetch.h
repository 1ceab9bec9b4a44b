// One GET (or HEAD) of an origin URL by libcurl on its own thread, its body written into a store
// fill that any number of readers stream from while it grows; a 200 that may be stored is committed
// to the store when complete, a 304 refreshes the stored entry. Thread-safe.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include "cache/freshness.h"
#include "cache/origin_policy.h"
#include "cache/store.h"

struct sockaddr;

namespace shoal::cache {

struct FetchRequest {
  std::string url;
  std::string if_none_match, if_modified_since;  // a revalidation when either is set
  std::string upstream_proxy;                    // "" = direct (proxy variables are ignored)
  std::string ca_file;                           // "" = the system's CA bundle
  FreshnessRules rules;
  OriginPolicy policy;  // every address connected to is checked (not with an upstream proxy)
  std::function<std::int64_t()> now;
  bool head_only = false;  // a HEAD: the origin's headers only, nothing filled or stored
};

class OriginFetch : public std::enable_shared_from_this<OriginFetch> {
 public:
  // Starts the transfer. `on_headers` runs once the status and headers are known (or the
  // transfer failed before), `on_done` when it ended: both on the fetch thread.
  static std::shared_ptr<OriginFetch> Start(Store* store, FetchRequest request,
                                            std::function<void(OriginFetch&)> on_headers,
                                            std::function<void(OriginFetch&)> on_done);
  ~OriginFetch();

  // Blocks until the headers are known; false when the origin could not be reached (error()).
  bool WaitHeaders();
  const OriginHeaders& headers() const { return headers_; }  // after WaitHeaders
  bool storable() const { return storable_; }                // after WaitHeaders
  // Blocks until more than `offset` body bytes exist or the transfer ended; the bytes there.
  std::uint64_t WaitBytes(std::uint64_t offset);
  bool Done();
  bool Succeeded();  // the whole body arrived (after Done)
  std::string error();
  bool refused();  // the origin's address is one the policy refuses (after WaitHeaders)
  // For the transfer's socket callback: whether the policy lets it connect to `address`.
  bool MayConnect(const sockaddr* address);
  int fd() const { return read_fd_; }  // pread the body here, up to WaitBytes' answer
  void Cancel() { cancel_ = true; }
  std::uint64_t origin_bytes() const { return origin_bytes_.load(); }

  // Transfers still running in this process (their threads exit after Cancel).
  static int Running();
  static void CancelAll();

 private:
  OriginFetch() = default;
  void Run();
  static std::size_t OnHeader(char* data, std::size_t size, std::size_t n, void* self);
  static std::size_t OnBody(char* data, std::size_t size, std::size_t n, void* self);
  void HeadersKnown();

  Store* store_ = nullptr;
  FetchRequest request_;
  std::function<void(OriginFetch&)> on_headers_, on_done_;
  std::unique_ptr<Fill> fill_;
  int read_fd_ = -1;
  OriginHeaders headers_;
  bool storable_ = false;
  std::atomic<bool> cancel_{false};
  std::atomic<std::uint64_t> origin_bytes_{0};
  std::mutex mu_;
  std::condition_variable cv_;
  bool headers_known_ = false, done_ = false, ok_ = false;
  std::atomic<bool> refused_{false};
  std::uint64_t written_ = 0;
  std::string error_;
};

}  // namespace shoal::cache
