// The delivery engine: one engine thread owns the libtorrent session and every job's mutable
// state; public methods post work to it and wait for the answer. Job progress, state and
// source counters are published in JobView for lock-free reads from any thread.
// Thread-safe (every public method may be called from any thread but the engine thread's
// observer callback, which must only queue work elsewhere).
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "engine/clock.h"
#include "engine/hresult.h"
#include "engine/http_source.h"
#include "engine/job_cells.h"
#include "engine/mutex.h"
#include "engine/options.h"
#include "engine/peer_source.h"
#include "engine/seqlock.h"
#include "engine/types.h"

namespace shoal::engine {

// The published face of one job. Written by the engine thread only; read anywhere.
struct JobView : JobCells {
  explicit JobView(const Uuid& job_id) : id(job_id) {}

  const Uuid id;

  // Per-file records change rarely and are read off the hot path: a mutex is enough.
  FileProgress GetFileProgress(std::size_t index) const;
  SourceBytes GetFileSources(std::size_t index) const;
  std::size_t FileCount() const;

  // Engine side.
  mutable Mutex files_mu;
  std::vector<FileProgress> files GUARDED_BY(files_mu);
  std::vector<SourceBytes> file_sources GUARDED_BY(files_mu);
};

// Receives job events on the engine thread. Implementations must return quickly and must not
// call back into the Engine synchronously (queue the work to another thread instead).
class JobObserver {
 public:
  virtual ~JobObserver() = default;
  virtual void OnJobEvent(const Uuid& job, JobEvent event) = 0;
};

// The engine's narrow dependencies, replaceable by tests. Null members get the real thing.
struct EngineSeams {
  std::shared_ptr<const Clock> clock;       // retry delays, no-progress timeout, HTTP gate
  std::unique_ptr<HttpSource> http_source;  // plain-HTTP content (libcurl by default)
  // Where LAN peers come from beside the configured list and the swarm's own trackers and LSD
  // (peer discovery; none by default).
  std::vector<std::shared_ptr<PeerSource>> peer_sources;
};

class Engine {
 public:
  // Starts the engine thread and its libtorrent session. On failure returns null and says why.
  static std::unique_ptr<Engine> Start(const EngineOptions& options, JobObserver* observer,
                                       std::string* error, EngineSeams seams = {});
  ~Engine();  // stops transfers, joins the engine thread
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  // The BitTorrent endpoint actually bound, "ip:port".
  std::string ListenEndpoint() const;
  const EngineOptions& options() const;
  // What Start found wrong in the data directory (a corrupt database, jobs it could not
  // restore), one line each; empty when all was well. Also printed to stderr at start.
  std::string StartupWarnings() const;

  // Jobs. Each returns an HRESULT with Windows' value; see docs/api.md for which.
  hr::HResult CreateJob(const std::string& display_name, std::shared_ptr<const JobView>* job);
  // Null when unknown or in a final state (ACKNOWLEDGED, CANCELLED).
  std::shared_ptr<const JobView> FindJob(const Uuid& id) const;
  // Jobs not in a final state, in creation order.
  std::vector<std::shared_ptr<const JobView>> ListJobs() const;

  hr::HResult AddFiles(const Uuid& id, std::vector<FileSpec> files);  // all or none
  // Another portion of a TRANSFERRED job's file that has byte ranges (IDODownload::Start with
  // new ranges): `ranges` join its ranges, after them, and the job goes back to QUEUED to
  // fetch them. BG_E_INVALID_STATE unless TRANSFERRED; E_INVALIDARG for no ranges, a bad
  // index or a file without ranges; BG_E_INVALID_RANGE / BG_E_OVERLAPPING_RANGES as
  // AddFileWithRanges, checked with the ranges the file has.
  hr::HResult AddRanges(const Uuid& id, std::size_t file, std::vector<ByteRange> ranges);
  hr::HResult Resume(const Uuid& id);
  hr::HResult Suspend(const Uuid& id);
  hr::HResult Cancel(const Uuid& id);    // returns once temp files are gone
  hr::HResult Complete(const Uuid& id);  // returns once whole files are at their final names
  hr::HResult GetProperties(const Uuid& id, JobProperties* out) const;
  // `edit` runs on the engine thread against the live properties; a failed HRESULT leaves them
  // unchanged. Refused with BG_E_INVALID_STATE in a final state.
  hr::HResult SetProperties(const Uuid& id, const std::function<hr::HResult(JobProperties&)>& edit);
  hr::HResult GetFiles(const Uuid& id, std::vector<FileInfo>* out) const;
  // BG_E_ERROR_INFORMATION_UNAVAILABLE unless the job is in ERROR or TRANSIENT_ERROR.
  hr::HResult GetError(const Uuid& id, JobErrorInfo* out) const;

  // Serves content already on disk to peers: `metainfo` describes files under `dir`.
  // The pieces are checked first; returns once checking is done.
  hr::HResult AddSeed(const std::string& metainfo, const std::string& dir, std::string* error);
  // Stops serving what AddSeed was given for `dir` (the files stay). S_FALSE when nothing
  // seeded from `dir`.
  hr::HResult RemoveSeed(const std::string& dir);

  // Bytes of every torrent this engine had (seeds included) and the peers connected now.
  EngineStats GetStats() const;

  class Impl;

 private:
  explicit Engine(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace shoal::engine
