#include "engine/durable_jobs.h"

#include <unistd.h>

#include <filesystem>
#include <set>

#include "engine/job.h"
#include "engine/log.h"
#include "engine/resume_book.h"

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
    sf.http = f.http.plain;
    sf.verified = f.integrity.verified;
    const FileProgress p = job.tracker.File(i);
    // With ranges: the content's size (the ranges and it give the wanted bytes back).
    sf.bytes_total = f.spec.ranges.empty() ? p.bytes_total : job.tracker.FileSize(i);
    sf.verified_bytes = p.bytes_transferred;
    sf.sources = f.sources;
    sf.ranged_chunks = RangedHttp::EncodeChunks(f.ranged.done);
    s.files.push_back(std::move(sf));
  }
  return s;
}

std::string TempPath(const StoredFile& f) {
  return std::filesystem::path(f.spec.local_path).parent_path().string() + "/" + f.temp_name;
}

void DeleteTempFiles(const StoredJob& s) {
  for (const StoredFile& f : s.files) ::unlink(TempPath(f).c_str());
}

}  // namespace

std::unique_ptr<DurableJobs> DurableJobs::Open(const EngineOptions& options, const Clock& clock,
                                               std::string* error) {
  std::unique_ptr<DurableJobs> d(new DurableJobs(options, clock));
  // The lock first: a second engine must not even read a store another one writes.
  d->lock_ = DataDirLock::Acquire(options.data_dir, error);
  if (!d->lock_) return nullptr;
  d->store_ = OpenSqliteJobStore(options.data_dir, &d->warnings_, error);
  if (!d->store_) return nullptr;
  // Beside the store, not in it: a corrupt jobs.db must not take the list down with it.
  if (!d->temps_.Open(options.data_dir + "/temp-files", error)) return nullptr;
  return d;
}

void DurableJobs::Put(Job& job) {
  // ACKNOWLEDGED leaves the store. CANCELLED stays until its temp files are gone (Remove):
  // the row is what a restart needs to finish deleting them.
  if (job.state == JobState::kAcknowledged) {
    std::string error;
    if (!store_->Remove(job.view->id, &error)) {
      Logf(LogLevel::kWarning, "store", "cannot remove job %s from the store: %s",
           job.view->id.ToString().c_str(), error.c_str());
    }
    job.persist_dirty = false;
    return;
  }
  std::string error;
  // Listed before the row is written, and so before the job can create them.
  std::vector<std::string> temps;
  for (const JobFile& f : job.files) temps.push_back(f.temp_path());
  if (!temps_.Add(temps, &error)) {
    Logf(LogLevel::kWarning, "store", "job %s: %s", job.view->id.ToString().c_str(), error.c_str());
  }
  // A store that cannot be written costs durability, not the transfer: say so and go on.
  std::int64_t stalled_since_ns = 0;
  if (job.retry.no_progress_since) {  // the engine clock's instant, as wall time
    stalled_since_ns = clock_.WallNs() - std::chrono::duration_cast<std::chrono::nanoseconds>(
                                             clock_.Now() - *job.retry.no_progress_since)
                                             .count();
  }
  if (!store_->Put(ToStored(job, stalled_since_ns), &error)) {
    Logf(LogLevel::kWarning, "store", "cannot save job %s: %s", job.view->id.ToString().c_str(),
         error.c_str());
  }
  job.persist_dirty = false;
}

void DurableJobs::Remove(Job& job, ResumeBook& resume) {
  std::string error;
  if (!store_->Remove(job.view->id, &error)) {
    Logf(LogLevel::kWarning, "store", "cannot remove job %s from the store: %s",
         job.view->id.ToString().c_str(), error.c_str());
  }
  for (const JobFile& f : job.files) resume.Forget(f.temp_path());
  job.persist_dirty = false;
}

bool DurableJobs::ProgressDue(double now_s) {
  if (now_s - last_progress_s_ < options_.persist_interval_s) return false;
  last_progress_s_ = now_s;
  return true;
}

bool InactiveTooLong(const EngineOptions& options, JobState state, std::int64_t modification_ns,
                     std::int64_t now_ns) {
  if (options.job_inactivity_timeout_s == 0 || IsFinal(state) || state == JobState::kTransferred ||
      modification_ns == 0) {
    return false;
  }
  return now_ns - modification_ns > std::int64_t{options.job_inactivity_timeout_s} * 1'000'000'000;
}

std::vector<StoredJob> DurableJobs::Load() {
  std::vector<StoredJob> out;
  for (StoredJob& s : store_->LoadAll(&warnings_)) {
    std::string error;
    if (InactiveTooLong(options_, s.state, s.times.modification_ns, clock_.WallNs())) {
      // Expired while no engine ran: cancelled as it would have been, temp files included.
      DeleteTempFiles(s);
      store_->Remove(s.id, &error);
      warnings_ += "job " + s.id.ToString() + " was inactive too long: cancelled\n";
      continue;
    }
    if (s.state == JobState::kCancelled) {
      // Cancelled, and killed before its temp files were all gone: finished now.
      DeleteTempFiles(s);
      store_->Remove(s.id, &error);
      warnings_ += "job " + s.id.ToString() + ": the Cancel a crash interrupted is finished\n";
      continue;
    }
    if (IsFinal(s.state)) continue;
    out.push_back(std::move(s));
  }
  std::set<std::string> claimed;
  for (const StoredJob& s : out) {
    for (const StoredFile& f : s.files) claimed.insert(TempPath(f));
  }
  std::string error;
  const std::vector<std::string> deleted = temps_.Collect(claimed, &error);
  if (!error.empty()) warnings_ += error + "\n";
  if (!deleted.empty()) {
    std::string paths;
    for (const std::string& p : deleted) paths += (paths.empty() ? "" : ", ") + p;
    warnings_ += "deleted " + std::to_string(deleted.size()) +
                 " temp file(s) no stored job claims: " + paths + "\n";
  }
  return out;
}

