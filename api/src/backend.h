// Backend: the one interface the facade's COM objects talk to, with a JobHandle per job for
// the lock-free reads and BackendEvents for the events it pushes. Implemented in process over
// the engine (in_process_backend.h) and, later, by the client of the machine-wide service, so
// only values cross it. Implementations are thread-safe; so are JobHandle's reads.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "engine/job_cells.h"
#include "engine/seqlock.h"
#include "engine/types.h"

namespace shoal::api {

// The value types that cross the seam: plain data, shared with the engine.
using engine::EngineStats;
using engine::ErrorContext;
using engine::FileInfo;
using engine::FileProgress;
using engine::FileSpec;
using engine::IsFinal;
using engine::JobActivity;
using engine::JobErrorInfo;
using engine::JobEvent;
using engine::JobProgress;
using engine::JobProperties;
using engine::JobState;
using engine::JobTimes;
using engine::Priority;
using engine::SeqLocked;
using engine::SourceBytes;
using engine::Uuid;

// Where a job's figures are published (engine/job_cells.h): one writer (the engine thread; for
// the service, the service writing a page it shares with the client), read from any thread
// without a lock.
using engine::JobCells;

// The published face of one job, safe to read from any thread. The job-wide figures are O(1)
// lock-free reads of its JobCells, not virtual calls: GetProgress is polled in tight loops
// (tests/bench/progress_bench). In process the cells are the engine's JobView; a service
// client maps them from memory the service shares, so no read is a call to the other process.
// Per-file records change rarely and are read off the hot path: those are virtual.
class JobHandle {
 public:
  virtual ~JobHandle() = default;

  const Uuid& id() const { return id_; }
  JobState State() const { return Cells().state.load(); }
  JobProgress Progress() const { return Cells().progress.Load(); }
  JobTimes Times() const { return Cells().times.Load(); }
  SourceBytes Sources() const { return Cells().sources.Load(); }
  JobActivity Activity() const { return Cells().activity.Load(); }
  std::uint32_t ErrorCount() const { return Cells().error_count.load(std::memory_order_relaxed); }
  // Per file, by index in AddFile order; a default record past the end.
  virtual std::size_t FileCount() const = 0;
  virtual FileProgress GetFileProgress(std::size_t index) const = 0;
  virtual SourceBytes GetFileSources(std::size_t index) const = 0;

 protected:
  // `cells` must outlive the handle (the implementation owns what holds them).
  JobHandle(const Uuid& id, const JobCells* cells) : id_(id), cells_(cells) {}
  // Reads go to `cells` from now on (a service client's job whose page slot moved: the service
  // restarted, or the job left the queue). The cells read before must stay valid for the
  // handle's life: a reader may still be in them.
  void Repoint(const JobCells* cells) const { cells_.store(cells, std::memory_order_release); }

 private:
  const JobCells& Cells() const { return *cells_.load(std::memory_order_acquire); }

