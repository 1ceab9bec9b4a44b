// DurableJobs: jobs that outlive the process (decision 0005). Owns the data directory's lock,
// the JobStore, the list of temp files it gave jobs (decision 0020), and when progress was
// last saved: each job is written at every state and
// property change and its progress every persist interval; at start the stored jobs are read
// back and rebuilt (progress shown from the store until the swarm re-checks the temp file;
// plain-HTTP files continue from their length on disk, ranged ones from their recorded
// chunks that still match). The job logic decides what a rebuilt
// job does next. Engine-thread only (Open before the engine thread starts).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "engine/clock.h"
#include "engine/job_store.h"
#include "engine/options.h"
#include "engine/temp_files.h"

namespace shoal::engine {

struct Job;
class ResumeBook;

class DurableJobs {
 public:
  // Locks `options.data_dir` and opens its store; null with *error on failure.
  static std::unique_ptr<DurableJobs> Open(const EngineOptions& options, const Clock& clock,
                                           std::string* error);

  JobStore* store() { return store_.get(); }
  // What opening and loading found wrong, one line each (printed at start too).
  std::string& warnings() { return warnings_; }

  // Writes the job (removes it once ACKNOWLEDGED; a CANCELLED one stays until Remove), its
  // temp files listed first.
  void Put(Job& job);
  // Removes the job and the resume data of its temp files.
  void Remove(Job& job, ResumeBook& resume);
  // True once per persist interval (`now_s` on the engine clock): time to save progress.
  bool ProgressDue(double now_s);

  // The stored jobs to restore: those inactive too long, and Cancels a crash interrupted, are
  // finished here (temp files deleted, rows removed) and not returned. Listed temp files that
  // no returned job claims (their rows lost with a corrupt jobs.db) are deleted.
  std::vector<StoredJob> Load();
  // A stored job as the engine holds it. `now` values come from the engine clock.
  std::unique_ptr<Job> Rebuild(StoredJob stored);

 private:
  DurableJobs(const EngineOptions& options, const Clock& clock)
      : options_(options), clock_(clock) {}

  const EngineOptions& options_;
  const Clock& clock_;
  std::unique_ptr<DataDirLock> lock_;
  std::unique_ptr<JobStore> store_;
  TempFileList temps_;
  std::string warnings_;
  double last_progress_s_ = 0;
};

// Whether a job last modified at `modification_ns` has outlived job_inactivity_timeout_s at
// `now_ns` (wall time): unfinished jobs are cancelled then, as DO does after 30 days.
bool InactiveTooLong(const EngineOptions& options, JobState state, std::int64_t modification_ns,
                     std::int64_t now_ns);

}  // namespace shoal::engine
