// Materialisation: the client's side of Complete for a job of the service. It writes finished
// content the service handed over as a descriptor beside the job's path, with the caller's own
// rights, by the engine's rules for destinations and temp files, and renames it into place
// once the service completed the job. Thread-compatible (a StagedFile); the functions are
// stateless.
#pragma once

#include <cstdint>
#include <string>
#include <utility>

#include "engine/file_copy.h"
#include "engine/hresult.h"

namespace shoal::api {

// How the bytes got there (for tests and logs).
using engine::CopyMethod;

struct MaterialiseResult {
  CopyMethod method = CopyMethod::kReadWrite;
  std::uint64_t bytes = 0;
};

// A finished file copied beside its destination and not yet in place: its temp file in the
// destination's folder, locked (flock) while this object lives, removed unless moved. Move-only.
class StagedFile {
 public:
  StagedFile() = default;
  ~StagedFile() { Discard(); }
  StagedFile(StagedFile&& other) noexcept { *this = std::move(other); }
  StagedFile& operator=(StagedFile&& other) noexcept;
  StagedFile(const StagedFile&) = delete;
  StagedFile& operator=(const StagedFile&) = delete;

  // Renames the temp file onto the destination (engine::MoveIntoPlaceAt: never through a
  // symlink, only over a regular file, its mode kept) and fsyncs the folder. On failure the
  // temp file is removed and *message says why.
  hr::HResult MoveIntoPlace(std::string* message);
  // Removes the temp file (nothing once moved or discarded).
  void Discard();

 private:
  friend hr::HResult Stage(int, const std::string&, StagedFile*, std::string*, MaterialiseResult*);
  void Close();

  int dir_ = -1;   // the destination's folder, O_DIRECTORY|O_NOFOLLOW
  int file_ = -1;  // the temp file, holding its lock
  std::string dir_path_, temp_, name_;
};

// Copies the whole of `content_fd` (a regular file open for reading; its offset is not used)
// beside `destination`: a temp file (".NAME.TAG.shoal-part", created O_EXCL|O_NOFOLLOW in the
// directory opened O_DIRECTORY|O_NOFOLLOW, under flock from its creation, so a crashed
// caller's one is an orphan the engine deletes), filled by FICLONE where the file system
// shares extents, else copy_file_range, else read/write, and fsync'd; *staged holds it. On
// failure nothing is left behind: E_INVALIDARG (a symlink or other non-regular file there, a
// bad name), E_ACCESSDENIED, HRESULT_FROM_WIN32(ERROR_DISK_FULL), ERROR_PATH_NOT_FOUND, ...,
// with *message naming the path and the cause.
hr::HResult Stage(int content_fd, const std::string& destination, StagedFile* staged,
                  std::string* message, MaterialiseResult* result = nullptr);

// Stage, then MoveIntoPlace: the content at `destination`, or nothing changed there.
hr::HResult Materialise(int content_fd, const std::string& destination, std::string* message,
                        MaterialiseResult* result = nullptr);

}  // namespace shoal::api
