// Fuzz target: `shoal sim` scenario files (tools/shoal/sim_scenario.h). A scenario either
// fails with a message or is within every range the simulator relies on, and its bound is
// computable. The same bytes also go to the readers of the site caches' counters (the shoal
// node's metrics, apt-cacher-ng's log: tools/shoal/sim_cache_counters.h), which must not
// crash and must not pass off an overflowing sum.
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "tools/shoal/sim_cache_counters.h"
#include "tools/shoal/sim_scenario.h"

namespace {

void Check(bool ok) {
  if (!ok) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace cli = shoal::cli;
  const std::string text(reinterpret_cast<const char*>(data), size);
  if (cli::ParseNodeMetrics(text)) {  // only when every counter it reports is there
    for (const char* name : {"shoal_cache_client_bytes_total", "shoal_cache_peer_bytes_total",
                             "shoal_cache_origin_bytes_total"}) {
      Check(text.find(name) != std::string::npos);
    }
  }
  cli::ParseAptCacherLog(text);
  std::string error;
  const auto s = cli::ParseScenario(text, "fuzz.json", &error);
  if (!s) {
    Check(!error.empty());
    return 0;
  }
  Check(s->peers >= 1 && s->peers <= 200);
  Check(s->file_bytes > 0 && s->file_bytes <= (1ull << 40));
  Check(s->wan_bytes_per_s > 0);
  Check(s->piece_kib >= 0 && s->piece_kib <= (1 << 16));
  Check(s->http_delay_s >= -1);
  Check(s->stagger_s >= 0 && std::isfinite(s->stagger_s) && s->timeout_s > 0);
  for (const auto& c : s->churn) {
    Check(c.at_s >= 0 && (c.peer == cli::ChurnEvent::kSeeder ? s->seeder : c.peer < s->peers));
  }
  for (const auto& o : s->cdn_outages) Check(o.at_s >= 0 && o.for_s > 0);
  // Waves: every peer arrives in exactly one, at a finite time.
  int in_waves = 0;
  for (const auto& w : s->waves) {
    Check(w.peers >= 1 && w.at_s >= 0 && std::isfinite(w.at_s));
    in_waves += w.peers;
  }
  Check(s->waves.empty() || (in_waves == s->peers && s->stagger_s == 0));
  for (int i = 0; i < s->peers; ++i) Check(std::isfinite(cli::ArrivalS(*s, i)));
  Check(s->outsider.empty() || (s->group && s->netns));
  // The cache node: its kill time only with a node; a node only where the sim runs one.
  Check(s->node_down_at_s < 0 || (s->cache_node && std::isfinite(s->node_down_at_s)));
  Check(!s->cache_node || (!s->netns && !s->group && !s->seeder && !s->no_http && s->peer_list));
  for (const std::uint64_t piece : {0ull, 16384ull, 1ull << 22}) {
    const cli::Bound b = cli::ComputeBound(*s, piece);
    Check(b.pieces >= 1 && std::isfinite(b.origin_term_s));
  }
  return 0;
}
