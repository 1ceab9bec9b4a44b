#include "cache/freshness.h"

#include <curl/curl.h>

#include <algorithm>
#include <cctype>

namespace shoal::cache {
namespace {

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// The value of `name=NUMBER` in Cache-Control, or -1.
std::int64_t Seconds(const std::string& cc, const std::string& name) {
  const std::string l = Lower(cc);
  std::size_t pos = 0;
  while ((pos = l.find(name, pos)) != std::string::npos) {
    const bool starts = pos == 0 || l[pos - 1] == ',' || l[pos - 1] == ' ';
    std::size_t v = pos + name.size();
    if (starts && v < l.size() && l[v] == '=') {
      ++v;
      if (v < l.size() && l[v] == '"') ++v;
      std::int64_t n = 0;
      bool any = false;
      while (v < l.size() && std::isdigit(static_cast<unsigned char>(l[v])) && n < 1'000'000'000) {
        n = n * 10 + (l[v++] - '0');
        any = true;
      }
      if (any) return n;
    }
    pos += name.size();
  }
  return -1;
}

std::int64_t Date(const std::string& s) {
  if (s.empty()) return -1;
  return static_cast<std::int64_t>(curl_getdate(s.c_str(), nullptr));
}

}  // namespace

bool HasDirective(const std::string& cache_control, const std::string& directive) {
  const std::string l = Lower(cache_control);
  std::size_t pos = 0;
  while ((pos = l.find(directive, pos)) != std::string::npos) {
    const std::size_t end = pos + directive.size();
    const bool starts = pos == 0 || l[pos - 1] == ',' || l[pos - 1] == ' ';
    const bool ends = end == l.size() || l[end] == ',' || l[end] == ' ' || l[end] == '=';
    if (starts && ends) return true;
    pos = end;
  }
  return false;
}

bool Storable(const OriginHeaders& h) {
  return h.status == 200 && !HasDirective(h.cache_control, "no-store") &&
         !HasDirective(h.cache_control, "private");
}

std::int64_t FreshUntil(const OriginHeaders& h, std::int64_t now, const FreshnessRules& rules) {
  if (HasDirective(h.cache_control, "no-cache")) return now;
  std::int64_t lifetime = Seconds(h.cache_control, "s-maxage");
  if (lifetime < 0) lifetime = Seconds(h.cache_control, "max-age");
  std::int64_t date = Date(h.date);
  if (date < 0) date = now;
  if (lifetime < 0) {
    const std::int64_t expires = Date(h.expires);
    if (!h.expires.empty()) lifetime = expires < 0 ? 0 : std::max<std::int64_t>(0, expires - date);
  }
  if (lifetime < 0) {
    const std::int64_t modified = Date(h.last_modified);
    lifetime = modified < 0 || modified > date
                   ? 0
                   : std::min<std::int64_t>(
                         rules.heuristic_max_s,
                         static_cast<std::int64_t>(rules.heuristic_fraction * (date - modified)));
  }
  return now + lifetime;
}

}  // namespace shoal::cache
