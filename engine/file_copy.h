// Whole-file copies between open descriptors: a reflink (FICLONE) where the file system shares
// extents, else copy_file_range (the kernel copies), else read/write. Used where a finished
// file is copied for a second owner (materialising service content, shared transfers).
// Thread-compatible (plain functions over the caller's descriptors).
#pragma once

#include <cstdint>
#include <string>

namespace shoal::engine {

enum class CopyMethod { kClone, kCopyFileRange, kReadWrite };

// Copies `length` bytes of `in` at `in_offset` to `out` at `out_offset` by copy_file_range,
// else pread/pwrite (then *read_write, if given, is true); 0 or the errno. EIO when `in` ends
// first.
int CopyRange(int in, std::uint64_t in_offset, int out, std::uint64_t out_offset,
              std::uint64_t length, bool* read_write = nullptr);

// Fills `out` (empty) with the first `size` bytes of `in`; 0 or the errno.
// EIO when `in` is shorter than `size`. *method says how the bytes moved.
int CopyFileData(int in, int out, std::uint64_t size, CopyMethod* method);

// Replaces what `out` holds with the whole file at `src` (CopyFileData's ways); 0 or the
// errno, and then *why names the file and the error.
int CopyFileTo(const std::string& src, int out, std::string* why);

}  // namespace shoal::engine
