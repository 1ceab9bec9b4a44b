// The job logic of Engine::Impl, on the engine thread: the BITS lifecycle, scheduling files
// onto the swarm (or plain HTTP), metainfo sidecars, verified pieces, publication.
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "engine/bandwidth.h"
#include "engine/byte_ranges.h"
#include "engine/crash_point.h"
#include "engine/destination.h"
#include "engine/download_mode.h"
#include "engine/engine_impl.h"
#include "engine/log.h"
#include "engine/metainfo.h"
#include "engine/temp_files.h"

namespace shoal::engine {
namespace {

bool HasHttpScheme(const std::string& url) {
  return url.rfind("http://", 0) == 0 || url.rfind("https://", 0) == 0;
}

std::string ShortId(const Uuid& id) {
  char buf[12];
  std::snprintf(buf, sizeof buf, "%08x", id.data1);
  return buf;
}

}  // namespace

hr::HResult Engine::Impl::CreateJob(const std::string& name, std::shared_ptr<const JobView>* out) {
  AssertEngineThread(__func__);
  if (jobs_.LiveCount() >= options_.max_jobs) return hr::kBgETooManyJobsPerUser;
  auto owned = std::make_unique<Job>();
  owned->view = std::make_shared<JobView>(jobs_.NewId());
  owned->props.display_name = name;
  const std::int64_t now = clock_->WallNs();
  owned->view->times.Store({now, now, 0});
  *out = owned->view;
  Persist(jobs_.Add(std::move(owned)));
  return hr::kOk;
}

void Engine::Impl::Touch(Job& job) {
  JobTimes t = job.view->times.Load();
  t.modification_ns = clock_->WallNs();
  job.view->times.Store(t);
}

void Engine::Impl::Notify(Job& job, JobEvent event) {
  if (observer_ != nullptr) observer_->OnJobEvent(job.view->id, event);
}

void Engine::Impl::Persist(Job& job) {
  AssertEngineThread(__func__);
  if (durable_) durable_->Put(job);
}

void Engine::Impl::SetState(Job& job, JobState next) {
  AssertEngineThread(__func__);
  if (job.state == next) return;
  if (!IsActive(job.state) && IsActive(next)) {
    job.active_since_s = NowS();
  } else if (IsActive(job.state) && !IsActive(next) && job.active_since_s >= 0) {
    job.active_s += NowS() - job.active_since_s;
    job.active_since_s = -1;
  }
  job.state = next;
  job.view->state.store(next, std::memory_order_release);
  JobTimes t = job.view->times.Load();
  t.modification_ns = clock_->WallNs();
  if (next == JobState::kTransferred) t.transfer_completion_ns = t.modification_ns;
  job.view->times.Store(t);
  if (next == JobState::kTransferring) job.error.reset();  // error objects end here
  // Readers of the view may see the new state already; the caller's reply waits for the
  // store (durable on return). A crash in between leaves the previous state stored.
  CrashPoint("state.applied", ToString(next));
  Persist(job);
  // BITS fires no JobModification on entering ERROR or TRANSFERRED.
  if (next == JobState::kTransferred) {
    Notify(job, JobEvent::kTransferred);
  } else if (next == JobState::kError) {
    Notify(job, JobEvent::kError);
  } else {
    Notify(job, JobEvent::kModification);
  }
}

hr::HResult Engine::Impl::Apply(Job& job, JobAction action) {
  const Transition t = NextState(job.state, action, !job.files.empty());
  if (hr::Succeeded(t.result)) SetState(job, t.next);
  return t.result;
}

void Engine::Impl::Publish(Job& job) {
  AssertEngineThread(__func__);
  PublishView(job, NowS());
}

void Engine::Impl::Progressed(Job& job, bool new_bytes) {
  if (new_bytes) OnProgress(job.retry);
  Publish(job);
  if (job.state == JobState::kQueued || job.state == JobState::kConnecting) {
    Apply(job, JobAction::kStartTransfer);
  }
  Mirror(job);  // those sharing its transfers see the bytes too
}

hr::HResult Engine::Impl::SetProperties(Job& job,
                                        const std::function<hr::HResult(JobProperties&)>& edit) {
  AssertEngineThread(__func__);
  const Transition t = NextState(job.state, JobAction::kSetProperty, !job.files.empty());
  if (hr::Failed(t.result)) return t.result;
  JobProperties copy = job.props;
  const hr::HResult h = edit(copy);
  if (hr::Failed(h)) return h;
  job.props = std::move(copy);
  Touch(job);
  Persist(job);
  Notify(job, JobEvent::kModification);
  return h;
}

hr::HResult Engine::Impl::AddFiles(Job& job, std::vector<FileSpec> specs) {
  AssertEngineThread(__func__);
  const Transition t = NextState(job.state, JobAction::kAddFile, !job.files.empty());
  if (hr::Failed(t.result)) return t.result;
  if (job.files.size() + specs.size() > options_.max_files_per_job) {
    return hr::kBgETooManyFilesInJob;
  }
  std::vector<JobFile> added;
  std::vector<std::uint64_t> sizes;
  for (FileSpec& spec : specs) {
    namespace fs = std::filesystem;
    const fs::path local(spec.local_path);
    if (!HasHttpScheme(spec.remote_url) || !local.is_absolute() || !local.has_filename() ||
        (!spec.sha256.empty() && spec.sha256.size() != 32)) {
      return hr::kInvalidArg;
    }
    // As BITS: the destination folder must exist and be writable when the file is added.
    if (::access(local.parent_path().c_str(), W_OK | X_OK) != 0) return hr::FromErrno(errno);
    // Never a FIFO, a device, a directory or a symlink: only a regular file is replaced.
    if (const hr::HResult h = CheckDestination(spec.local_path); hr::Failed(h)) return h;
    for (const JobFile& f : job.files) {
      if (f.spec.local_path == spec.local_path) return hr::kInvalidArg;
    }
    for (const JobFile& f : added) {
      if (f.spec.local_path == spec.local_path) return hr::kInvalidArg;
    }
    std::uint64_t size = kSizeUnknown;
    if (!spec.metainfo.empty()) {
      MetainfoSummary summary;
      std::string error;
      const hr::HResult h = ReadMetainfo(spec.metainfo, &summary, &error);
      if (hr::Failed(h)) return h;
      if (summary.num_files != 1) return hr::kInvalidData;
      size = summary.total_size;
    }
    if (!spec.ranges.empty()) {
      // A whole file's digest cannot be checked against some of its bytes.
      if (!spec.sha256.empty()) return hr::kInvalidArg;
      if (const hr::HResult h = ValidateRanges(spec.ranges, size); hr::Failed(h)) return h;
    }
    JobFile f;
    f.dir = local.parent_path().string();
    f.final_name = local.filename().string();
    f.temp_name = TempName(
        f.final_name, ShortId(job.view->id) + "-" + std::to_string(job.files.size() + added.size()),
        durable_ ? kDurableTempSuffix : kEphemeralTempSuffix);
    if (!durable_) RemoveOrphanedTempFiles(f.dir);  // what engines killed here left behind
    f.http.plain = spec.http_only && spec.metainfo.empty();
    f.spec = std::move(spec);
    added.push_back(std::move(f));
    sizes.push_back(size);
  }
  for (std::size_t i = 0; i < added.size(); ++i) {
    const int file = job.tracker.AddFile(sizes[i]);
    job.tracker.SetFileRanges(file, added[i].spec.ranges);
    job.files.push_back(std::move(added[i]));
  }
  Publish(job);
  Touch(job);
  Persist(job);
  Notify(job, JobEvent::kModification);
  if (IsActive(job.state)) Schedule(job);
  return hr::kOk;
}

hr::HResult Engine::Impl::Resume(Job& job) {
  AssertEngineThread(__func__);
  const JobState before = job.state;
  const hr::HResult h = Apply(job, JobAction::kResume);
  if (hr::Failed(h)) return h;
  if (before == job.state) Touch(job);                  // BG_JOB_TIMES: so does calling Resume
  job.active_at_resume_s = ActiveSeconds(job, NowS());  // "Resume resets the elapsed time"
  if (job.state == JobState::kQueued && before != JobState::kQueued) {
    // A caller's Resume gives a failed job a fresh no-progress window; from TRANSIENT_ERROR it
    // only skips the rest of the retry delay.
    if (before != JobState::kTransientError) OnProgress(job.retry);
    job.queued_at_s = NowS();
    job.cdn.gate = HttpGate();
    Schedule(job);
  }
  return h;
}

hr::HResult Engine::Impl::Suspend(Job& job) {
  AssertEngineThread(__func__);
  const JobState before = job.state;
  const hr::HResult h = Apply(job, JobAction::kSuspend);
  if (hr::Failed(h)) return h;
  // BG_JOB_TIMES: calling Suspend changes ModificationTime, even when the job was suspended.
  if (before == job.state) Touch(job);
  ++job.generation;
  PauseTorrents(job);
  return h;
}

void Engine::Impl::PauseTorrents(Job& job) {
  http_->Stop(job);
  ranged_->Stop(job);
  cdn_->Reset(job);  // late answers are dropped by generation
  for (JobFile& f : job.files) {
    f.fetching = false;    // late answers are dropped by generation
    f.prefetched = false;  // so a later file's sidecar is fetched ahead again on resume
    if (f.torrent >= 0) swarm_->Pause(f.torrent);
  }
  Reelect(job);  // a transfer another active job wants goes on for it
}

void Engine::Impl::Schedule(Job& job) {
  AssertEngineThread(__func__);
  Mirror(job);
  // A restored file the store shows whole is checked on disk again by the swarm first: the
  // check decides whether it is still whole (and so which file is current).
  for (int i = 0; i < static_cast<int>(job.files.size()); ++i) {
    JobFile& f = job.files[i];
    if (f.restored && f.torrent < 0 && !f.spec.metainfo.empty() && job.tracker.FileDone(i) &&
        !Follow(job, i)) {
      StartFile(job, i);
      if (!IsActive(job.state)) return;
    }
  }
  // Files go one at a time, in order (CurrentFile); later files only have their metainfo
  // fetched ahead, so the next one starts at once and BytesTotal is known early.
  const int current = CurrentFile(job);
  bool all_done = true;
  bool waiting = false;
  for (int i = 0; i < static_cast<int>(job.files.size()); ++i) {
    if (FileReady(job, i)) continue;
    all_done = false;
    JobFile& f = job.files[i];
    if (job.tracker.FileDone(i)) {
      // Whole, but its SHA-256 is not checked yet: the next file need not wait for the hash.
      if (!f.integrity.verifying) integrity_->Start(job, i);
    } else if (i != current) {
      if (f.torrent >= 0) swarm_->Pause(f.torrent);  // its turn has not come
      if (!f.http.plain && f.spec.metainfo.empty() && !f.fetching && !f.prefetched) {
        f.prefetched = true;
        FetchMetainfo(job, i);
      }
    } else if (f.torrent >= 0) {
      swarm_->Resume(f.torrent);
    } else if (Follow(job, i)) {
      // Another job fetches this content: its pieces show here as they arrive.
      waiting = job.tracker.File(i).bytes_transferred == 0;
      if (job.tracker.FileDone(i)) return Schedule(job);  // whole already: on to the next
    } else if (f.http.plain) {
      waiting = true;
      if (!HttpTransfers::Busy(job) && !RangedHttp::Busy(job)) {
        const int fd = OpenTemp(job, i);
        if (fd >= 0 && !f.spec.ranges.empty()) {
          ranged_->Start(job, i, fd);  // only the ranges, with Range requests
        } else if (fd >= 0) {
          http_->Start(job, i, fd);
        }
      }
    } else if (!f.spec.metainfo.empty()) {
      StartFile(job, i);
    } else {
      waiting = true;
      if (!f.fetching) FetchMetainfo(job, i);
    }
    if (!IsActive(job.state)) return;  // StartFile or OpenTemp may have failed the job
  }
  if (all_done) {
    Apply(job, JobAction::kAllFilesDone);
  } else if (waiting) {
    Apply(job, JobAction::kConnect);
  } else {
    Apply(job, JobAction::kStartTransfer);
  }
}

void Engine::Impl::FetchMetainfo(Job& job, int index) {
  if (AskCacheNode(job, index)) return;  // a plain URL's metainfo from the site's cache node
  JobFile& f = job.files[index];
  f.fetching = true;
  const Uuid id = job.view->id;
  const int generation = job.generation;
  fetcher_->Fetch(
      f.spec.remote_url + ".torrent",
      [this, id, index, generation](FetchResult r) {
        Post([this, id, index, generation, r = std::move(r)]() mutable {
          OnMetainfo(id, index, generation, std::move(r));
        });
      },
      job.props.custom_headers);
}

void Engine::Impl::NoPublishedMetainfo(Job& job, int index) {
  if (AwaitCacheDiscovery(job, index)) return;  // DNS-SD's first answers are not in yet
  if (AskCacheNode(job, index)) return;          // a node found since the file was asked
  if (AskLan(job, index)) return;
  job.files[index].http.plain = true;
  Schedule(job);
}

JobFile* Engine::Impl::Fetched(const Uuid& id, int index, int generation, Job** job) {
  *job = FindJob(id);
  if (*job == nullptr || (*job)->generation != generation || !IsActive((*job)->state)) {
    return nullptr;
  }
  JobFile& f = (*job)->files[index];
  if (!f.fetching) return nullptr;
  f.fetching = false;
  return &f;
}

void Engine::Impl::OnMetainfo(const Uuid& id, int index, int generation, FetchResult r) {
  Job* job = nullptr;
  JobFile* fetched = Fetched(id, index, generation, &job);
  if (fetched == nullptr) return;
  JobFile& f = *fetched;
  const std::string sidecar = f.spec.remote_url + ".torrent";
  // A later file's sidecar, fetched ahead: a failure waits for the file's turn, when it is
  // fetched again and then counts (an error halts only the files from the failing one on).
  const bool ahead = index != CurrentFile(*job);
  if (hr::Failed(r.code)) {
    if (r.http_status >= 400 && r.http_status < 500 && !r.transient) {
      // No metainfo published (404, or a CDN's 403 for a missing object): fetch the content
      // itself over plain HTTP (unless a cache node found meanwhile or a LAN holder of its
      // SHA-256 has metainfo for it); its own answer decides what happens next.
      return NoPublishedMetainfo(*job, index);
    }
    if (ahead) return;
    // Said of the file's URL, the one the user gave: the sidecar is only how it was reached.
    std::string why = r.message;
    if (why.rfind(sidecar + ": ", 0) == 0) why.erase(0, sidecar.size() + 2);
    why = f.spec.remote_url + ": " + why + " (asking for its .torrent)";
    if (r.transient) return TransientError(*job, r.code, ErrorContext::kRemoteFile, index, why);
    return Fail(*job, r.code, ErrorContext::kRemoteFile, index, why);
  }
  std::string error;
  AdoptMetainfo(*job, index, std::move(r.body), ahead, sidecar, &error);  // fails the job if not
}

bool Engine::Impl::AdoptMetainfo(Job& job, int index, std::string metainfo, bool ahead,
                                 const std::string& source, std::string* error) {
  JobFile& f = job.files[index];
  MetainfoSummary summary;
  hr::HResult h = ReadMetainfo(metainfo, &summary, error);
  if (hr::Succeeded(h) && summary.num_files != 1) {
    h = hr::kInvalidData;
    *error = "metainfo describes " + std::to_string(summary.num_files) + " files, not one";
  }
  if (hr::Failed(h)) {
    if (!ahead) Fail(job, h, ErrorContext::kRemoteFile, index, source + ": " + *error);
    return false;
  }
  if (const std::string why = RangesOutside(f.spec.ranges, summary.total_size); !why.empty()) {
    *error = why;
    if (!ahead) {
      Fail(job, hr::kBgEInvalidRange, ErrorContext::kRemoteFile, index,
           f.spec.remote_url + ": " + why);
    }
    return false;
  }
  f.spec.metainfo = std::move(metainfo);
  job.tracker.SetFileSize(index, summary.total_size);
  Publish(job);
  Schedule(job);  // starts the file if its turn has come
  return true;
}

int Engine::Impl::OpenTemp(Job& job, int index) {
  JobFile& f = job.files[index];
  // The destination must be writable now: libtorrent would create missing folders itself.
  if (::access(f.dir.c_str(), W_OK) != 0) {
    const int err = errno;
    Fail(job, hr::FromErrno(err), ErrorContext::kLocalFile, index,
         f.dir + ": " + std::strerror(err));
    return -1;
  }
  const int fd = durable_ ? ::open(f.temp_path().c_str(), O_CREAT | O_WRONLY | O_CLOEXEC, 0644)
                          : temp_locks_.Open(f.temp_path());  // held while this engine lives
  if (fd < 0) {
    const int err = errno;
    Fail(job, hr::FromErrno(err), ErrorContext::kLocalFile, index,
         f.temp_path() + ": " + std::strerror(err));
    return -1;
  }
  f.temp_created = true;
  return fd;
}

void Engine::Impl::StartFile(Job& job, int index) {
  JobFile& f = job.files[index];
  if (FromSeed(job, index)) return;  // copied from the seed; added once the seed is gone
  const int fd = OpenTemp(job, index);
  if (fd < 0) return;
  ::close(fd);

  Swarm::AddParams params;
  params.metainfo = f.spec.metainfo;
  params.save_dir = f.dir;
  params.file_name = f.temp_name;
  params.job_file = index;
  params.resume = resume_->For(f.temp_path());
  params.origin_url = f.spec.remote_url;
  params.ranges = f.spec.ranges;
  TorrentLayout layout;
  std::string error;
  int key = -1;
  const hr::HResult h = swarm_->Add(params, &key, &layout, &error);
  if (hr::Failed(h)) {
    return Fail(job, h, h == hr::kInvalidData ? ErrorContext::kRemoteFile : ErrorContext::kNone,
                index, f.spec.remote_url + ": " + error);
  }
  f.torrent = key;
  jobs_.Own(key, job, index);
  DialSourcedPeers(key);
  if (!f.cache.seed_peer.empty()) swarm_->ConnectPeers(key, {f.cache.seed_peer});
  if (!f.lan.peer.empty()) swarm_->ConnectPeers(key, {f.lan.peer});
  resume_->Keep(key, f.temp_path());
  if (f.tracked < 0) f.tracked = job.tracker.AddTorrent(layout);
  const bool restored = f.restored;
  if (f.restored && f.tracked >= 0) {
    // Progress shown from the store gives way to what the swarm's check finds on disk.
    f.restored = false;
    job.tracker.ResetTorrent(f.tracked);
  }
  // Before the first tick: a LAN peer fills an unlimited torrent at once.
  ApplyRates(job, RateFor(job), *swarm_);
  // With no peer in sight, the CDN starts now rather than at the next tick (at a piece at a
  // time while LSD's window is open). A restored file waits for the swarm's check of what is
  // on disk.
  if (!restored && IsActive(job.state) && NoPeerInSight(job)) {
    const bool lone = !InLsdWindow(job);
    cdn_->Decide(job, options_, NowS(), 0, lone, lone && Solitary(job), /*found=*/false,
                 /*listening=*/!lone);
    cdn_->Pump(job);
  }
  Publish(job);
}

bool Engine::Impl::NoPeerInSight(const Job& job) const {
  if (!options_.peers.empty() || !options_.trackers.empty() || !peer_sources_.empty() ||
      job.peer_connections > 0) {
    return false;
  }
  // A tracker in the metainfo is a way to find peers: lone only once it has answered with
  // none (or failed), else the CDN would race the peers it is about to name.
  return !Discovering(job);
}

bool Engine::Impl::InLsdWindow(const Job& job) const {
  return LsdRuns(options_.enable_lsd, options_.download_mode, options_.listen_interface) &&
         NowS() - job.queued_at_s < kLsdWindowS;
}

bool Engine::Impl::Lone(const Job& job) const {
  // Where LSD runs, it finds a LAN peer within its first announce's answers (the peers that
  // hear it dial back at once): none by then, and there is nothing to wait for (decision 0012;
  // decision 0018 measured going at once instead: a 32-peer site's origin rose to 3.3 x F).
  return NoPeerInSight(job) && !InLsdWindow(job);
}

bool Engine::Impl::Discovering(const Job& job) const {
  for (const JobFile& f : job.files) {
    if (f.torrent >= 0 && swarm_->Poll(f.torrent).discovering) return true;
  }
  return false;
}

bool Engine::Impl::Found(const Job& job) const {
  const double since = NowS() - job.queued_at_s;
  if (job.peer_connections == 0 || since < kLsdWindowS) return false;
  // The CDN's pieces are shared among the peers connected, and one connecting later moves the
  // owners of some (pieces in flight are then fetched twice): every configured peer gets
  // kNamedPeersWaitS to connect (libtorrent's peer list cannot tell a configured peer that is
  // down from one connected to us from another port, so the count is the signal).
  const auto configured = static_cast<int>(options_.peers.size());
  for (const JobFile& f : job.files) {
    if (f.torrent < 0) continue;
    const TorrentStats st = swarm_->Poll(f.torrent);
    // A peer whose pieces are not in yet might have the very pieces the CDN would fetch.
    if (st.announcing || st.unsettled > 0 || st.settled == 0) return false;
    if (st.settled < configured && since < kNamedPeersWaitS) return false;
  }
  return true;
}

bool Engine::Impl::Solitary(const Job& job) const {
  if (LsdRuns(options_.enable_lsd, options_.download_mode, options_.listen_interface)) {
    return false;
  }
  for (const JobFile& f : job.files) {
    if (f.torrent >= 0 && swarm_->Poll(f.torrent).trackers) return false;
  }
  return Lone(job);
}

void Engine::Impl::OnPiece(int key, int piece) {
  AssertEngineThread(__func__);
  const JobTable::Owner* owner = jobs_.OwnerOf(key);
  if (owner == nullptr) return;
  Job& job = *owner->job;
  const int file = owner->file;
  JobFile& f = job.files[file];
  // A CDN piece stays in flight until the swarm verified it; then the next one may go.
  const bool from_cdn = cdn_->OnVerified(f, piece);
  if (job.tracker.OnPieceVerified(f.tracked, piece) == 0) return;
  Progressed(job, /*new_bytes=*/true);
  if (IsActive(job.state)) {
    if (job.tracker.FileDone(file)) {
      Schedule(job);  // the next file's turn, or TRANSFERRED once any SHA-256 is checked
    } else if (from_cdn) {
      cdn_->Pump(job);
    }
  }
}

void Engine::Impl::OnPieceFailed(int key, int piece) {
  const JobTable::Owner* owner = jobs_.OwnerOf(key);
  if (owner == nullptr) return;
  // A CDN piece that fails the hashes of a LAN holder's metainfo: the CDN is the authority,
  // so the metainfo lies (decision 0016); the holder is banned and the file starts over.
  const JobFile& f = owner->job->files[owner->file];
  if (f.cdn.inflight.count(piece) != 0 && !f.lan.holder_ip.empty() &&
      WholeFileMismatched(*owner->job, owner->file)) {
    return;
  }
  cdn_->OnFailed(*owner->job, owner->file, piece);
}

}  // namespace shoal::engine
