// What a site cache in `shoal sim` says it sent: the shoal cache node's Prometheus metrics
// (shoal_cache_*, docs/cache.md) and apt-cacher-ng's transfer log. Parsers of bytes from
// another process (fuzzed by tests/fuzz/sim_scenario_fuzz.cc). Pure functions: thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace shoal::cli {

struct CacheCounters {
  std::uint64_t to_clients = 0;   // HTTP body bytes to clients (node: from store and from fill)
  std::uint64_t to_peers = 0;     // BitTorrent uploads (the node's seeding engine)
  std::uint64_t from_origin = 0;  // body bytes the cache fetched from origins
};

// The node's /shoal/v1/metrics text: shoal_cache_client_bytes_total (every source label
// summed), shoal_cache_peer_bytes_total and shoal_cache_origin_bytes_total. Nullopt when
// any of the three is missing or a value is not a finite non-negative number below 2^63.
std::optional<CacheCounters> ParseNodeMetrics(const std::string& text);

// apt-cacher-ng's apt-cacher.log: one `time|KIND|bytes|client|path` line per transfer, "O"
// to a client, "I" from an origin. Lines of other shapes are skipped (the log holds errors
// too); nullopt only when a byte count overflows.
std::optional<CacheCounters> ParseAptCacherLog(const std::string& text);

}  // namespace shoal::cli
