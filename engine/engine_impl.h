// Engine::Impl: the job logic and the dispatcher over the engine's components. It owns them
// and their wiring; the state lives in them: the thread and its queue (TaskLoop), the jobs
// (JobTable, each Job's fields owned as job.h says), the swarm (Swarm), the CDN pump, plain
// HTTP, integrity checks, resume data, the seed cache and the durable store. Everything here
// runs on the engine thread except what TaskLoop says is thread-safe. Internal header.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <tuple>
#include <unordered_map>
#include <utility>
#include <vector>

#include "engine/cache_hosts.h"
#include "engine/cdn_pump.h"
#include "engine/content_discovery.h"
#include "engine/dns_sd.h"
#include "engine/durable_jobs.h"
#include "engine/engine.h"
#include "engine/http_fetch.h"
#include "engine/http_transfers.h"
#include "engine/integrity.h"
#include "engine/job.h"
#include "engine/job_control.h"
#include "engine/job_table.h"
#include "engine/range_fetch.h"
#include "engine/ranged_http.h"
#include "engine/resume_book.h"
#include "engine/seed_cache.h"
#include "engine/swarm.h"
#include "engine/task_loop.h"
#include "engine/temp_files.h"
#include "engine/transfers.h"

namespace shoal::engine {

class Engine::Impl final : public JobControl {
 public:
  using Reply = TaskLoop::Reply;

  Impl(const EngineOptions& options, JobObserver* observer, std::shared_ptr<const Clock> clock);
  // Builds the components and starts the engine thread (which restores stored jobs first).
  bool Start(EngineSeams seams, std::string* error);
  // Stops the thread, then the workers (their late results are dropped).
  void Stop();
  // The engine-thread rule, checked: logs and aborts unless called on the engine thread.
  // Cheap (a thread-id compare); at the entry of the mutators, naming the caller.
  void AssertEngineThread(const char* where) const;

  // The public Engine methods' bodies, on the engine thread (jobs.cc, finish.cc).
  hr::HResult CreateJob(const std::string& name, std::shared_ptr<const JobView>* out);
  hr::HResult AddFiles(Job& job, std::vector<FileSpec> specs);
  hr::HResult AddRanges(Job& job, std::size_t index, std::vector<ByteRange> more);  // add_ranges.cc
  hr::HResult Resume(Job& job);
  hr::HResult Suspend(Job& job);
  void Cancel(Job& job, Reply reply);
  void Complete(Job& job, Reply reply);
  hr::HResult SetProperties(Job& job, const std::function<hr::HResult(JobProperties&)>& edit);
  void AddSeed(const std::string& metainfo, const std::string& dir, Reply reply,
               std::string* error);
  hr::HResult RemoveSeed(const std::string& dir);
  EngineStats Stats();

  // JobControl, for the components.
  Job* FindJob(const Uuid& id) override { return jobs_.Find(id); }
  bool Post(std::function<void()> task) override { return loop_.Post(std::move(task)); }
  double NowS() const override;
  void Fail(Job& job, hr::HResult code, ErrorContext context, int file,
            std::string message) override;
  void TransientError(Job& job, hr::HResult code, ErrorContext context, int file,
                      std::string message) override;
  void Progressed(Job& job, bool new_bytes) override;
  void Publish(Job& job) override;
  void Schedule(Job& job) override;
  std::uint64_t RateFor(const Job& job) const override;
  void WholeFileVerified(Job& job, int index) override;    // lan_metainfo.cc
  bool WholeFileMismatched(Job& job, int index) override;  // lan_metainfo.cc

  const EngineOptions options_;
  TaskLoop loop_;
  JobTable jobs_;
  std::unique_ptr<Swarm> swarm_;
  std::unique_ptr<DurableJobs> durable_;  // null without a data_dir

 private:
  // The loop's hooks (engine.cc): stored jobs back at start, swarm events, the 250 ms tick.
  void Restore();
  void ProcessEvents();
  void OnSwarmError(const TorrentEvent& ev);
  void Tick();
  void Shutdown();

