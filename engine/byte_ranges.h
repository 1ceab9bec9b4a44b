// Byte ranges of a job file (AddFileWithRanges, IDODownload::Start with ranges): their
// validation, their bytes once the file's size is known, which parts of the content they cover,
// their stored text form, and the packed local file Complete exposes. Pure functions and one
// file copy: thread-compatible.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "engine/hresult.h"
#include "engine/types.h"

namespace shoal::engine {

// The checks AddFileWithRanges documents, taken in offset order: an offset of BG_LENGTH_TO_EOF,
// a zero length, or a range past `size` (when known) is BG_E_INVALID_RANGE; two ranges sharing
// a byte (or a duplicate) are BG_E_OVERLAPPING_RANGES. An empty list is E_INVALIDARG.
hr::HResult ValidateRanges(const std::vector<ByteRange>& ranges, std::uint64_t size);

// The ranges with kLengthToEof resolved against `size` (known), in the caller's order.
// BG_E_INVALID_RANGE when one starts at or past the end of the file.
hr::HResult ResolveRanges(const std::vector<ByteRange>& ranges, std::uint64_t size,
                          std::vector<ByteRange>* out);

// Why the ranges do not fit a file of `size` bytes (BG_E_INVALID_RANGE: "one of the ranges is
// outside the bounds of the remote file"), or "" when they do.
std::string RangesOutside(const std::vector<ByteRange>& ranges, std::uint64_t size);

// The bytes `ranges` ask for in a file of `size` bytes (ranges already validated against it).
std::uint64_t RangeBytes(const std::vector<ByteRange>& ranges, std::uint64_t size);

// Of the content bytes [begin, end), how many the (resolved) ranges ask for.
std::uint64_t CoveredBytes(const std::vector<ByteRange>& resolved, std::uint64_t begin,
                           std::uint64_t end);

// "offset:length,offset:length" (decimal; length "eof" for kLengthToEof), and back. Decode
// returns false for anything else.
std::string EncodeRanges(const std::vector<ByteRange>& ranges);
bool DecodeRanges(const std::string& text, std::vector<ByteRange>* out);

// Writes the (resolved) ranges of `from`, one after another in their order, to a new file
// `to` (replacing one there), flushed to disk. On failure `to` is removed; the error, and *why.
hr::HResult PackRanges(const std::string& from, const std::string& to,
                       const std::vector<ByteRange>& resolved, std::string* why);

// A read-only descriptor of the ranges of the transferred temp file at `temp_path`, packed into
// an unlinked file beside it (the service hands it to the client, service/router.cc). The
// ranges are resolved against the temp file's length, which reaches the content's end where
// a range does. -1 when the temp file is gone or cannot be copied.
int OpenPacked(const std::string& temp_path, const std::vector<ByteRange>& ranges);

}  // namespace shoal::engine