std::unique_ptr<Job> DurableJobs::Rebuild(StoredJob s) {
  auto owned = std::make_unique<Job>();
  Job& job = *owned;
  job.view = std::make_shared<JobView>(s.id);
  job.props = std::move(s.props);
  job.view->times.Store(s.times);
  job.view->error_count.store(s.error_count);
  job.error = std::move(s.error);
  job.completing = s.completing;
  const std::int64_t wall = clock_.WallNs();
  if (s.stalled_since_ns > 0 && s.stalled_since_ns <= wall) {
    // The no-progress window goes on from when it began: time with no engine running counts,
    // as it would have for a job that kept failing.
    job.retry.no_progress_since =
        clock_.Now() - std::chrono::duration_cast<Clock::Duration>(
                           std::chrono::nanoseconds(wall - s.stalled_since_ns));
  }
  bool all_whole = true;
  for (StoredFile& sf : s.files) {
    JobFile f;
    const std::filesystem::path local(sf.spec.local_path);
    f.dir = local.parent_path().string();
    f.final_name = local.filename().string();
    f.temp_name = sf.temp_name;
    f.http.plain = sf.http;
    f.spec = std::move(sf.spec);
    const int index = job.tracker.AddFile(sf.bytes_total);
    job.tracker.SetFileRanges(index, f.spec.ranges);
    const bool ranged = !f.spec.ranges.empty();
    const std::uint64_t want = job.tracker.File(index).bytes_total;  // the ranges' bytes
    const std::int64_t disk = StampFile(f.temp_path()).size;
    f.temp_created = disk >= 0;
    const std::uint64_t on_disk = disk < 0 ? 0 : static_cast<std::uint64_t>(disk);
    // A temp file with ranges holds them at their own offsets: its length says little.
    bool whole = sf.bytes_total != kSizeUnknown &&
                 (ranged ? disk >= 0 : on_disk == sf.bytes_total) && sf.verified_bytes == want;
    if (f.http.plain && ranged) {
      // The chunks recorded count only where the temp file still has their bytes (a torn
      // write, or a file changed behind our back, is fetched again); RangedHttp::Start checks
      // them once more when the file runs.
      std::vector<RangedChunk> chunks;
      if (!RangedHttp::DecodeChunks(sf.ranged_chunks, &chunks)) {
        warnings_ += "job " + s.id.ToString() + ": unreadable chunk record; fetching again\n";
        chunks.clear();
      }
      f.ranged.done = RangedHttp::Verified(f.temp_path(), chunks);
      std::uint64_t have = 0;
      for (const RangedChunk& c : f.ranged.done) have += c.range.length;
      whole = sf.bytes_total != kSizeUnknown && disk >= 0 && have == want;
      f.sources = sf.sources;
      f.sources.from_http = have;
      job.tracker.SetStreamedBytes(index, have);
    } else if (f.http.plain) {
      // Bytes reach the temp file in order: what is on disk is what was received.
      f.http.bytes = f.http.high_water =
          sf.bytes_total == kSizeUnknown ? on_disk : std::min(on_disk, sf.bytes_total);
      f.sources = sf.sources;
      job.tracker.SetStreamedBytes(index, f.http.bytes);
    } else {
      // Pieces need a re-check: shown as stored until the swarm has the file again, and
      // only when the file still has at least that many bytes.
      f.sources = sf.sources;
      f.restored = true;
      job.tracker.SetStreamedBytes(index, on_disk >= sf.verified_bytes ? sf.verified_bytes : 0);
    }
    f.integrity.verified = sf.verified && whole;
    if (job.completing) {
      // Complete's intent is stored: the files it found ready are renamed (temp file gone,
      // the final file whole) or about to be (temp file whole). Any other temp file is damaged.
      const bool ready = sf.bytes_total != kSizeUnknown && sf.verified_bytes == want &&
                         (f.spec.sha256.empty() || sf.verified);
      if (ready && disk >= 0 && !ranged && on_disk != sf.bytes_total) {
        job.completing = false;
        warnings_ +=
            "job " + s.id.ToString() + ": a temp file changed during Complete; fetching again\n";
      } else if (ready) {
        f.integrity.verified = sf.verified;
        job.tracker.SetStreamedBytes(index, want);
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
    Logf(LogLevel::kWarning, "store", "job %s: a temp file is missing or short; fetching again",
         s.id.ToString().c_str());
  }
  job.state = state;
  job.view->state.store(state);
  return owned;
}

}  // namespace shoal::engine
