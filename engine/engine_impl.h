// Engine::Impl: the engine thread's state and its job logic. Everything here runs on the
// engine thread except Post/Call and the wakeup, which are thread-safe. Internal header.
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <set>
#include <thread>
#include <unordered_map>
#include <vector>

#include "engine/background_queue.h"
#include "engine/engine.h"
#include "engine/http_fetch.h"
#include "engine/job_state.h"
#include "engine/job_store.h"
#include "engine/progress.h"
#include "engine/range_fetch.h"
#include "engine/source_policy.h"
#include "engine/temp_files.h"
#include "engine/torrent_session.h"

namespace shoal::engine {

struct JobFile {
  FileSpec spec;
  std::string dir;
  std::string final_name;
  std::string temp_name;
  std::string temp_path() const { return dir + "/" + temp_name; }
  int torrent = -1;          // session key while libtorrent has it
  int tracked = -1;          // ProgressTracker torrent key
  bool fetching = false;     // metainfo sidecar fetch in flight
  bool temp_created = false;
  SourceBytes sources;
  SourceBytes sources_base;  // counted by an earlier engine run (restored from the store)
  bool restored = false;     // progress shown from the store until libtorrent re-checks
  // CDN pieces (cdn.cc): in flight, where the current run continues, when to try again.
  std::set<int> cdn_inflight;
  int cdn_cursor = -1;
  double cdn_retry_at_s = 0;
  double cdn_own_done_at_s = -1;  // when this peer ran out of CDN pieces of its own
  // Plain HTTP (no metainfo): the transfer in flight, a token that stale reports must match,
  // the bytes counted on disk and the most ever counted (only going past it is progress).
  bool http = false;
  std::unique_ptr<HttpTransfer> http_transfer;
  int http_attempt = 0;
  std::uint64_t http_bytes = 0;
  std::uint64_t http_high_water = 0;
  // Whole-file SHA-256 check (spec.sha256 set): running on the verifier, or passed.
  bool verifying = false;
  bool verified = false;
};

struct Job {
  std::shared_ptr<JobView> view;
  JobState state = JobState::kSuspended;
  JobProperties props;
  std::vector<JobFile> files;
  ProgressTracker tracker;
  std::optional<JobErrorInfo> error;
  HttpGate gate;
  bool cdn_unavailable = false;  // the CDN may serve pieces no connected peer has
  bool cdn_any = false;          // ... and pieces peers have too
  double queued_at_s = 0;
  int generation = 0;        // bumps on Suspend/Cancel: stale fetch results are dropped
  bool busy = false;         // Complete or Cancel in progress
  // Complete's intent is stored: its renames are under way, or finish at the next start.
  bool completing = false;
  std::uint64_t published_bytes = 0;
  bool progress_dirty = false;
  // DownloadDuration: seconds spent active before, and since when it is active now (-1: not).
  double active_s = 0;
  double active_since_s = -1;
  std::uint32_t peer_connections = 0;  // from the last tick
  bool persist_dirty = false;  // progress not yet in the store
  // BITS retry timers: the no-progress window opens at the first transient error and closes
  // on progress; a TRANSIENT_ERROR job re-queues at retry_at.
  std::optional<Clock::TimePoint> no_progress_since;
  Clock::TimePoint retry_at{};
};

struct UuidHash {
  std::size_t operator()(const Uuid& u) const {
    return std::hash<std::uint64_t>()((std::uint64_t{u.data1} << 32) ^ (u.data2 << 16) ^ u.data3 ^
                                      (std::uint64_t{u.data4[7]} << 40));
  }
};

class Engine::Impl {
 public:
  using Reply = std::function<void(hr::HResult)>;

  Impl(const EngineOptions& options, JobObserver* observer, std::shared_ptr<const Clock> clock);

  // Thread-safe. Runs `task` on the engine thread; false once the engine stopped.
  bool Post(std::function<void()> task);
  // Thread-safe. Runs `task` on the engine thread and waits for the reply it sends (once).
  hr::HResult Call(std::function<void(Reply)> task);
  void Wake();
  void Run();
  void Stop();

