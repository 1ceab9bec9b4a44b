// Job and JobFile: one job's state on the engine thread. Each group of fields is owned by the
// component named beside it, which is the only code that changes it; the rest (identity,
// lifecycle, progress) is the job logic's (engine.cc, jobs.cc, finish.cc). Readers on other
// threads see only `view`. Engine-thread only.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "engine/cache_hosts.h"
#include "engine/cdn_pump.h"
#include "engine/engine.h"
#include "engine/http_transfers.h"
#include "engine/integrity.h"
#include "engine/job_state.h"
#include "engine/progress.h"
#include "engine/ranged_http.h"
#include "engine/retry_timers.h"

namespace shoal::engine {

// A file's content discovery by hash: asked once; the holder whose metainfo it took (its
// BitTorrent endpoint, dialled when the torrent starts, and its address, banned on a mismatch).
struct LanFileState {
  bool asked = false;
  std::string peer;
  std::string holder_ip;
};

struct JobFile {
  FileSpec spec;
  std::string dir;
  std::string final_name;
  std::string temp_name;
  std::string temp_path() const { return dir + "/" + temp_name; }
  bool temp_created = false;
  // The swarm side (jobs.cc): the session's key while it has the torrent, the
  // ProgressTracker's key for it, a sidecar fetch in flight, progress shown from the store
  // until the session has checked the temp file again.
  int torrent = -1;
  int tracked = -1;
  bool fetching = false;
  bool prefetched = false;  // its sidecar was fetched ahead of its turn (once)
  bool restored = false;
  // The file's one byte ledger: verified bytes by source and bytes uploaded, from its
  // torrent's events (or HTTP), restored from the store across runs.
  SourceBytes sources;
  CdnFileState cdn;          // cdn_pump.cc
  CacheFileState cache;      // cache_client.cc, cdn_pump.cc: the site's cache node
  HttpFileState http;        // http_transfers.cc
  RangedHttpState ranged;    // ranged_http.cc: plain HTTP with byte ranges
  IntegrityState integrity;  // integrity.cc
  LanFileState lan;          // lan_metainfo.cc: content discovery by hash (decision 0016)
  // shared_transfers.cc: while this file follows another job's file of the same content
  // (decision 0013), that file's temp file, where the bytes are; "" while it has its own.
  std::string content_at;
  std::string data_path() const { return content_at.empty() ? temp_path() : content_at; }
  // shared_transfers.cc, plain HTTP (decision 0017): a file that would follow a transfer of
  // its URL first asks the origin for the content's validator (a HEAD), and shares only when
  // it is the leader's response's; when they differ its key names its own validator
  // (`own_key`), and when even that does not match, or nothing names the content, it fetches
  // alone.
  enum class Probe { kNone, kAsking, kDone };
  Probe probe = Probe::kNone;
  std::string probed;  // the HEAD's validator ("" when it said nothing or failed)
  bool own_key = false;
  bool alone = false;
  // Its temp file came with verified bytes (taken over from a leader, or copied from a seed):
  // no CDN piece goes to its torrent before the swarm's check of them (pieces handed over
  // while the torrent checks are lost), until kChecked.
  bool awaiting_check = false;
};

struct Job {
  std::shared_ptr<JobView> view;
  JobState state = JobState::kSuspended;
  JobProperties props;
  std::vector<JobFile> files;
  ProgressTracker tracker;
  std::optional<JobErrorInfo> error;
  CdnJobState cdn;   // cdn_pump.cc: whether the CDN may serve pieces now
  RetryState retry;  // retry_timers.cc: the no-progress window and the next retry
  double queued_at_s = 0;
  int generation = 0;  // bumps on Suspend/Cancel/errors: stale results are dropped
  bool busy = false;   // Complete or Cancel in progress
  // Complete's intent is stored: its renames are under way, or finish at the next start.
  bool completing = false;
  std::uint64_t published_bytes = 0;
  bool progress_dirty = false;  // progress moved since the last tick's modification event
  bool persist_dirty = false;   // progress not yet in the store
  // DownloadDuration: seconds spent active before, and since when it is active now (-1: not).
  double active_s = 0;
  double active_since_s = -1;
  // MaximumDownloadTime (IBackgroundCopyJob4) counts active time since the caller's last
  // Resume: ActiveSeconds at that Resume.
  double active_at_resume_s = 0;
  std::uint32_t peer_connections = 0;  // from the last tick
  // shared_transfers.cc: a FOREGROUND job follows one of this job's files, so the transfer
  // this job leads runs as foreground (the highest priority of its jobs wins).
  bool leads_foreground = false;
};

// Whether the job's transfers run as FOREGROUND: its own priority, or a follower's.
inline bool Foreground(const Job& job) {
  return job.props.priority == Priority::kForeground || job.leads_foreground;
}

// Whether every job file is whole by the tracker and, where it has an expected SHA-256,
// verified.
bool FileReady(const Job& job, int index);

// The file being transferred: the first one not whole yet, or -1 when every file is. A job's
// files are transferred one after another in AddFile order, as BITS does (an error halts the
// files after the failing one, and Complete keeps those before it); inside the current file
// pieces still come from peers and the CDN in parallel.
int CurrentFile(const Job& job);

// Seconds the job has spent active (QUEUED/CONNECTING/TRANSFERRING), `now_s` on the engine's
// clock.
double ActiveSeconds(const Job& job, double now_s);

// Writes the job's progress, per-file records, bytes by source and activity into its view
// (the seqlocks GetProgress reads). `now_s` on the engine's clock, for DownloadDuration.
void PublishView(Job& job, double now_s);

}  // namespace shoal::engine