  // Lifecycle (jobs.cc).
  hr::HResult Apply(Job& job, JobAction action);
  void SetState(Job& job, JobState next);
  void Touch(Job& job);
  void Notify(Job& job, JobEvent event);
  void Persist(Job& job);
  void StartFile(Job& job, int index);
  // No peer can come: none configured, no tracker, no peer source, none connected, the
  // metainfo's trackers answered without naming any (or failed), and LSD (when on) silent for
  // kLsdWindowS since the job was queued.
  bool Lone(const Job& job) const;
  bool NoPeerInSight(const Job& job) const;  // Lone's conditions but LSD's window
  // LSD runs and the job is younger than its window. With no peer in sight meanwhile the job
  // is listening: the CDN serves 256 KiB at a time (decision 0021), so a client with no peer
  // does not idle and a site's clients starting together fetch little from the origin before
  // LSD has connected them.
  bool InLsdWindow(const Job& job) const;
  // Also how long found peers get to connect before they share the CDN's pieces (Found).
  static constexpr double kLsdWindowS = 0.5;
  static constexpr double kNamedPeersWaitS = 2.0;
  // Lone, and no peer can ever come: LSD does not run and no torrent of the job has a tracker
  // (nothing announces this client anywhere). The CDN then streams each file's rest.
  bool Solitary(const Job& job) const;
  // Peers are found: some are connected, the metainfo's trackers have answered and
  // kLsdWindowS has passed since the job was queued (decision 0018), every peer past its TCP
  // connect has told what it has (TorrentStats::settled), and as many peers as are configured
  // have done so or kNamedPeersWaitS has passed.
  bool Found(const Job& job) const;
  // A torrent of the job still waits for its trackers' first answers or the peers they named.
  bool Discovering(const Job& job) const;
  // Creates the file's temp file (kept if it exists) and returns it open for writing, or -1
  // after failing the job with a LOCAL_FILE error.
  int OpenTemp(Job& job, int index);
  void FetchMetainfo(Job& job, int index);
  void OnMetainfo(const Uuid& id, int index, int generation, FetchResult result);
  // The file whose metainfo fetch an answer ends, its `fetching` cleared; null (and the
  // answer dropped) when the job is gone, inactive or moved on, or nothing was fetched.
  JobFile* Fetched(const Uuid& id, int index, int generation, Job** job);
  // Metainfo in hand for file `index` (a sidecar's, a cache node's): checked and adopted, the
  // file scheduled. False, the job failed unless `ahead`, when it does not fit. `source`
  // names it in errors.
  bool AdoptMetainfo(Job& job, int index, std::string metainfo, bool ahead,
                     const std::string& source, std::string* error);

  // The site's cache node (cache_client.cc, docs/cache.md "Clients"): asks the first node
  // that answers for a plain URL's signed metainfo. False when no node is asked (none
  // configured or left, no key, asked already): the sidecar is then fetched as before.
  bool AskCacheNode(Job& job, int index);
  void OnNodeMetainfo(const Uuid& id, int index, int generation, const std::string& host,
                      FetchResult result);
  void LoadCacheKey();
  // A file whose URL has no sidecar: metainfo from a cache node (found by now), else from a
  // LAN holder, else plain HTTP.
  void NoPublishedMetainfo(Job& job, int index);
  // Cache nodes found over DNS-SD (cache_client.cc, decision 0019), where no cache_host is
  // set: StartCacheDiscovery browses; a file's metainfo waits for the first answers
  // (AwaitCacheDiscovery, at most kCacheDiscoveryWait after the engine started) so that a
  // job made at once still asks a node found; OnCacheNodeFound takes a node into
  // cache_hosts_ when it is on the local network and announces the configured key.
  // The wait is only where the sidecar is missing, the one case a node's metainfo serves.
  bool CacheDiscoveryWanted() const;
  void StartCacheDiscovery();
  bool AwaitCacheDiscovery(Job& job, int index);
  void OnCacheNodeFound(const CacheNodeAd& ad);
  void OnCacheDiscoverySettled();
  std::unique_ptr<DnsSdBrowser> dns_sd_;
  bool cache_discovery_waiting_ = false;  // engine thread (set before it starts)
  std::vector<std::tuple<Uuid, int, int>> cache_discovery_waiters_;  // id, file, generation
  std::vector<std::pair<std::string, std::string>> cache_discovery_ranges_;
  std::string cache_key_fingerprint_;  // PublicKeyFingerprint(cache_key_pem_)
  std::chrono::steady_clock::time_point cache_discovery_deadline_;
  // mDNS answers a shared record within 20-120 ms (RFC 6762 6.3); Avahi's ALL_FOR_NOW comes at
  // ~1 s, too late for a lone `shoal get` to wait for.
  static constexpr std::chrono::milliseconds kCacheDiscoveryWait{400};

  // Content discovery by hash (lan_metainfo.cc, decision 0016). StartDiscovery: the component,
  // where the settings let it run. AskLan: asks the LAN for the metainfo of a file with a
  // SHA-256 and no published metainfo; false when it is not asked (then plain HTTP).
  void StartDiscovery();
  bool AskLan(Job& job, int index);
  void OnLanMetainfo(const Uuid& id, int index, int generation, DiscoveryFound found);
  std::unique_ptr<ContentDiscovery> discovery_;
  void OnPiece(int key, int piece);
  // Adds an event's bytes to the ledger of the job file owning torrent `key`.
  void CountBytes(int key, const SourceBytes& bytes);
  void OnPieceFailed(int key, int piece);
  // Pauses torrents and stops HTTP and CDN transfers.
  void PauseTorrents(Job& job);

  // Errors and retry timers (job_errors.cc): records the error object, counts it and stops
  // the job's sources; RunTimers retries a TRANSIENT_ERROR job or times it out.
  void RecordError(Job& job, hr::HResult code, ErrorContext context, int file, std::string message);
  void RunTimers(Job& job);

