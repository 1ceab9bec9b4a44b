// Pure parsers for the untrusted parts of an HTTP request that the origin interprets itself:
// the request target (percent-decoded, normalized, never escaping the served root) and the
// Range header (RFC 9110 §14). No I/O, no state: thread-safe, and the fuzz-target surface.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace shoal::origin {

enum class TargetResult {
  kOk,
  kBadRequest,  // malformed target or percent-encoding, NUL byte, not an absolute path
  kForbidden,   // a ".." segment (also when written as %2e%2e): a traversal attempt
};

// Decodes a request target ("/dir/a%20b.bin?q#f", or absolute-form "http://host/dir/...")
// into a normalized URL path ("/dir/a b.bin"): query and fragment dropped, empty and "."
// segments removed, "%2f" decoded before splitting so it cannot smuggle a "..".
TargetResult DecodeTarget(std::string_view target, std::string* url_path);

struct ByteRange {
  std::uint64_t first = 0;
  std::uint64_t length = 0;
};

enum class RangeResult {
  kFull,           // no usable Range: send the whole body with 200 (also for multiple ranges)
  kPartial,        // one satisfiable range in *range: send it with 206
  kUnsatisfiable,  // 416 with "Content-Range: bytes */size"
};

// Interprets a Range header value for a representation of `size` bytes. Forms: "bytes=a-b"
// (b clamped to size-1), "bytes=a-", "bytes=-n" (the last n bytes). A syntactically invalid
// header is ignored (kFull), as RFC 9110 requires; so is a multi-range list, which we answer
// with the full body rather than multipart/byteranges.
RangeResult ParseRange(std::string_view header, std::uint64_t size, ByteRange* range);

}  // namespace shoal::origin
