// IntegrityChecker: the expected SHA-256 of a whole file (FileSpec::sha256). A file with one
// is ready only once the digest of its temp file matched; the hashing runs on a background
// queue of its own and the result comes back as a task, dropped when the job's generation moved
// on. A mismatch fails the job with BG_E_VALIDATION_FAILED and the file is never exposed.
// Owns each file's IntegrityState (below) and the queue. Engine-thread only, but the queue.
#pragma once

#include <memory>
#include <string>

#include "engine/background_queue.h"
#include "engine/hresult.h"
#include "engine/types.h"

namespace shoal::engine {

struct Job;
class JobControl;

struct IntegrityState {
  bool verifying = false;  // the check is running
  bool verified = false;   // the check passed
};

class IntegrityChecker {
 public:
  explicit IntegrityChecker(JobControl& control);
  ~IntegrityChecker();  // gives up the running check, drops queued ones

  // Starts the check of a whole file that has an expected SHA-256.
  void Start(Job& job, int index);
  // Stops the queue (engine shutdown); later Starts do nothing.
  void Shutdown();

 private:
  void OnResult(const Uuid& id, int index, int generation, hr::HResult code, std::string digest,
                std::string error);

  JobControl& control_;
  std::unique_ptr<BackgroundQueue> queue_;
};

}  // namespace shoal::engine