  // Endings (finish.cc). RemoveTorrents runs `then` once the swarm let go of every torrent of
  // the job. FinishComplete stores Complete's intent, moves each ready file into place
  // (deleting the rest), then ACKNOWLEDGED (and seeding); shared by Complete and the
  // roll-forward of a stored intent at start.
  void RemoveTorrents(Job& job, std::function<void()> then);
  void OnRemoved(int key);
  hr::HResult FinishComplete(Job& job);
  void RollForward(Job& job);
  void StartRestored(Job& job);
  void CancelInactive();

  // One content, one transfer (shared_transfers.cc, decision 0013). Follow: whether file
  // `index` follows another job file's transfer of its content (or waits for one to be handed
  // over) instead of starting its own. Mirror: the followers of the job's files catch up with
  // it. Reelect: a stopping leader hands its unfinished transfers to an active follower.
  // FromSeed: content the engine still seeds after Complete is copied for a new leader.
  // TakeShared: Complete's copies of the followed files; LeaveTransfers: Cancel or Complete
  // passes what the job leads on. ShareError: the transfer's error reaches its followers.
  bool Follow(Job& job, int index);
  bool Sync(Job& leader, int leader_file, Job& job, int index);
  void Mirror(Job& leader);
  void Reelect(Job& job);
  void Handover(Transfers::Transfer& t, FileRef to);  // by value: `to` may be in t.followers
  void HandedOver(const std::string& key, const FileRef& to, const std::string& src);
  // A leader with byte ranges has them all (Satisfied) while `to` wants more of the content:
  // `to` leads from a copy of its file, and the old leader leaves the transfer.
  bool Satisfied(const Job& leader, int file) const;
  void PassOn(Transfers::Transfer& t, FileRef to);  // by value: `to` is in t.followers
  // Admit: whether a plain-HTTP file may follow the transfer of its URL (`key`, which may
  // become its version's), by the origin's validator (decision 0017); ProbeValidator asks it.
  enum class Admission { kJoin, kWait, kAlone };
  Admission Admit(Job& job, int index, std::string* key);
  void ProbeValidator(Job& job, int index);
  bool FromSeed(Job& job, int index);
  // FromSeed's way when the seed's file is known good: copied, counted whole, seed kept.
  bool CopyVerifiedSeed(Job& job, int index, const std::string& info_hash);
  hr::HResult TakeShared(Job& job);
  void LeaveTransfers(Job& job, bool completing);
  void ShareError(Job& job, hr::HResult code, ErrorContext context, int file,
                  const std::string& message, bool transient);
  void UpdateLeadPriorities();
  Transfers transfers_;
  std::vector<FileRef> admitting_;  // plain files waiting for a validator (Admit), each once
  void Waiting(const FileRef& ref, bool waits);

  JobObserver* const observer_;
  const std::shared_ptr<const Clock> clock_;
  const Clock::TimePoint start_;
  std::unique_ptr<HttpFetcher> fetcher_;  // metainfo sidecars
  std::unique_ptr<RangeFetcher> ranges_;  // CDN pieces
  // The cache nodes' metainfo: their answer waits for the node's origin fill.
  std::unique_ptr<HttpFetcher> node_fetcher_;
  static constexpr std::uint32_t kNodeFillWaitS = 120;  // what the node is asked to wait
  std::unique_ptr<CacheHosts> cache_hosts_;
  std::string cache_key_pem_;            // the node's public key ("" = its metainfo is not used)
  static constexpr int kCdnWorkers = 4;  // concurrent CDN requests, all jobs
  std::unique_ptr<HttpSource> http_source_;
  std::unique_ptr<ResumeBook> resume_;
  std::unique_ptr<SeedCache> seeds_;
  std::unique_ptr<CdnPump> cdn_;
  std::unique_ptr<HttpTransfers> http_;
  std::unique_ptr<RangedHttp> ranged_;  // plain HTTP with byte ranges
  std::unique_ptr<IntegrityChecker> integrity_;
  // Without a data_dir: the temp files that die with this engine, held under flock so a later
  // engine can tell a killed one's leftovers (temp_files.h).
  TempFileLocks temp_locks_;

  // Peer discovery (EngineSeams::peer_sources): asked when a job file joins the swarm and at
  // each reconnect round.
  std::vector<std::shared_ptr<PeerSource>> peer_sources_;
  void DialSourcedPeers(int key);

  // Torrents on their way out of the swarm, and AddSeed calls waiting for their check.
  std::unordered_map<int, std::function<void()>> on_removed_;
  struct PendingSeed {
    Reply reply;
    std::string* error;
  };
  std::unordered_map<int, PendingSeed> pending_seeds_;
  std::unordered_map<std::string, int> added_seeds_;  // AddSeed's dir -> session key
  double last_reconnect_s_ = 0;
};

}  // namespace shoal::engine
