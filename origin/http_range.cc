#include "origin/http_range.h"

#include <charconv>
#include <limits>

namespace shoal::origin {
namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool PercentDecode(std::string_view in, std::string* out) {
  out->clear();
  out->reserve(in.size());
  for (std::size_t i = 0; i < in.size(); ++i) {
    char c = in[i];
    if (c == '%') {
      if (i + 2 >= in.size()) return false;  // needs two hex digits after '%'
      const int hi = HexValue(in[i + 1]);
      const int lo = HexValue(in[i + 2]);
      if (hi < 0 || lo < 0) return false;
      c = static_cast<char>(hi * 16 + lo);
      i += 2;
    }
    if (c == '\0') return false;
    out->push_back(c);
  }
  return true;
}

std::string_view TrimSpaces(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// A non-empty run of digits only (no sign, no spaces); false on overflow.
bool ParseNumber(std::string_view s, std::uint64_t* value) {
  if (s.empty()) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), *value);
  return ec == std::errc() && end == s.data() + s.size();
}

}  // namespace

TargetResult DecodeTarget(std::string_view target, std::string* url_path) {
  // Absolute-form (RFC 9112 §3.2.2): drop scheme and authority.
  for (std::string_view scheme : {"http://", "https://"}) {
    if (target.size() >= scheme.size() && target.substr(0, scheme.size()) == scheme) {
      target.remove_prefix(scheme.size());
      const auto slash = target.find('/');
      target = slash == std::string_view::npos ? std::string_view("/") : target.substr(slash);
      break;
    }
  }
  const auto end = target.find_first_of("?#");
  if (end != std::string_view::npos) target = target.substr(0, end);
  if (target.empty() || target.front() != '/') return TargetResult::kBadRequest;

  std::string decoded;
  if (!PercentDecode(target, &decoded)) return TargetResult::kBadRequest;

  url_path->clear();
  std::string_view rest = decoded;
  while (!rest.empty()) {
    const auto slash = rest.find('/');
    const std::string_view segment = rest.substr(0, slash);
    rest = slash == std::string_view::npos ? std::string_view() : rest.substr(slash + 1);
    if (segment.empty() || segment == ".") continue;
    if (segment == "..") return TargetResult::kForbidden;
    url_path->push_back('/');
    url_path->append(segment);
  }
  if (url_path->empty()) url_path->push_back('/');
  return TargetResult::kOk;
}

RangeResult ParseRange(std::string_view header, std::uint64_t size, ByteRange* range) {
  header = TrimSpaces(header);
  constexpr std::string_view kUnit = "bytes=";
  if (header.size() < kUnit.size()) return RangeResult::kFull;
  for (std::size_t i = 0; i < kUnit.size(); ++i) {
    const char c = header[i];
    if ((c >= 'A' && c <= 'Z' ? c + 32 : c) != kUnit[i]) return RangeResult::kFull;
  }
  const std::string_view spec = TrimSpaces(header.substr(kUnit.size()));
  if (spec.find(',') != std::string_view::npos) return RangeResult::kFull;  // multi-range
  const auto dash = spec.find('-');
  if (dash == std::string_view::npos) return RangeResult::kFull;
  const std::string_view first_text = TrimSpaces(spec.substr(0, dash));
  const std::string_view last_text = TrimSpaces(spec.substr(dash + 1));

  if (first_text.empty()) {  // suffix: the last n bytes
    std::uint64_t n = 0;
    if (!ParseNumber(last_text, &n)) return RangeResult::kFull;
    if (n == 0 || size == 0) return RangeResult::kUnsatisfiable;
    const std::uint64_t length = n < size ? n : size;
    *range = {size - length, length};
    return RangeResult::kPartial;
  }
  std::uint64_t first = 0;
  if (!ParseNumber(first_text, &first)) return RangeResult::kFull;
  std::uint64_t last = std::numeric_limits<std::uint64_t>::max();
  if (!last_text.empty()) {
    if (!ParseNumber(last_text, &last)) return RangeResult::kFull;
    if (last < first) return RangeResult::kFull;  // invalid spec: ignore the header
  }
  if (first >= size) return RangeResult::kUnsatisfiable;
  if (last >= size) last = size - 1;
  *range = {first, last - first + 1};
  return RangeResult::kPartial;
}

}  // namespace shoal::origin
