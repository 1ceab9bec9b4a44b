#include "engine/content_range.h"

#include <limits>

namespace shoal::engine {
namespace {

bool IsSpace(char c) { return c == ' ' || c == '\t'; }

// Reads a non-empty run of decimal digits into *out; false on none or overflow.
bool ReadNumber(std::string_view& s, std::uint64_t* out) {
  constexpr std::uint64_t kMax = std::numeric_limits<std::uint64_t>::max();
  std::uint64_t v = 0;
  std::size_t i = 0;
  for (; i < s.size() && s[i] >= '0' && s[i] <= '9'; ++i) {
    const std::uint64_t d = static_cast<std::uint64_t>(s[i] - '0');
    if (v > (kMax - d) / 10) return false;
    v = v * 10 + d;
  }
  if (i == 0) return false;
  s.remove_prefix(i);
  *out = v;
  return true;
}

bool Eat(std::string_view& s, char c) {
  if (s.empty() || s.front() != c) return false;
  s.remove_prefix(1);
  return true;
}

}  // namespace

std::optional<ContentRange> ParseContentRange(std::string_view s) {
  while (!s.empty() && IsSpace(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsSpace(s.back())) s.remove_suffix(1);
  constexpr std::string_view kUnit = "bytes";
  if (s.size() < kUnit.size()) return std::nullopt;
  for (std::size_t i = 0; i < kUnit.size(); ++i) {  // the unit is case-insensitive
    if ((s[i] | 0x20) != kUnit[i]) return std::nullopt;
  }
  s.remove_prefix(kUnit.size());
  if (s.empty() || !IsSpace(s.front())) return std::nullopt;
  while (!s.empty() && IsSpace(s.front())) s.remove_prefix(1);
  ContentRange r;
  if (!ReadNumber(s, &r.first) || !Eat(s, '-') || !ReadNumber(s, &r.last) || !Eat(s, '/')) {
    return std::nullopt;
  }
  if (Eat(s, '*')) {
    r.total = kSizeUnknown;
  } else if (!ReadNumber(s, &r.total) || r.total == kSizeUnknown || r.last >= r.total) {
    return std::nullopt;
  }
  // last == max would make length() overflow; no real content is that long.
  if (!s.empty() || r.last < r.first || r.last == kSizeUnknown) return std::nullopt;
  return r;
}

}  // namespace shoal::engine
