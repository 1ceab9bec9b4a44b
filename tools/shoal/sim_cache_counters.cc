#include "tools/shoal/sim_cache_counters.h"

#include <charconv>
#include <cmath>
#include <limits>
#include <sstream>
#include <string_view>
#include <vector>

namespace shoal::cli {
namespace {

// A metric's value (the exposition format's float); nullopt outside [0, 2^63).
std::optional<std::uint64_t> MetricValue(std::string_view v) {
  while (!v.empty() && v.front() == ' ') v.remove_prefix(1);
  v = v.substr(0, v.find(' '));  // a timestamp may follow
  double d = 0;
  const auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), d);
  if (ec != std::errc() || end != v.data() + v.size() || !std::isfinite(d) || d < 0 ||
      d >= 9.2e18) {
    return std::nullopt;
  }
  return static_cast<std::uint64_t>(std::llround(d));
}

bool Add(std::uint64_t* sum, std::uint64_t v) {
  if (v > std::numeric_limits<std::uint64_t>::max() - *sum) return false;
  *sum += v;
  return true;
}

}  // namespace

std::optional<CacheCounters> ParseNodeMetrics(const std::string& text) {
  struct Wanted {
    std::string_view name;
    std::uint64_t CacheCounters::*field;
    bool seen = false;
  };
  std::vector<Wanted> wanted = {{"shoal_cache_client_bytes_total", &CacheCounters::to_clients},
                                {"shoal_cache_peer_bytes_total", &CacheCounters::to_peers},
                                {"shoal_cache_origin_bytes_total", &CacheCounters::from_origin}};
  CacheCounters c;
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    if (line.empty() || line[0] == '#') continue;
    const std::string_view l(line);
    const std::size_t name_end = l.find_first_of("{ ");
    if (name_end == std::string_view::npos) continue;
    std::size_t value_at = name_end;
    if (l[name_end] == '{') {
      value_at = l.find('}', name_end);
      if (value_at == std::string_view::npos) return std::nullopt;
      ++value_at;
    }
    for (Wanted& w : wanted) {
      if (l.substr(0, name_end) != w.name) continue;
      const auto v = MetricValue(l.substr(value_at));
      if (!v || !Add(&(c.*w.field), *v)) return std::nullopt;
      w.seen = true;
    }
  }
  for (const Wanted& w : wanted) {
    if (!w.seen) return std::nullopt;
  }
  return c;
}

std::optional<CacheCounters> ParseAptCacherLog(const std::string& text) {
  CacheCounters c;
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    // time|KIND|bytes|client|path
    const std::size_t a = line.find('|');
    const std::size_t b = a == std::string::npos ? a : line.find('|', a + 1);
    const std::size_t e = b == std::string::npos ? b : line.find('|', b + 1);
    if (e == std::string::npos || b != a + 2) continue;
    std::uint64_t bytes = 0;
    const char* first = line.data() + b + 1;
    const char* last = line.data() + e;
    const auto [end, ec] = std::from_chars(first, last, bytes);
    if (ec == std::errc::result_out_of_range) return std::nullopt;
    if (ec != std::errc() || end != last || first == last) continue;
    const char kind = line[a + 1];
    if (kind == 'O' && !Add(&c.to_clients, bytes)) return std::nullopt;
    if (kind == 'I' && !Add(&c.from_origin, bytes)) return std::nullopt;
  }
  return c;
}

}  // namespace shoal::cli