  // Engine thread from here on.
  Job* FindJob(const Uuid& id);
  hr::HResult CreateJob(const std::string& name, std::shared_ptr<const JobView>* out);
  hr::HResult AddFiles(Job& job, std::vector<FileSpec> specs);
  hr::HResult Resume(Job& job);
  hr::HResult Suspend(Job& job);
  void Cancel(Job& job, Reply reply);
  void Complete(Job& job, Reply reply);
  hr::HResult SetProperties(Job& job, const std::function<hr::HResult(JobProperties&)>& edit);
  template <typename Fn>
  void ForEachLiveJob(Fn fn) {
    for (auto& job : jobs_) {
      if (!IsFinal(job->state)) fn(*job);
    }
  }
  void AddSeed(const std::string& metainfo, const std::string& dir, Reply reply,
               std::string* error);

  EngineOptions options_;
  JobObserver* observer_;
  std::unique_ptr<TorrentSession> session_;
  std::unique_ptr<HttpFetcher> fetcher_;
  std::unique_ptr<RangeFetcher> ranges_;  // CDN pieces
  static constexpr int kCdnWorkers = 4;   // concurrent CDN requests, all jobs
  std::unique_ptr<HttpSource> http_;
  std::unique_ptr<BackgroundQueue> verifier_;  // whole-file SHA-256 checks
  const std::shared_ptr<const Clock> clock_;
  std::thread thread_;
  std::thread::id engine_thread_id_;
  // Durability (persist.cc); null without a data_dir.
  std::unique_ptr<DataDirLock> lock_;
  std::unique_ptr<JobStore> store_;
  TempFileLocks temp_locks_;  // without a store: the temp files that die with this engine
  std::string store_warnings_;
  // Engine thread: loads the stored jobs and resumes those BITS would resume.
  void Restore();

 private:
  void ProcessEvents();
  void Tick();
  void Shutdown();
  double NowS() const;
  std::int64_t WallNs() const;

  hr::HResult Apply(Job& job, JobAction action);
  void SetState(Job& job, JobState next);
  void Touch(Job& job);
  void Notify(Job& job, JobEvent event);
  void Publish(Job& job);
  void Schedule(Job& job);
  void StartFile(Job& job, int index);
  // Creates the file's temp file (kept if it exists) and returns it open for writing, or -1
  // after failing the job with a LOCAL_FILE error.
  int OpenTemp(Job& job, int index);
  void FetchMetainfo(Job& job, int index);
  void OnMetainfo(const Uuid& id, int index, int generation, FetchResult result);
  void Fail(Job& job, hr::HResult code, ErrorContext context, int file, std::string message);
  // A failure BITS retries: TRANSIENT_ERROR until MinimumRetryDelay passes, or ERROR once the
  // no-progress window exceeds NoProgressTimeout (at once when it is 0).
  void TransientError(Job& job, hr::HResult code, ErrorContext context, int file,
                      std::string message);
  // Records the error object, counts it and stops the job's sources.
  void RecordError(Job& job, hr::HResult code, ErrorContext context, int file,
                   std::string message);
  void RunTimers(Job& job);
  void NoteProgress(Job& job) { job.no_progress_since.reset(); }
  // Plain HTTP (http_jobs.cc).
  void StartHttp(Job& job, int index);
  void StopHttp(Job& job);
  void OnHttpHead(const Uuid& id, int index, int token, std::uint64_t size, bool restarted);
  void OnHttpBytes(const Uuid& id, int index, int token, std::uint64_t bytes);
  void OnHttpDone(const Uuid& id, int index, int token, std::uint64_t bytes, HttpOutcome outcome);
  JobFile* LiveHttpFile(const Uuid& id, int index, int token, Job** job);
  // Integrity (integrity.cc): whether a file is whole and, if it has an expected SHA-256,
  // verified; and the check itself, off the engine thread.
  bool FileReady(const Job& job, int index) const;
  void StartVerify(Job& job, int index);
  void OnVerified(const Uuid& id, int index, int generation, hr::HResult code,
                  std::string digest, std::string error);
  // Pauses torrents and stops HTTP transfers.
  void PauseTorrents(Job& job);
  // Removes every torrent of the job, then runs `then` (on the engine thread).
  void RemoveTorrents(Job& job, std::function<void()> then);
  // finish.cc: Complete once the job has no torrent: stores the intent, moves each ready
  // file into place (deleting the rest), then ACKNOWLEDGED (and seeding). Shared by Complete
  // and the roll-forward of a stored intent at start. S_OK, BG_S_PARTIAL_COMPLETE, or the
  // rename's error with the job left TRANSFERRED and still completing.
  hr::HResult FinishComplete(Job& job);
  void OnPiece(int key, int piece);
  void OnPieceFailed(int key, int piece);
  // cdn.cc: keeps each incomplete file's CDN requests topped up, as the job's mode allows.
  void PumpCdn(Job& job);
  void FetchCdnPiece(Job& job, int index, int piece);
  void OnCdnPiece(const Uuid& id, int index, int piece, int generation, int key, FetchResult r);
  void OnRemoved(int key);
  // bandwidth.cc: a file's download rate cap in bytes/s (0 = none) from the job's priority
  // class, its share of the class and foreground precedence; and its application to the
  // job's torrents (the HTTP paths read RateFor when they start a request).
  std::uint64_t RateFor(const Job& job) const;
  void ApplyRates(Job& job);

