// RFC 9111 rules the cache node applies to an origin's response: whether it may be stored,
// and until when a stored response is fresh (s-maxage, max-age, Expires, else a heuristic
// share of the time since Last-Modified). Pure functions: thread-safe.
#pragma once

#include <cstdint>
#include <string>

namespace shoal::cache {

// The response headers the node keeps or decides on.
struct OriginHeaders {
  int status = 0;
  std::string etag, last_modified, cache_control, expires, date, content_type;
  std::int64_t content_length = -1;  // -1: not sent
};

struct FreshnessRules {
  double heuristic_fraction = 0.1;       // of (Date - Last-Modified), RFC 9111 §4.2.2
  std::int64_t heuristic_max_s = 86400;  // the heuristic's cap
};

// 200 only, and neither `no-store` nor `private` in Cache-Control.
bool Storable(const OriginHeaders& h);
// Unix time until which the response counts as fresh (<= now: revalidate on next use).
// `no-cache` means now. `now` stands in for a missing or unparsable Date.
std::int64_t FreshUntil(const OriginHeaders& h, std::int64_t now, const FreshnessRules& rules);
// Whether Cache-Control lists `directive` (case-insensitive, with or without "=value").
bool HasDirective(const std::string& cache_control, const std::string& directive);

}  // namespace shoal::cache
