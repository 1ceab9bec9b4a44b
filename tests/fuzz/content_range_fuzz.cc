// libFuzzer target for ParseContentRange: the header comes from any server. Checks that a
// parse never crashes and that what it accepts is self-consistent.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "engine/content_range.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view value(reinterpret_cast<const char*>(data), size);
  const auto r = shoal::engine::ParseContentRange(value);
  if (r) {
    if (r->last < r->first) std::abort();
    if (r->total != shoal::engine::kSizeUnknown && r->last >= r->total) std::abort();
    if (r->length() == 0) std::abort();
  }
  return 0;
}