  // persist.cc: writes the job (removes it once ACKNOWLEDGED; a CANCELLED one is removed by
  // Cancel once its temp files are gone); progress every persist interval.
  void Persist(Job& job);
  void Unstore(Job& job);  // removes the job from the store
  void PersistProgress();
  // Rebuilds a stored job; returns it when it holds Complete's intent (for RollForward),
  // else starts it as BITS would (StartRestored) and returns null.
  Job* RestoreJob(StoredJob stored);
  void RollForward(Job& job);
  void StartRestored(Job& job);
  // Whether a job last modified at `modification_ns` has outlived job_inactivity_timeout_s.
  bool Inactive(JobState state, std::int64_t modification_ns) const;
  void CancelInactive();
  double last_persist_s_ = 0;
  // seed_cache.cc: finished content served to peers, within DOMaxCacheAge and
  // DOAbsoluteMaxCacheSize. RestoreSeeds serves again what the store holds; ServeSeed records
  // (and stores) a file Complete just seeded as session torrent `key`; ApplyCacheLimits stops
  // serving what is past the limits (the file stays), CheckCacheLimits does so once a minute.
  void RestoreSeeds();
  void ServeSeed(int key, const std::string& metainfo, const std::string& dir,
                 const std::string& file_name);
  void ApplyCacheLimits();
  void CheckCacheLimits();
  struct CachedSeed {
    int key = -1;
    std::string dir;
    std::string file_name;
    std::int64_t added_ns = 0;
  };
  std::vector<CachedSeed> cached_;  // oldest first
  double last_cache_check_s_ = 0;

  // resume.cc: resume data of job files' torrents and stored seeds (decision 0006).
  struct ResumeTarget {
    std::string path;  // the file the data describes
    // As it was when the data was asked for; none: taken when it arrives (paused torrent).
    std::optional<FileStamp> stamp;
    bool dirty = true;
    bool pending = false;
  };
  std::unordered_map<int, ResumeTarget> resume_;  // by session key
  std::uint32_t checks_resumed_ = 0;  // torrents started from resume data
  std::uint32_t checks_hashed_ = 0;   // torrents whose files were hashed
  // The stored resume data for `path` if it still matches the file, else "".
  std::string ResumeFor(const std::string& path);
  void KeepResume(int key, std::string path);
  void ForgetResume(const std::string& path);
  void NoteResumeChange(int key);
  // Asks for the resume data of every changed torrent (all, paused, when `quiescent`).
  void SaveResume(bool quiescent);
  void OnResumeData(const TorrentEvent& ev);
  void SaveResumeForShutdown();

 public:
  EngineStats Stats();

 private:

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> tasks_;
  bool alerts_pending_ = false;
  bool stop_ = false;
  bool stopped_ = false;

  std::vector<std::unique_ptr<Job>> jobs_;  // creation order, final jobs included
  std::unordered_map<Uuid, Job*, UuidHash> by_id_;
  struct TorrentOwner {
    Job* job = nullptr;  // null for seeds
    int file = -1;
  };
  std::unordered_map<int, TorrentOwner> owners_;
  std::unordered_map<int, std::function<void()>> on_removed_;
  struct PendingSeed {
    Reply reply;
    std::string* error;
  };
  std::unordered_map<int, PendingSeed> pending_seeds_;
  Clock::TimePoint start_;
  double last_reconnect_s_ = 0;
  std::mt19937_64 rng_{std::random_device{}()};
};

}  // namespace shoal::engine
