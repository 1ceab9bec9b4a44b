// Temp files nobody will finish. Those of an engine without a data directory must die with it
// even when it is killed: each is held under flock(2) from its creation on, and one whose lock
// another engine can take has no live owner and is deleted by the next engine that adds a file
// to that folder. Those of a durable engine are listed in its data directory (TempFileList),
// so a start deletes the ones no stored job claims, also when jobs.db was lost (decision 0020;
// docs/operations.md, "Temp files"). Engine-thread only.
#pragma once

#include <sys/types.h>

#include <map>
#include <set>
#include <string>
#include <vector>

namespace shoal::engine {

// The suffix of a temp file that dies with its engine; a durable engine's temp files end in
// ".shoal-tmp" and are never touched by another engine.
inline constexpr const char* kEphemeralTempSuffix = ".shoal-part";
inline constexpr const char* kDurableTempSuffix = ".shoal-tmp";

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

// The temp files a durable engine ever gave a stored job, one absolute path a line in a file
// of its data directory: written before the file is created (as durable as the job's row), so
// a start can tell which temp files no stored job claims any more, whatever became of jobs.db.
class TempFileList {
 public:
  TempFileList() = default;
  ~TempFileList();
  TempFileList(const TempFileList&) = delete;
  TempFileList& operator=(const TempFileList&) = delete;

  // Reads the list at `path` (none yet: empty) and opens it to add to. False with *error.
  bool Open(const std::string& path, std::string* error);
  // Lists the paths not listed yet (one write for all of them). False with *error.
  bool Add(const std::vector<std::string>& paths, std::string* error);
  // Deletes every listed file that `claimed` does not name and that is still what this engine
  // made: a regular file (never a symlink's target), owned by this user, with the durable
  // suffix. The list then holds the claimed paths only. Returns the paths deleted.
  std::vector<std::string> Collect(const std::set<std::string>& claimed, std::string* error);

 private:
  std::string path_;
  int fd_ = -1;  // appended to
  std::set<std::string> listed_;
};

}  // namespace shoal::engine
