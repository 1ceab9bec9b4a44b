// Parsing of an HTTP Content-Range response header (RFC 9110 §14.4) for a satisfied byte
// range: "bytes first-last/complete-length" or "bytes first-last/*". Input is untrusted.
// Thread-safe (pure functions).
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "engine/types.h"

namespace shoal::engine {

struct ContentRange {
  std::uint64_t first = 0;
  std::uint64_t last = 0;              // inclusive; last >= first
  std::uint64_t total = kSizeUnknown;  // kSizeUnknown for "*"; otherwise last < total
  std::uint64_t length() const { return last - first + 1; }
};

// nullopt when `value` is not a well-formed satisfied byte range (unsatisfied "bytes */N",
// other units, signs, overflow, last < first, last >= total, trailing junk). Spaces and tabs
// around the value are allowed; none inside the numbers.
std::optional<ContentRange> ParseContentRange(std::string_view value);

}  // namespace shoal::engine
