// Durable jobs on the engine thread: each job written to the JobStore at every state change
// and property change, progress every persist interval, and the stored jobs restored at start
// (decision 0005). Restored progress is shown from the store until libtorrent re-checks the
// temp file; plain-HTTP files continue from their length on disk.
#include <unistd.h>

#include <cstdio>
#include <filesystem>

#include "engine/engine_impl.h"

namespace shoal::engine {
namespace {

StoredJob ToStored(const Job& job, std::int64_t stalled_since_ns) {
  StoredJob s;
  s.id = job.view->id;
  s.state = job.state;
  s.props = job.props;
  s.times = job.view->times.Load();
  s.error_count = job.view->error_count.load(std::memory_order_relaxed);
  s.error = job.error;
  s.completing = job.completing;
  s.stalled_since_ns = stalled_since_ns;
  for (int i = 0; i < static_cast<int>(job.files.size()); ++i) {
    const JobFile& f = job.files[i];
    StoredFile sf;
    sf.spec = f.spec;
    sf.temp_name = f.temp_name;
    sf.http = f.http;
    sf.verified = f.verified;
    const FileProgress p = job.tracker.File(i);
    sf.bytes_total = p.bytes_total;
    sf.verified_bytes = p.bytes_transferred;
    sf.sources = f.sources;
    s.files.push_back(std::move(sf));
  }
  return s;
}

void DeleteTempFiles(const StoredJob& s) {
  for (const StoredFile& f : s.files) {
    const std::string dir = std::filesystem::path(f.spec.local_path).parent_path().string();
    ::unlink((dir + "/" + f.temp_name).c_str());
  }
}

}  // namespace

void Engine::Impl::Persist(Job& job) {
  if (!store_) return;
  // ACKNOWLEDGED leaves the store. CANCELLED stays until its temp files are gone (Unstore):
  // the row is what a restart needs to finish deleting them.
  if (job.state == JobState::kAcknowledged) return Unstore(job);
  std::string error;
  // A store that cannot be written costs durability, not the transfer: say so and go on.
  std::int64_t stalled_since_ns = 0;
  if (job.no_progress_since) {  // the engine clock's instant, as wall time
    stalled_since_ns = WallNs() - std::chrono::duration_cast<std::chrono::nanoseconds>(
                                      clock_->Now() - *job.no_progress_since)
                                      .count();
  }
  if (!store_->Put(ToStored(job, stalled_since_ns), &error)) {
    std::fprintf(stderr, "shoal: cannot save job %s: %s\n", job.view->id.ToString().c_str(),
                 error.c_str());
  }
  job.persist_dirty = false;
}

void Engine::Impl::Unstore(Job& job) {
  if (!store_) return;
  std::string error;
  if (!store_->Remove(job.view->id, &error)) {
    std::fprintf(stderr, "shoal: cannot remove job %s from the store: %s\n",
                 job.view->id.ToString().c_str(), error.c_str());
  }
  for (const JobFile& f : job.files) ForgetResume(f.temp_path());
  job.persist_dirty = false;
}

void Engine::Impl::PersistProgress() {
  if (!store_) return;
  const double now = NowS();
  if (now - last_persist_s_ < options_.persist_interval_s) return;
  last_persist_s_ = now;
  SaveResume(/*quiescent=*/false);
  for (auto& job : jobs_) {
    if (job->persist_dirty && !IsFinal(job->state)) Persist(*job);
  }
}

bool Engine::Impl::Inactive(JobState state, std::int64_t modification_ns) const {
  if (options_.job_inactivity_timeout_s == 0 || IsFinal(state) ||
      state == JobState::kTransferred || modification_ns == 0) {
    return false;
  }
  return WallNs() - modification_ns >
         std::int64_t{options_.job_inactivity_timeout_s} * 1'000'000'000;
}

void Engine::Impl::CancelInactive() {
  for (auto& job : jobs_) {
    if (job->busy || !Inactive(job->state, job->view->times.Load().modification_ns)) continue;
    std::fprintf(stderr, "shoal: job %s cancelled after %u s without activity\n",
                 job->view->id.ToString().c_str(), options_.job_inactivity_timeout_s);
    Cancel(*job, [](hr::HResult) {});
  }
}

void Engine::Impl::Restore() {
  if (!store_) return;
  std::vector<StoredJob> stored = store_->LoadAll(&store_warnings_);
  std::vector<Job*> completing;  // holding Complete's intent
  for (StoredJob& s : stored) {
    if (Inactive(s.state, s.times.modification_ns)) {
      // Expired while no engine ran: cancelled as it would have been, temp files included.
      DeleteTempFiles(s);
      std::string error;
      store_->Remove(s.id, &error);
      store_warnings_ += "job " + s.id.ToString() + " was inactive too long: cancelled\n";
      continue;
    }
    if (s.state == JobState::kCancelled) {
      // Cancelled, and killed before its temp files were all gone: finished now.
      DeleteTempFiles(s);
      std::string error;
      store_->Remove(s.id, &error);
      store_warnings_ +=
          "job " + s.id.ToString() + ": the Cancel a crash interrupted is finished\n";
      continue;
    }
    if (IsFinal(s.state)) continue;
    if (Job* job = RestoreJob(std::move(s))) completing.push_back(job);
  }
  RestoreSeeds();
  // After the stored seeds: the roll-forward seeds its files as Complete does, and a stored
  // seed must not find its content taken by the job's.
  for (Job* job : completing) RollForward(*job);
  if (!store_warnings_.empty()) std::fprintf(stderr, "shoal: %s", store_warnings_.c_str());
}

Job* Engine::Impl::RestoreJob(StoredJob s) {
  auto owned = std::make_unique<Job>();
  Job& job = *owned;
  job.view = std::make_shared<JobView>(s.id);
  job.props = std::move(s.props);
  job.view->times.Store(s.times);
  job.view->error_count.store(s.error_count);
  job.error = std::move(s.error);
  job.completing = s.completing;
  if (s.stalled_since_ns > 0 && s.stalled_since_ns <= WallNs()) {
    // The no-progress window goes on from when it began: time with no engine running counts,
    // as it would have for a job that kept failing.
    job.no_progress_since = clock_->Now() - std::chrono::duration_cast<Clock::Duration>(
                                                std::chrono::nanoseconds(WallNs() -
                                                                         s.stalled_since_ns));
  }
  bool all_whole = true;
  for (StoredFile& sf : s.files) {
    JobFile f;
    const std::filesystem::path local(sf.spec.local_path);
    f.dir = local.parent_path().string();
    f.final_name = local.filename().string();
    f.temp_name = sf.temp_name;
    f.http = sf.http;
    f.spec = std::move(sf.spec);
    const int index = job.tracker.AddFile(sf.bytes_total);
    const std::int64_t disk = StampFile(f.temp_path()).size;
    f.temp_created = disk >= 0;
    const std::uint64_t on_disk = disk < 0 ? 0 : static_cast<std::uint64_t>(disk);
    bool whole = sf.bytes_total != kSizeUnknown && on_disk == sf.bytes_total &&
                 sf.verified_bytes == sf.bytes_total;
    if (f.http) {
      // Bytes reach the temp file in order: what is on disk is what was received.
      f.http_bytes = f.http_high_water =
          sf.bytes_total == kSizeUnknown ? on_disk : std::min(on_disk, sf.bytes_total);
      f.sources = sf.sources;
      job.tracker.SetStreamedBytes(index, f.http_bytes);
    } else {
      // Pieces need a re-check: shown as stored until libtorrent has the file again, and
      // only when the file still has at least that many bytes.
      f.sources_base = f.sources = sf.sources;
      f.restored = true;
      job.tracker.SetStreamedBytes(index, on_disk >= sf.verified_bytes ? sf.verified_bytes : 0);
    }
    f.verified = sf.verified && whole;
    if (job.completing) {
      // Complete's intent is stored: the files it found ready are renamed (temp file gone,
      // the final file whole) or about to be (temp file whole). Any other temp file is damaged.
      const bool ready = sf.bytes_total != kSizeUnknown && sf.verified_bytes == sf.bytes_total &&
                         (f.spec.sha256.empty() || sf.verified);
      if (ready && disk >= 0 && on_disk != sf.bytes_total) {
        job.completing = false;
        store_warnings_ +=
            "job " + s.id.ToString() + ": a temp file changed during Complete; fetching again\n";
      } else if (ready) {
        f.verified = sf.verified;
        job.tracker.SetStreamedBytes(index, sf.bytes_total);
        whole = true;
      }
    }
    all_whole = all_whole && whole;
    job.files.push_back(std::move(f));
  }
  JobState state = s.state;
  if (state == JobState::kTransferred && !all_whole && !job.completing) {
    // A temp file was deleted or truncated behind our back: fetch it again, never expose it.
    state = JobState::kQueued;
    std::fprintf(stderr, "shoal: job %s: a temp file is missing or short; fetching again\n",
                 s.id.ToString().c_str());
  }
  job.state = state;
  job.view->state.store(state);
  by_id_[s.id] = &job;
  jobs_.push_back(std::move(owned));
  Publish(job);
  job.progress_dirty = false;
  if (job.completing) return &job;  // RollForward, once the seeds are back
  StartRestored(job);
  return nullptr;
}

void Engine::Impl::RollForward(Job& job) {
  // What the crash interrupted, finished as Complete would have: the files moved into place,
  // ACKNOWLEDGED (out of the store), seeded. Should a rename fail now, the job stays as
  // stored, still completing, for its caller.
  const std::string id = job.view->id.ToString();
  const hr::HResult h = FinishComplete(job);
  if (hr::Succeeded(h)) {
    store_warnings_ += "job " + id + ": the Complete a crash interrupted is finished\n";
    return;
  }
  store_warnings_ += "job " + id + ": cannot finish its Complete (" + hr::Describe(h) +
                     "); it waits for the caller\n";
  StartRestored(job);
}

void Engine::Impl::StartRestored(Job& job) {
  switch (job.state) {
    case JobState::kQueued:
    case JobState::kConnecting:
    case JobState::kTransferring:
      job.state = JobState::kQueued;
      job.view->state.store(JobState::kQueued);
      job.queued_at_s = NowS();
      Schedule(job);
      break;
    case JobState::kTransientError:
      // Retried on the next tick, within the no-progress window restored with the job.
      if (!job.no_progress_since) job.no_progress_since = clock_->Now();
      job.retry_at = clock_->Now();
      break;
    default:  // SUSPENDED, ERROR, TRANSFERRED wait for the caller
      break;
  }
}

}  // namespace shoal::engine
