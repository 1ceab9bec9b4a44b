// Materialisation: the client's side of Complete for a job of the service. It writes finished
// content the service handed over as a descriptor at the job's path, with the caller's own
// rights, by the engine's rules for destinations and temp files. Thread-safe (stateless).
#pragma once

#include <cstdint>
#include <string>

#include "engine/hresult.h"

namespace shoal::service {

// How the bytes got there (for tests and logs).
enum class CopyMethod { kClone, kCopyFileRange, kReadWrite };

struct MaterialiseResult {
  CopyMethod method = CopyMethod::kReadWrite;
  std::uint64_t bytes = 0;
};

// Copies the whole of `content_fd` (a regular file open for reading; its offset is not used)
// to `destination`: a temp file beside it (".NAME.TAG.shoal-part", created O_EXCL|O_NOFOLLOW
// in the directory opened O_DIRECTORY|O_NOFOLLOW, under flock from its creation, so a crashed
// caller's one is an orphan the engine deletes), filled by FICLONE where the file system
// shares extents, else copy_file_range, else read/write; fsync'd, then renamed into place
// (engine::MoveIntoPlaceAt: never through a symlink, only over a regular file, its mode
// kept) and the directory fsync'd. On failure the temp file is gone and nothing at
// `destination` changed: E_INVALIDARG (a symlink or other non-regular file there, a bad
// name), E_ACCESSDENIED, HRESULT_FROM_WIN32(ERROR_DISK_FULL), ERROR_PATH_NOT_FOUND, ...,
// with *message naming the path and the cause.
hr::HResult Materialise(int content_fd, const std::string& destination, std::string* message,
                        MaterialiseResult* result = nullptr);

}  // namespace shoal::service
