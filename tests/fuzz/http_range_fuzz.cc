// Fuzz target: the origin's own parsers of request bytes (peers/http_range.h): the Range
// header against a representation size, and the request target. Input: 8 bytes of size
// (little-endian), then the text, used as both a Range value and a target.
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>

#include "origin/http_range.h"

namespace {

void Check(bool ok) {
  if (!ok) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace origin = shoal::origin;
  if (size < 8) return 0;
  std::uint64_t body_size = 0;
  for (int i = 7; i >= 0; --i) body_size = body_size << 8 | data[i];
  const std::string_view text(reinterpret_cast<const char*>(data) + 8, size - 8);

  for (const std::uint64_t n : {body_size, body_size % 4096}) {
    origin::ByteRange range{12345, 678};
    switch (origin::ParseRange(text, n, &range)) {
      case origin::RangeResult::kPartial:
        // Satisfiable: non-empty and inside the body.
        Check(range.length > 0 && range.first < n && range.length <= n - range.first);
        break;
      case origin::RangeResult::kFull:
      case origin::RangeResult::kUnsatisfiable:
        Check(range.first == 12345 && range.length == 678);  // untouched
        break;
    }
  }

  std::string path;
  if (origin::DecodeTarget(text, &path) == origin::TargetResult::kOk) {
    // Absolute, normalized, no NUL, no traversal: "/a/b", never "//", "/./" or "/../".
    Check(!path.empty() && path.front() == '/');
    Check(path.find('\0') == std::string::npos);
    Check(path == "/" || path.back() != '/');
    Check(path.find("//") == std::string::npos);
    const std::string with_slash = path + "/";
    Check(with_slash.find("/./") == std::string::npos);
    Check(with_slash.find("/../") == std::string::npos);
  }
  return 0;
}
