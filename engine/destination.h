// The job's destination files on disk: which local names are acceptable (a regular file or
// nothing; never a FIFO, a device, a directory or a symlink), the temp name beside each one
// (kept within NAME_MAX), and the final move into place that keeps a replaced file's mode.
// Thread-safe (stateless functions over the file system).
#pragma once

#include <string>

#include "engine/hresult.h"

namespace shoal::engine {

// kOk when `path` is absent or a regular file (not followed if a symlink). Otherwise
// E_INVALIDARG, as BITS's AddFile for a local name it cannot use, and `*message` says why.
hr::HResult CheckDestination(const std::string& path, std::string* message = nullptr);

// The hidden temp file's name for `final_name` in the same folder: ".NAME.TAG<suffix>",
// where a NAME too long for NAME_MAX is cut (at a UTF-8 boundary) and followed by a hash of
// the whole name, so two long names sharing a prefix still differ.
std::string TempName(const std::string& final_name, const std::string& tag,
                     const std::string& suffix = ".shoal-tmp");

// Renames `temp` over `final_path` without following a symlink there or replacing anything but
// a regular file (E_INVALIDARG with `*message` otherwise). The file keeps the replaced file's
// permission bits; a new file gets 0666 & ~umask, as if the caller had created it.
hr::HResult MoveIntoPlace(const std::string& temp, const std::string& final_path,
                          std::string* message);
// The same within the directory `dir_fd` is open on (AT_FDCWD: the working directory): both
// names are relative to it, so a directory renamed or replaced meanwhile is never written.
hr::HResult MoveIntoPlaceAt(int dir_fd, const std::string& temp, const std::string& final_name,
                            std::string* message);

}  // namespace shoal::engine
