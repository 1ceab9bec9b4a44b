// The cache node's own pages: the counters as JSON (/shoal/v1/stats) and the status page
// (/shoal/v1/metrics: Prometheus text; /shoal/v1/status: HTML with inline script and a canvas
// chart, no external assets, polling the JSON). Pure functions: thread-safe.
#pragma once

#include <string>

#include "cache/proxy.h"

namespace shoal::cache {

std::string StatsToJson(const ProxyStats& s);
// The same counters in Prometheus' text format (/shoal/v1/metrics), prefixed shoal_cache_.
std::string StatsToPrometheus(const ProxyStats& s);
std::string StatusPageHtml();

}  // namespace shoal::cache
