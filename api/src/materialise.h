// Materialising a finished file the machine-wide service handed over as a descriptor: copied,
// with the calling user's rights, into a new hidden temp file beside its final name
// (copy_file_range, which reflinks or copies in the kernel where the filesystem allows, else
// pread/write), fsynced; MoveIntoPlace (engine/destination.h) then renames it atomically on
// Complete. Thread-safe (stateless).
#pragma once

#include <string>

#include "engine/hresult.h"

namespace shoal::api {

// Copies all of `fd` into a new temp file beside `final_path`; *temp names it. On failure
// nothing is left behind and *message says why (an HRESULT from errno: disk full, access...).
hr::HResult CopyBeside(int fd, const std::string& final_path, const std::string& tag,
                       std::string* temp, std::string* message);

}  // namespace shoal::api