  const Uuid id_;
  mutable std::atomic<const JobCells*> cells_;
};

// One job event, as a value.
struct BackendEvent {
  Uuid job;
  JobEvent kind = JobEvent::kModification;
};

// Where a backend pushes job events. Called on a thread of the backend's (the engine thread,
// a socket reader): implementations must only queue the event and must not call the backend.
class BackendEvents {
 public:
  virtual ~BackendEvents() = default;
  virtual void OnJobEvent(const BackendEvent& event) = 0;
};

// A change to a job's properties: the fields set are replaced, the others kept. An empty patch
// changes nothing but still counts as a modification (ModificationTime moves), and is refused
// with BG_E_INVALID_STATE in a final state, like every patch.
struct JobPropertiesPatch {
  std::optional<std::string> display_name;
  std::optional<std::string> description;
  std::optional<Priority> priority;
  std::optional<std::uint32_t> notify_flags;
  std::optional<std::uint32_t> minimum_retry_delay_s;
  std::optional<std::uint32_t> no_progress_timeout_s;
  std::optional<std::int32_t> proxy_usage;
  std::optional<std::string> proxy_list;
  std::optional<std::string> proxy_bypass_list;
  // Set only by the machine-wide service from the caller's SO_PEERCRED uid (a job's creator,
  // or TakeOwnership); never read from a client's request (decision 0010).
  std::optional<std::int64_t> owner_uid;
  std::optional<std::string> notify_program;
  std::optional<std::string> notify_parameters;
  std::optional<std::string> custom_headers;
  std::optional<std::uint32_t> security_flags;
  std::optional<std::uint32_t> file_acl_flags;
  std::optional<std::uint32_t> peer_caching_flags;
  std::optional<std::uint32_t> maximum_download_time_s;
  std::optional<std::uint32_t> cost_flags;
  std::optional<std::string> notification_clsid;
};

// What a backend does with a patch where it is applied (it cannot trust the caller's checks:
// a service's client is another process). E_INVALIDARG, leaving `props` unchanged, when the
// result breaks a limit of docs/api.md; otherwise `props` is patched and S_OK returned.
hr::HResult ApplyPatch(const JobPropertiesPatch& patch, JobProperties* props);

// Every call returns an HRESULT with Windows' value (see docs/api.md for which); a job that is
// unknown, or final and so out of the queue, is BG_E_NOT_FOUND.
class Backend {
 public:
  virtual ~Backend() = default;

  // The BitTorrent endpoint bound, "ip:port".
  virtual std::string ListenEndpoint() const = 0;

  virtual hr::HResult CreateJob(const std::string& display_name,
                                std::shared_ptr<const JobHandle>* job) = 0;
  // Null when unknown or final.
  virtual std::shared_ptr<const JobHandle> FindJob(const Uuid& id) const = 0;
  // Jobs not in a final state, in creation order: the caller's, or every user's when
  // `all_users` (BG_JOB_ENUM_ALL_USERS; the service refuses it but to root). An in-process
  // engine holds one user's jobs, so there the two lists are the same.
  virtual std::vector<std::shared_ptr<const JobHandle>> ListJobs(bool all_users) const = 0;

  virtual hr::HResult AddFiles(const Uuid& id, std::vector<FileSpec> files) = 0;  // all or none
  // Engine::AddRanges: another portion of a TRANSFERRED file with ranges.
  virtual hr::HResult AddRanges(const Uuid& id, std::size_t file,
                                std::vector<engine::ByteRange> ranges) = 0;
  virtual hr::HResult Resume(const Uuid& id) = 0;
  virtual hr::HResult Suspend(const Uuid& id) = 0;
  // Each returns once done: temp files gone; whole files at their final names. The job's
  // state reads final through its handle before either returns.
  virtual hr::HResult Cancel(const Uuid& id) = 0;
  virtual hr::HResult Complete(const Uuid& id) = 0;
  virtual hr::HResult GetProperties(const Uuid& id, JobProperties* out) const = 0;
  // Applies the patch with ApplyPatch; a failure changes nothing.
  virtual hr::HResult SetProperties(const Uuid& id, const JobPropertiesPatch& patch) = 0;
  virtual hr::HResult GetFiles(const Uuid& id, std::vector<FileInfo>* out) const = 0;
  // BG_E_ERROR_INFORMATION_UNAVAILABLE unless the job is in ERROR or TRANSIENT_ERROR.
  virtual hr::HResult GetError(const Uuid& id, JobErrorInfo* out) const = 0;

  // Serves content already on disk to peers: `metainfo` describes files under `dir`.
  virtual hr::HResult AddSeed(const std::string& metainfo, const std::string& dir,
                              std::string* error) = 0;
  // Stops serving what AddSeed was given for `dir`; E_NOTIMPL where the backend cannot.
  virtual hr::HResult RemoveSeed(const std::string& dir) { return hr::kNotImpl; }
  virtual EngineStats GetStats() const = 0;
};

}  // namespace shoal::api
