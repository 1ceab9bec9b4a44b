// JobControl: what the engine's components (the CDN pump, plain-HTTP transfers, integrity
// checks) may ask of the job logic — find a job, post work to the engine thread, report
// progress or a failure, schedule a job's next step. Engine::Impl implements it; unit tests
// use a recording fake. Engine-thread only, except Post.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "engine/hresult.h"
#include "engine/types.h"

namespace shoal::engine {

struct Job;

class JobControl {
 public:
  virtual ~JobControl() = default;
  // Null when the id is unknown.
  virtual Job* FindJob(const Uuid& id) = 0;
  // Thread-safe: runs `task` on the engine thread; false once the engine stopped.
  virtual bool Post(std::function<void()> task) = 0;
  // Seconds on the engine's clock.
  virtual double NowS() const = 0;
  // ERROR (JobError) / TRANSIENT_ERROR, by the BITS rules (retry.cc).
  virtual void Fail(Job& job, hr::HResult code, ErrorContext context, int file,
                    std::string message) = 0;
  virtual void TransientError(Job& job, hr::HResult code, ErrorContext context, int file,
                              std::string message) = 0;
  // Bytes arrived: the view is published and a QUEUED or CONNECTING job starts TRANSFERRING;
  // when they are `new_bytes` (never had before) the no-progress window closes too.
  virtual void Progressed(Job& job, bool new_bytes) = 0;
  // The view again, without new bytes (a size learned, a count reset).
  virtual void Publish(Job& job) = 0;
  // The job's next step: start what can start, or TRANSFERRED when every file is ready.
  virtual void Schedule(Job& job) = 0;
  // The job's download rate cap in bytes/s (0 = none), bandwidth.h.
  virtual std::uint64_t RateFor(const Job& job) const = 0;
  // The whole-file SHA-256 check of file `index` (integrity.cc) passed: content discovery
  // may answer for it (decision 0016).
  virtual void WholeFileVerified(Job& job, int index) {}
  // It failed: true when the job logic recovers (metainfo from a LAN holder is dropped, the
  // holder banned, the file fetched again from the CDN); false: the job fails as before.
  virtual bool WholeFileMismatched(Job& job, int index) { return false; }
};

}  // namespace shoal::engine
