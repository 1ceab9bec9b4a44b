// The job logic of Engine::Impl, all on the engine thread: the BITS lifecycle, scheduling
// files onto the swarm (or plain HTTP), metainfo sidecars, progress publication.
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "engine/crash_point.h"
#include "engine/destination.h"
#include "engine/engine_impl.h"
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

Job* Engine::Impl::FindJob(const Uuid& id) {
  auto it = by_id_.find(id);
  return it == by_id_.end() ? nullptr : it->second;
}

hr::HResult Engine::Impl::CreateJob(const std::string& name,
                                    std::shared_ptr<const JobView>* out) {
  std::uint32_t live = 0;
  ForEachLiveJob([&](Job&) { ++live; });
  if (live >= options_.max_jobs) return hr::kBgETooManyJobsPerUser;
  auto job = std::make_unique<Job>();
  Uuid id = Uuid::Random();
  while (by_id_.count(id)) id = Uuid::Random();
  job->view = std::make_shared<JobView>(id);
  job->props.display_name = name;
  const std::int64_t now = WallNs();
  job->view->times.Store({now, now, 0});
  *out = job->view;
  by_id_[id] = job.get();
  jobs_.push_back(std::move(job));
  Persist(*jobs_.back());
  return hr::kOk;
}

void Engine::Impl::Touch(Job& job) {
  JobTimes t = job.view->times.Load();
  t.modification_ns = WallNs();
  job.view->times.Store(t);
}

void Engine::Impl::Notify(Job& job, JobEvent event) {
  if (observer_ != nullptr) observer_->OnJobEvent(job.view->id, event);
}

void Engine::Impl::SetState(Job& job, JobState next) {
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
  t.modification_ns = WallNs();
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
  for (JobFile& f : job.files) {
    if (f.torrent >= 0) {
      const SourceBytes now = session_->Sources(f.torrent);
      f.sources = {f.sources_base.from_peers + now.from_peers,
                   f.sources_base.from_http + now.from_http};
    }
  }
  const JobProgress p = job.tracker.Progress();
  job.view->progress.Store(p);
  SourceBytes total;
  JobActivity activity;
  activity.peer_connections = job.peer_connections;
  const double active_s =
      job.active_s + (job.active_since_s >= 0 ? NowS() - job.active_since_s : 0.0);
  activity.download_duration_ns = static_cast<std::int64_t>(active_s * 1e9);
  {
    std::lock_guard lock(job.view->files_mu);
    job.view->files.resize(job.files.size());
    job.view->file_sources.resize(job.files.size());
    for (std::size_t i = 0; i < job.files.size(); ++i) {
      const bool completed = job.view->files[i].completed;
      job.view->files[i] = job.tracker.File(static_cast<int>(i));
      job.view->files[i].completed = completed;
      job.view->file_sources[i] = job.files[i].sources;
      total.from_peers += job.files[i].sources.from_peers;
      total.from_http += job.files[i].sources.from_http;
      total.from_cache_server += job.files[i].sources.from_cache_server;
      total.to_peers += job.files[i].sources.to_peers;
      activity.http_connections += static_cast<std::uint32_t>(
          job.files[i].cdn_inflight.size() + (job.files[i].http_transfer ? 1 : 0));
    }
  }
  job.view->sources.Store(total);
  job.view->activity.Store(activity);
  if (p.bytes_transferred != job.published_bytes) {
    job.published_bytes = p.bytes_transferred;
    job.progress_dirty = true;
    job.persist_dirty = true;
  }
}

hr::HResult Engine::Impl::SetProperties(Job& job,
                                        const std::function<hr::HResult(JobProperties&)>& edit) {
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
    JobFile f;
    f.dir = local.parent_path().string();
    f.final_name = local.filename().string();
    f.temp_name = TempName(
        f.final_name, ShortId(job.view->id) + "-" + std::to_string(job.files.size() + added.size()),
        store_ ? ".shoal-tmp" : kEphemeralTempSuffix);
    if (!store_) RemoveOrphanedTempFiles(f.dir);  // what engines killed here left behind
    f.http = spec.http_only && spec.metainfo.empty();
    f.spec = std::move(spec);
    added.push_back(std::move(f));
    sizes.push_back(size);
  }
  for (std::size_t i = 0; i < added.size(); ++i) {
    job.tracker.AddFile(sizes[i]);
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
  const JobState before = job.state;
  const hr::HResult h = Apply(job, JobAction::kResume);
  if (hr::Failed(h)) return h;
  if (job.state == JobState::kQueued && before != JobState::kQueued) {
    // A caller's Resume gives a failed job a fresh no-progress window; from TRANSIENT_ERROR it
    // only skips the rest of the retry delay.
    if (before != JobState::kTransientError) job.no_progress_since.reset();
    job.queued_at_s = NowS();
    job.gate = HttpGate();
    Schedule(job);
  }
  return h;
}

hr::HResult Engine::Impl::Suspend(Job& job) {
  const hr::HResult h = Apply(job, JobAction::kSuspend);
  if (hr::Failed(h)) return h;
  ++job.generation;
  PauseTorrents(job);
  return h;
}

void Engine::Impl::PauseTorrents(Job& job) {
  StopHttp(job);
  for (JobFile& f : job.files) {
    f.fetching = false;
    f.cdn_inflight.clear();  // late answers are dropped by generation
    if (f.torrent >= 0) session_->Pause(f.torrent);
  }
  job.gate = HttpGate();
  job.cdn_unavailable = job.cdn_any = false;
}

