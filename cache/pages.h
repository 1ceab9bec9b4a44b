// The cache node's own pages: the counters as JSON (/shoal/v1/stats), what is cached as JSON
// (/shoal/v1/entries), the counters in Prometheus text (/shoal/v1/metrics) and the status page
// (/shoal/v1/status: HTML with inline script and a canvas chart, no external assets, polling
// the JSON). Pure functions: thread-safe.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "cache/proxy.h"
#include "cache/store.h"

namespace shoal::cache {

std::string StatsToJson(const ProxyStats& s);
// The same counters in Prometheus' text format (/shoal/v1/metrics), prefixed shoal_cache_.
std::string StatsToPrometheus(const ProxyStats& s);
// What the store holds: {"total":N,"total_bytes":B,"shown":[{url,size,hits,last_access,
// pinned}...]}, `shown` the `limit` most recently used of `entries` (ties: the larger first),
// so the page stays small however much is cached. URLs are JSON-escaped (untrusted text).
std::string EntriesToJson(std::vector<EntryMeta> entries, std::size_t limit);
inline constexpr std::size_t kEntriesShown = 50;
std::string StatusPageHtml();

}  // namespace shoal::cache
