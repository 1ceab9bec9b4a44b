// How jobs end, on the engine thread: Cancel (temp files deleted), Complete (its intent
// stored, whole files renamed into place, then optionally seeded; a crash in between is rolled
// forward at the next start), inactivity, seeding content from disk, what a restored job does
// first, and shutdown.
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "engine/byte_ranges.h"
#include "engine/crash_point.h"
#include "engine/destination.h"
#include "engine/engine_impl.h"
#include "engine/log.h"

namespace shoal::engine {

void Engine::Impl::RemoveTorrents(Job& job, std::function<void()> then) {
  auto remaining = std::make_shared<int>(0);
  auto done = std::make_shared<std::function<void()>>(std::move(then));
  for (JobFile& f : job.files) {
    if (f.torrent < 0) continue;
    ++*remaining;
    const int key = f.torrent;
    f.torrent = -1;
    jobs_.Disown(key);
    on_removed_[key] = [remaining, done] {
      if (--*remaining == 0) (*done)();
    };
    swarm_->Remove(key);
  }
  if (*remaining == 0) (*done)();
}

void Engine::Impl::OnRemoved(int key) {
  auto it = on_removed_.find(key);
  if (it == on_removed_.end()) return;
  auto fn = std::move(it->second);
  on_removed_.erase(it);
  fn();
}

void Engine::Impl::Cancel(Job& job, Reply reply) {
  AssertEngineThread(__func__);
  const Transition t = NextState(job.state, JobAction::kCancel, !job.files.empty());
  if (hr::Failed(t.result)) return reply(t.result);
  ++job.generation;
  job.busy = true;
  http_->Stop(job);
  ranged_->Stop(job);
  SetState(job, JobState::kCancelled);
  RemoveTorrents(job, [this, &job, reply] {
    CrashPoint("cancel.stored");  // test hook: CANCELLED is stored, the temp files remain
    LeaveTransfers(job, /*completing=*/false);  // a file others still want is theirs
    bool all_deleted = true;
    for (JobFile& f : job.files) {
      if (!f.temp_created) continue;
      if (::unlink(f.temp_path().c_str()) != 0 && errno != ENOENT) all_deleted = false;
      f.temp_created = false;
    }
    if (durable_) durable_->Remove(job, *resume_);  // only now: a restart finishes the deletes
    job.busy = false;
    reply(all_deleted ? hr::kOk : hr::kBgSUnableToDeleteFiles);
  });
}

void Engine::Impl::Complete(Job& job, Reply reply) {
  AssertEngineThread(__func__);
  const Transition t = NextState(job.state, JobAction::kComplete, !job.files.empty());
  if (hr::Failed(t.result)) return reply(t.result);
  ++job.generation;
  job.busy = true;
  http_->Stop(job);
  ranged_->Stop(job);
  RemoveTorrents(job, [this, &job, reply] {
    // A followed file is copied first (on failure the job stays TRANSFERRED); what this job
    // leads goes to a follower before its own file is renamed away.
    if (const hr::HResult c = TakeShared(job); hr::Failed(c)) {
      job.busy = false;
      return reply(c);
    }
    LeaveTransfers(job, /*completing=*/true);
    const hr::HResult h = FinishComplete(job);
    job.busy = false;
    if (hr::Failed(h)) job.error.reset();  // stays TRANSFERRED; Completed shows what moved
    reply(h);
  });
}

hr::HResult Engine::Impl::FinishComplete(Job& job) {
  if (!job.completing) {
    // The intent before any rename: from here a crash is rolled forward at the next start
    // (RestoreJob), so a temp file gone from disk means "moved into place", never "lost".
    job.completing = true;
    Persist(job);
  }
  CrashPoint("complete.intent");
  bool partial = false;
  for (int i = 0; i < static_cast<int>(job.files.size()); ++i) {
    JobFile& f = job.files[i];
    if (!FileReady(job, i)) {  // incomplete, or failed its SHA-256 check: never exposed
      partial = true;
      if (f.temp_created) ::unlink(f.temp_path().c_str());
      f.temp_created = false;
      continue;
    }
    // A ready file without its temp file was moved by an earlier attempt (a failed Complete,
    // or the run a crash interrupted).
    if (f.temp_created) {
      std::string why;
      // With byte ranges the local file holds them packed, in the caller's order
      // (IBackgroundCopyJob3::AddFileWithRanges): the packed copy is what moves into place.
      std::string from = f.temp_path();
      if (!f.spec.ranges.empty()) {
        from += ".packed";
        if (const hr::HResult h = PackRanges(f.temp_path(), from, job.tracker.Resolved(i), &why);
            hr::Failed(h)) {
          Logf(LogLevel::kWarning, "jobs", "cannot pack the ranges of %s: %s",
               f.spec.local_path.c_str(), why.c_str());
          return h;
        }
      }
      if (const hr::HResult h = MoveIntoPlace(from, f.spec.local_path, &why); hr::Failed(h)) {
        if (from != f.temp_path()) ::unlink(from.c_str());
        return h;
      }
      if (from != f.temp_path()) ::unlink(f.temp_path().c_str());
      f.temp_created = false;
      CrashPoint("complete.renamed");
    }
    MutexLock lock(job.view->files_mu);
    if (static_cast<std::size_t>(i) < job.view->files.size()) job.view->files[i].completed = true;
  }
  SetState(job, JobState::kAcknowledged);  // and out of the store
  for (int i = 0; i < static_cast<int>(job.files.size()); ++i) {
    const JobFile& f = job.files[i];
    if (!FileReady(job, i)) continue;
    // In the service the file is the store's (the user took its own copy before Complete):
    // kept only while a seed serves it, and one seed per content.
    const bool store_owned = !f.spec.client_path.empty();
    // Plain HTTP, or ranges only (the local file is not the content): nothing to serve.
    bool served = false;
    if (options_.seed_after_complete && !f.spec.metainfo.empty() && f.spec.ranges.empty() &&
        !(store_owned && seeds_->Serves(f.spec.metainfo))) {
      Swarm::AddParams params;
      params.metainfo = f.spec.metainfo;
      params.save_dir = f.dir;
      params.file_name = f.final_name;
      params.seed_mode = true;  // just verified piece by piece
      TorrentLayout layout;
      std::string error;
      int key = -1;
      if (hr::Succeeded(swarm_->Add(params, &key, &layout, &error))) {
        seeds_->Serve(key, f.spec.metainfo, f.dir, f.final_name, layout, store_owned);
        served = true;
      }
    }
    if (store_owned && !served) ::unlink(f.spec.local_path.c_str());  // nothing needs it
  }
  return partial ? hr::kBgSPartialComplete : hr::kOk;
}

void Engine::Impl::AddSeed(const std::string& metainfo, const std::string& dir, Reply reply,
                           std::string* error) {
  AssertEngineThread(__func__);
  Swarm::AddParams params;
  params.metainfo = metainfo;
  params.save_dir = dir;
  TorrentLayout layout;
  int key = -1;
  const hr::HResult h = swarm_->Add(params, &key, &layout, error);
  if (hr::Failed(h)) return reply(h);
  pending_seeds_[key] = {std::move(reply), error};
  added_seeds_[dir] = key;
}

hr::HResult Engine::Impl::RemoveSeed(const std::string& dir) {
  AssertEngineThread(__func__);
  auto it = added_seeds_.find(dir);
  if (it == added_seeds_.end()) return hr::kFalse;
  const int key = it->second;
  added_seeds_.erase(it);
  auto pending = pending_seeds_.find(key);
  if (pending != pending_seeds_.end()) {
    *pending->second.error = "removed while its pieces were checked";
    pending->second.reply(hr::kFail);
    pending_seeds_.erase(pending);
  }
  swarm_->Remove(key);
  return hr::kOk;
}

void Engine::Impl::Shutdown() {
  for (auto& [key, seed] : pending_seeds_) seed.reply(hr::kDoENoService);
  pending_seeds_.clear();
  for (const auto& job : jobs_.all()) {
    http_->Stop(*job);
    ranged_->Stop(*job);
  }
  if (durable_) {
    // Durable: the store has every job as of now, and temp files stay for the next run.
    resume_->SaveForShutdown();
    for (const auto& job : jobs_.all()) {
      if (!IsFinal(job->state)) durable_->Put(*job);
    }
    swarm_.reset();
    return;
  }
  swarm_.reset();
  // Not durable: what an engine leaves unfinished dies with it, temp files too.
  for (const auto& job : jobs_.all()) {
    for (JobFile& f : job->files) {
      if (f.temp_created) ::unlink(f.temp_path().c_str());
      f.temp_created = false;
    }
  }
}

void Engine::Impl::CancelInactive() {
  const std::int64_t now = clock_->WallNs();
  for (const auto& job : jobs_.all()) {
    if (job->busy ||
        !InactiveTooLong(options_, job->state, job->view->times.Load().modification_ns, now)) {
      continue;
    }
    Logf(LogLevel::kInfo, "jobs", "job %s cancelled after %u s without activity",
         job->view->id.ToString().c_str(), options_.job_inactivity_timeout_s);
    Cancel(*job, [](hr::HResult) {});
  }
}

void Engine::Impl::RollForward(Job& job) {
  // What the crash interrupted, finished as Complete would have: the files moved into place,
  // ACKNOWLEDGED (out of the store), seeded. Should a rename fail now, the job stays as
  // stored, still completing, for its caller.
  const std::string id = job.view->id.ToString();
  const hr::HResult h = FinishComplete(job);
  if (hr::Succeeded(h)) {
    durable_->warnings() += "job " + id + ": the Complete a crash interrupted is finished\n";
    return;
  }
  durable_->warnings() += "job " + id + ": cannot finish its Complete (" + hr::Describe(h) +
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
      if (!job.retry.no_progress_since) job.retry.no_progress_since = clock_->Now();
      job.retry.retry_at = clock_->Now();
      break;
    default:  // SUSPENDED, ERROR, TRANSFERRED wait for the caller
      break;
  }
}

}  // namespace shoal::engine
