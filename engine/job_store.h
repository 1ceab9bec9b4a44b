// The durable job store seam: what the engine persists of each job (identity, properties,
// state, error, times, counters, files and their verified bytes) and the data directory's
// lock. The engine thread is the only writer; implementations are thread-compatible.
// The SQLite adapter (sqlite_job_store.cc) is the only code that includes sqlite3.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "engine/types.h"

namespace shoal::engine {

struct StoredFile {
  FileSpec spec;
  std::string temp_name;
  bool http = false;      // fetched as plain HTTP (no metainfo)
  bool verified = false;  // its expected SHA-256 was checked
  std::uint64_t bytes_total = kSizeUnknown;
  std::uint64_t verified_bytes = 0;
  SourceBytes sources;
  // Plain HTTP with ranges: the chunks written and their digests (RangedHttp::EncodeChunks),
  // checked against the temp file before any is kept.
  std::string ranged_chunks;
};

struct StoredJob {
  Uuid id;
  JobState state = JobState::kSuspended;
  JobProperties props;
  JobTimes times;
  std::uint32_t error_count = 0;
  std::optional<JobErrorInfo> error;
  // Complete's intent (decision 0005): set before the first rename, so a restart finishes
  // the renames instead of treating the moved temp files as lost.
  bool completing = false;
  // Wall time (ns) at which the job's no-progress window began (0: none): NoProgressTimeout
  // counts across restarts, so a job failing for good reaches ERROR however often it restarts.
  std::int64_t stalled_since_ns = 0;
  std::vector<StoredFile> files;
};

// Finished content that keeps being served to peers (seed_after_complete), across restarts.
struct StoredSeed {
  std::string metainfo;
  std::string dir;
  std::string file_name;
  std::int64_t added_ns = 0;  // when Complete put it in place
  // The service store's own file (decision 0017), no user's: deleted when it leaves the cache.
  bool owned = false;
};

// libtorrent resume data for the file at a path (a job's temp file, or a seed's file), with
// the file's stamp when it was saved: trusted at start only while the stamp still matches
// (decision 0006).
struct FileStamp {
  std::int64_t size = -1;  // -1: the file is missing
  std::int64_t mtime_ns = 0;
  std::uint64_t inode = 0;
  std::string boot_id;  // the kernel's boot, so that a reboot (maybe a power loss) re-checks
  bool operator==(const FileStamp&) const = default;
};

// The stamp of the file at `path` now (size -1 when it is missing).
FileStamp StampFile(const std::string& path);

struct StoredResume {
  std::string data;  // bencoded, as libtorrent writes it
  FileStamp stamp;
};

class JobStore {
 public:
  virtual ~JobStore() = default;
  // Writes the whole job in one transaction (replacing what was stored). False on failure,
  // with the reason in *error.
  virtual bool Put(const StoredJob& job, std::string* error) = 0;
  virtual bool Remove(const Uuid& id, std::string* error) = 0;
  // Every stored job, oldest first. Rows that cannot be read are skipped and described in
  // *warnings; the rest are returned.
  virtual std::vector<StoredJob> LoadAll(std::string* warnings) = 0;
  // Seeds, keyed by dir + file_name (a new Put for the same file replaces the old).
  virtual bool PutSeed(const StoredSeed& seed, std::string* error) = 0;
  virtual bool RemoveSeed(const std::string& dir, const std::string& file_name,
                          std::string* error) = 0;
  virtual std::vector<StoredSeed> LoadSeeds(std::string* warnings) = 0;
  // Resume data, keyed by the path of the file it describes.
  virtual bool PutResume(const std::string& path, const StoredResume& resume,
                         std::string* error) = 0;
  // False when there is none (or it cannot be read).
  virtual bool GetResume(const std::string& path, StoredResume* out) = 0;
  virtual bool RemoveResume(const std::string& path, std::string* error) = 0;
};

// Opens (creating) `dir`/jobs.db. A database that is not one, or fails its integrity check,
// is kept aside as jobs.db.corrupt-<unix time> after salvaging the readable jobs, and said so
// in *warnings. Null only when the directory itself is unusable (*error says why).
std::unique_ptr<JobStore> OpenSqliteJobStore(const std::string& dir, std::string* warnings,
                                             std::string* error);

// An exclusive flock on `dir`/lock, held for the engine's lifetime: a second engine on the
// same data directory is refused. Creates `dir` (and parents) when missing.
class DataDirLock {
 public:
  static std::unique_ptr<DataDirLock> Acquire(const std::string& dir, std::string* error);
  ~DataDirLock();
  DataDirLock(const DataDirLock&) = delete;
  DataDirLock& operator=(const DataDirLock&) = delete;

 private:
  explicit DataDirLock(int fd) : fd_(fd) {}
  int fd_;
};

// $XDG_STATE_HOME/shoal, else $HOME/.local/state/shoal ("" when neither is set).
std::string DefaultDataDir();

}  // namespace shoal::engine