void Engine::Impl::Schedule(Job& job) {
  bool all_done = true;
  bool waiting = false;
  // Plain-HTTP files go one at a time, in order, as BITS transfers a job's files.
  bool http_busy = false;
  for (const JobFile& f : job.files) http_busy = http_busy || f.http_transfer != nullptr;
  for (int i = 0; i < static_cast<int>(job.files.size()); ++i) {
    if (FileReady(job, i)) continue;
    all_done = false;
    JobFile& f = job.files[i];
    if (job.tracker.FileDone(i)) {
      if (!f.verifying) StartVerify(job, i);  // whole, but its SHA-256 is not checked yet
    } else if (f.torrent >= 0) {
      session_->Resume(f.torrent);
    } else if (f.http) {
      waiting = true;
      if (!http_busy) {
        http_busy = true;
        StartHttp(job, i);
      }
    } else if (!f.spec.metainfo.empty()) {
      StartFile(job, i);
    } else {
      waiting = true;
      if (!f.fetching) FetchMetainfo(job, i);
    }
    if (!IsActive(job.state)) return;  // StartFile may have failed the job
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
  JobFile& f = job.files[index];
  f.fetching = true;
  const Uuid id = job.view->id;
  const int generation = job.generation;
  fetcher_->Fetch(f.spec.remote_url + ".torrent", [this, id, index, generation](FetchResult r) {
    Post([this, id, index, generation, r = std::move(r)]() mutable {
      OnMetainfo(id, index, generation, std::move(r));
    });
  });
}

void Engine::Impl::OnMetainfo(const Uuid& id, int index, int generation, FetchResult r) {
  Job* job = FindJob(id);
  if (job == nullptr || job->generation != generation || !IsActive(job->state)) return;
  JobFile& f = job->files[index];
  if (!f.fetching) return;
  f.fetching = false;
  const std::string sidecar = f.spec.remote_url + ".torrent";
  if (hr::Failed(r.code)) {
    if (r.http_status >= 400 && r.http_status < 500 && !r.transient) {
      // No metainfo published (404, or a CDN's 403 for a missing object): fetch the content
      // itself over plain HTTP; its own answer decides what happens next.
      f.http = true;
      return Schedule(*job);
    }
    if (r.transient) return TransientError(*job, r.code, ErrorContext::kRemoteFile, index, r.message);
    return Fail(*job, r.code, ErrorContext::kRemoteFile, index, r.message);
  }
  MetainfoSummary summary;
  std::string error;
  hr::HResult h = ReadMetainfo(r.body, &summary, &error);
  if (hr::Succeeded(h) && summary.num_files != 1) {
    h = hr::kInvalidData;
    error = "metainfo describes " + std::to_string(summary.num_files) + " files, not one";
  }
  if (hr::Failed(h)) return Fail(*job, h, ErrorContext::kRemoteFile, index, sidecar + ": " + error);
  f.spec.metainfo = std::move(r.body);
  job->tracker.SetFileSize(index, summary.total_size);
  Publish(*job);
  StartFile(*job, index);
  if (IsActive(job->state)) Schedule(*job);
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
  const int fd = store_ ? ::open(f.temp_path().c_str(), O_CREAT | O_WRONLY | O_CLOEXEC, 0644)
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
  const int fd = OpenTemp(job, index);
  if (fd < 0) return;
  ::close(fd);

  TorrentSession::AddParams params;
  params.metainfo = f.spec.metainfo;
  params.save_dir = f.dir;
  params.file_name = f.temp_name;
  params.job_file = index;
  params.resume = ResumeFor(f.temp_path());
  params.origin_url = f.spec.remote_url;
  TorrentLayout layout;
  std::string error;
  int key = -1;
  const hr::HResult h = session_->Add(params, &key, &layout, &error);
  if (hr::Failed(h)) {
    return Fail(job, h, h == hr::kInvalidData ? ErrorContext::kRemoteFile : ErrorContext::kNone,
                index, f.spec.remote_url + ": " + error);
  }
  f.torrent = key;
  owners_[key] = {&job, index};
  KeepResume(key, f.temp_path());
  if (f.tracked < 0) f.tracked = job.tracker.AddTorrent(layout);
  if (f.restored && f.tracked >= 0) {
    // Progress shown from the store gives way to what libtorrent's check finds on disk.
    f.restored = false;
    job.tracker.ResetTorrent(f.tracked);
  }
  ApplyRates(job);  // before the first tick: a LAN peer fills an unlimited torrent at once
  Publish(job);
}

void Engine::Impl::OnPiece(int key, int piece) {
  auto it = owners_.find(key);
  if (it == owners_.end() || it->second.job == nullptr) return;
  Job& job = *it->second.job;
  JobFile& f = job.files[it->second.file];
  // A CDN piece stays in flight until libtorrent verified it; then the next one may go.
  const bool from_cdn = f.cdn_inflight.erase(piece) > 0;
  if (job.tracker.OnPieceVerified(f.tracked, piece) == 0) return;
  NoteProgress(job);
  Publish(job);
  if (job.state == JobState::kQueued || job.state == JobState::kConnecting) {
    Apply(job, JobAction::kStartTransfer);
  }
  if (IsActive(job.state)) {
    const JobProgress p = job.tracker.Progress();
    if (p.bytes_total != kSizeUnknown && p.files_transferred == p.files_total) {
      Schedule(job);  // TRANSFERRED, once any expected SHA-256 is checked
    } else if (from_cdn) {
      PumpCdn(job);
    }
  }
}

}  // namespace shoal::engine
