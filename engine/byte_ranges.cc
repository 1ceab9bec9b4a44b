#include "engine/byte_ranges.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>

#include "engine/file_copy.h"

namespace shoal::engine {
namespace {

// The end of a range (exclusive), saturating; kLengthToEof reaches the end of anything.
std::uint64_t End(const ByteRange& r) {
  if (r.length == kLengthToEof || r.length > kLengthToEof - r.offset) return kLengthToEof;
  return r.offset + r.length;
}

bool ParseU64(const char* begin, const char* end, std::uint64_t* out) {
  if (begin == end) return false;
  const auto [p, ec] = std::from_chars(begin, end, *out);
  return ec == std::errc() && p == end;
}

}  // namespace

hr::HResult ValidateRanges(const std::vector<ByteRange>& ranges, std::uint64_t size) {
  if (ranges.empty()) return hr::kInvalidArg;
  for (const ByteRange& r : ranges) {
    if (r.offset == kLengthToEof || r.length == 0) return hr::kBgEInvalidRange;
    if (size != kSizeUnknown && (r.offset >= size || (r.length != kLengthToEof && End(r) > size))) {
      return hr::kBgEInvalidRange;
    }
  }
  std::vector<ByteRange> sorted = ranges;
  std::stable_sort(sorted.begin(), sorted.end(),
                   [](const ByteRange& a, const ByteRange& b) { return a.offset < b.offset; });
  for (std::size_t i = 1; i < sorted.size(); ++i) {
    if (End(sorted[i - 1]) > sorted[i].offset) return hr::kBgEOverlappingRanges;
  }
  return hr::kOk;
}

hr::HResult ResolveRanges(const std::vector<ByteRange>& ranges, std::uint64_t size,
                          std::vector<ByteRange>* out) {
  out->clear();
  for (const ByteRange& r : ranges) {
    if (r.offset >= size || (r.length != kLengthToEof && End(r) > size)) {
      return hr::kBgEInvalidRange;
    }
    out->push_back({r.offset, r.length == kLengthToEof ? size - r.offset : r.length});
  }
  return hr::kOk;
}

std::string RangesOutside(const std::vector<ByteRange>& ranges, std::uint64_t size) {
  for (const ByteRange& r : ranges) {
    if (r.offset >= size || (r.length != kLengthToEof && End(r) > size)) {
      return "the range at offset " + std::to_string(r.offset) + " lies outside the file (" +
             std::to_string(size) + " bytes)";
    }
  }
  return "";
}

std::uint64_t RangeBytes(const std::vector<ByteRange>& ranges, std::uint64_t size) {
  std::uint64_t total = 0;
  for (const ByteRange& r : ranges) {
    if (r.offset >= size) continue;
    total += std::min(End(r), size) - r.offset;
  }
  return total;
}

std::uint64_t CoveredBytes(const std::vector<ByteRange>& resolved, std::uint64_t begin,
                           std::uint64_t end) {
  std::uint64_t covered = 0;
  for (const ByteRange& r : resolved) {
    const std::uint64_t lo = std::max(begin, r.offset);
    const std::uint64_t hi = std::min(end, End(r));
    if (lo < hi) covered += hi - lo;
  }
  return covered;
}

std::string EncodeRanges(const std::vector<ByteRange>& ranges) {
  std::string out;
  for (const ByteRange& r : ranges) {
    if (!out.empty()) out += ',';
    out += std::to_string(r.offset) + ':' +
           (r.length == kLengthToEof ? std::string("eof") : std::to_string(r.length));
  }
  return out;
}

bool DecodeRanges(const std::string& text, std::vector<ByteRange>* out) {
  out->clear();
  if (text.empty()) return true;
  const char* p = text.data();
  const char* const end = p + text.size();
  while (true) {
    const char* comma = std::find(p, end, ',');
    const char* colon = std::find(p, comma, ':');
    if (colon == comma) return false;
    ByteRange r;
    if (!ParseU64(p, colon, &r.offset)) return false;
    if (std::string_view(colon + 1, comma - colon - 1) == "eof") {
      r.length = kLengthToEof;
    } else if (!ParseU64(colon + 1, comma, &r.length) || r.length == kLengthToEof) {
      return false;
    }
    out->push_back(r);
    if (comma == end) return true;
    p = comma + 1;
  }
}

hr::HResult PackRanges(const std::string& from, const std::string& to,
                       const std::vector<ByteRange>& resolved, std::string* why) {
  const int in = ::open(from.c_str(), O_RDONLY | O_CLOEXEC);
  if (in < 0) {
    const int err = errno;
    *why = from + ": " + std::strerror(err);
    return hr::FromErrno(err);
  }
  const int out = ::open(to.c_str(), O_CREAT | O_TRUNC | O_WRONLY | O_CLOEXEC, 0644);
  if (out < 0) {
    const int err = errno;
    *why = to + ": " + std::strerror(err);
    ::close(in);
    return hr::FromErrno(err);
  }
  bool ok = true;
  int err = 0;
  std::uint64_t written = 0;
  for (const ByteRange& r : resolved) {
    err = CopyRange(in, r.offset, out, written, r.length);
    if (err != 0) {
      *why = err == EIO ? from + ": shorter than its ranges"
                        : from + " -> " + to + ": " + std::strerror(err);
      ok = false;
      break;
    }
    written += r.length;
  }
  if (ok && ::fsync(out) != 0) {
    err = errno;
    *why = to + ": " + std::strerror(err);
    ok = false;
  }
  ::close(in);
  ::close(out);
  if (ok) return hr::kOk;
  ::unlink(to.c_str());
  return hr::FromErrno(err);
}

int OpenPacked(const std::string& temp_path, const std::vector<ByteRange>& ranges) {
  struct stat st {};
  if (::stat(temp_path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return -1;
  std::vector<ByteRange> resolved;
  if (hr::Failed(ResolveRanges(ranges, static_cast<std::uint64_t>(st.st_size), &resolved))) {
    return -1;
  }
  const std::string packed = temp_path + ".packed-" + std::to_string(::getpid());
  std::string why;
  if (hr::Failed(PackRanges(temp_path, packed, resolved, &why))) return -1;
  const int fd = ::open(packed.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  ::unlink(packed.c_str());
  return fd;
}

}  // namespace shoal::engine
