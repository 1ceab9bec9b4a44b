// Temp files of an engine without a data directory, which must die with it even when it is
// killed: each is held under flock(2) from its creation on, and one whose lock another engine
// can take has no live owner and is deleted by the next engine that adds a file to that folder
// (docs/operations.md, "Temp files"). Engine-thread only.
#pragma once

#include <sys/types.h>

#include <map>
#include <string>

namespace shoal::engine {

// The suffix of a temp file that dies with its engine; a durable engine's temp files end in
// ".shoal-tmp" and are never touched by another engine.
inline constexpr const char* kEphemeralTempSuffix = ".shoal-part";

class TempFileLocks {
 public:
  TempFileLocks() = default;
  ~TempFileLocks();  // closes every lock (the process's death does the same)
  TempFileLocks(const TempFileLocks&) = delete;
  TempFileLocks& operator=(const TempFileLocks&) = delete;

  // Opens `path` for writing (creating it, mode 0644) as open(2) would, and holds an exclusive
  // lock on it until it is deleted or renamed away (noticed at a later Open). -1 with errno.
  int Open(const std::string& path);

 private:
  struct Held {
    int fd;
    ino_t ino;
  };
  std::map<std::string, Held> held_;
};

// Deletes the ephemeral temp files in `dir` that no live engine holds. Returns how many.
int RemoveOrphanedTempFiles(const std::string& dir);

}  // namespace shoal::engine
