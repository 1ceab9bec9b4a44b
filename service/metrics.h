// The service's metrics in the Prometheus text format (0.0.4), kept in a prometheus-cpp
// Registry and written by its TextSerializer: jobs by state, bytes by source, uploads, the
// content store's size and evictions, peers; fed by the service from engine::EngineStats and
// its jobs' states, served by MetricsListener on an opt-in endpoint (the `metrics_listen`
// setting; loopback unless told otherwise). Both classes thread-safe.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>

#include "engine/mutex.h"
#include "engine/types.h"

namespace prometheus {
class Registry;
}  // namespace prometheus

namespace shoal::service {

// One reading of everything the metrics show.
struct MetricsSnapshot {
  engine::EngineStats engine;
  // Jobs in each state, indexed by the BG_JOB_STATE value (CountJob adds one).
  std::array<std::uint32_t, 9> jobs_by_state{};
  std::uint64_t cache_bytes = 0;      // the content store's size on disk

  void CountJob(engine::JobState state);
};

class Metrics {
 public:
  Metrics();
  ~Metrics();
  // Replaces the figures the next scrape shows (the service calls it periodically). The
  // counters never go back: a total lower than the last one shown keeps the last.
  void Update(const MetricsSnapshot& snapshot);
  // The exposition: HELP and TYPE for each metric family, then its samples.
  std::string Exposition() const;

 private:
  struct Families;
  const std::unique_ptr<prometheus::Registry> registry_;
  mutable engine::Mutex mu_;
  const std::unique_ptr<Families> families_ PT_GUARDED_BY(mu_);
};

// An HTTP listener answering GET /metrics with the exposition (404 for any other path, 405
// for other methods), on its own thread. Connections are served one at a time, each closed
// after its answer.
class MetricsListener {
 public:
  // `endpoint` is "ip:port" (an IPv6 ip in brackets) or a bare port, which listens on
  // 127.0.0.1; port 0 picks a free one. Null, with *error, when it cannot listen there.
  static std::unique_ptr<MetricsListener> Start(const std::string& endpoint, const Metrics* metrics,
                                                std::string* error);
  ~MetricsListener();  // stops listening and joins the thread
  // The bound "ip:port".
  std::string Endpoint() const;

  struct Impl;

 private:
  explicit MetricsListener(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace shoal::service
