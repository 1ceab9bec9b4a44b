// Server: the local API's HTTP/1.1 endpoint on a listening AF_UNIX socket. One thread per
// connection (capped), each request's caller the peer uid from SO_PEERCRED, answered by the
// Router; GET /v1/events holds its connection open and streams the caller's job events as JSON
// lines. Also the engine's BackendEvents sink: events are only queued there, and filtered and
// written by each stream's own thread. Thread-safe.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>

#include "api/src/backend.h"
#include "service/router.h"

namespace shoal::service {

struct ServerLimits {
  std::size_t header_limit = 16 * 1024;
  std::size_t body_limit = 16 * 1024 * 1024;
  int idle_timeout_ms = 60'000;  // a connection silent this long is closed
  std::size_t max_connections = 256;
  // Of those, one user's (by SO_PEERCRED uid): one user's idle or stuck connections cannot
  // take the service from the others.
  std::size_t max_connections_per_user = 32;
  int progress_interval_ms = 250;  // how often streams push changed progress
  int page_interval_ms = 20;       // how often the progress page is written
};

class Server final : public api::BackendEvents {
 public:
  // Takes over `listen_fd`.
  Server(int listen_fd, ServerLimits limits);
  ~Server() override;

  // Serves until Stop, then waits for every connection to end. `router` must outlive it.
  void Serve(Router* router);
  // Thread-safe and async-signal-unsafe: call from a normal thread.
  void Stop();

  void OnJobEvent(const api::BackendEvent& event) override;

  std::size_t connections() const { return active_.load(); }

 private:
  struct Stream;
  void Session(int fd, std::int64_t uid);  // uid: SO_PEERCRED, -1 if unknown
  void RunStream(int fd, std::int64_t uid);

  const int listen_fd_;
  const ServerLimits limits_;
  Router* router_ = nullptr;
  std::atomic<bool> stopping_{false};
  std::atomic<std::size_t> active_{0};
  std::mutex mu_;
  std::condition_variable idle_;
  std::set<int> fds_;                          // open connections, guarded by mu_
  std::map<std::int64_t, std::size_t> per_user_;  // open connections by uid, guarded by mu_
  std::set<std::shared_ptr<Stream>> streams_;  // guarded by mu_
};

}  // namespace shoal::service
