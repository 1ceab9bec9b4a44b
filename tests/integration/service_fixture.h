// Helpers for the service tests: a real shoald child process on a socket in a temp dir (kill -9
// and restart on the same state), raw exchanges on its socket, and an event sink that records
// what a client backend pushed. Thread-compatible (EventLog is thread-safe).
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "api/src/backend.h"
#include "api/src/wire.h"
#include "tests/support/child_process.h"
#include "tests/support/fixtures.h"

namespace shoal::testing {

class ServiceProcess {
 public:
  // Folders under `base` (made world-traversable so another uid reaches the socket).
  explicit ServiceProcess(const std::string& base, std::vector<std::string> extra = {});
  ~ServiceProcess();

  // Starts shoald and waits until its socket answers; false (with its stderr) otherwise.
  bool Start(std::string* why);
  void Kill9();
  int Terminate();  // SIGTERM, then its exit code

  const std::string& socket() const { return socket_; }
  const std::string& state_dir() const { return state_; }
  const std::string& cache_dir() const { return cache_; }
  std::string Log() const;
  int pid() const { return child_ ? child_->pid() : -1; }

 private:
  std::string base_, socket_, state_, cache_;
  std::vector<std::string> extra_;
  std::unique_ptr<Child> child_;
};

// Writes `request` on a fresh connection and reads one reply (to its Content-Length, or to
// the end of the stream). "" when the socket does not answer.
std::string RawExchange(const std::string& socket, const std::string& request);
// One request and its whole reply on a connection that stays open (keep-alive).
std::string ExchangeOn(int fd, const std::string& request);
int StatusOf(const std::string& reply);
api::wire::Json BodyOf(const std::string& reply);

// Records BackendEvents.
class EventLog final : public api::BackendEvents {
 public:
  void OnJobEvent(const api::BackendEvent& e) override {
    std::lock_guard<std::mutex> lock(mu_);
    events_.push_back(e);
  }
  std::size_t Count(const api::Uuid& job, api::JobEvent kind) const {
    std::lock_guard<std::mutex> lock(mu_);
    std::size_t n = 0;
    for (const auto& e : events_) n += e.job == job && e.kind == kind ? 1 : 0;
    return n;
  }

 private:
  mutable std::mutex mu_;
  std::vector<api::BackendEvent> events_;
};

}  // namespace shoal::testing
