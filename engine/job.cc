#include "engine/job.h"

namespace shoal::engine {

int CurrentFile(const Job& job) {
  for (int i = 0; i < static_cast<int>(job.files.size()); ++i) {
    if (!job.tracker.FileDone(i)) return i;
  }
  return -1;
}

double ActiveSeconds(const Job& job, double now_s) {
  return job.active_s + (job.active_since_s >= 0 ? now_s - job.active_since_s : 0.0);
}

void PublishView(Job& job, double now_s) {
  const JobProgress p = job.tracker.Progress();
  job.view->progress.Store(p);
  SourceBytes total;
  JobActivity activity;
  activity.peer_connections = job.peer_connections;
  const double active_s = ActiveSeconds(job, now_s);
  activity.download_duration_ns = static_cast<std::int64_t>(active_s * 1e9);
  {
    MutexLock lock(job.view->files_mu);
    job.view->files.resize(job.files.size());
    job.view->file_sources.resize(job.files.size());
    for (std::size_t i = 0; i < job.files.size(); ++i) {
      const JobFile& f = job.files[i];
      const bool completed = job.view->files[i].completed;
      job.view->files[i] = job.tracker.File(static_cast<int>(i));
      job.view->files[i].completed = completed;
      job.view->file_sources[i] = f.sources;
      total += f.sources;
      activity.http_connections +=
          static_cast<std::uint32_t>(CdnPump::InFlight(f) + (f.http.transfer ? 1 : 0));
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

}  // namespace shoal::engine
