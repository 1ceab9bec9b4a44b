// Plain-HTTP files on the engine thread: starting a transfer into the temp file (resuming after
// the bytes counted), turning its reports into progress and source bytes, and its outcome into
// the next file, a transient error or a fatal one. Reports arrive as posted tasks and are
// dropped when stale (the job moved on, or a newer transfer replaced the one reporting).
#include <sys/stat.h>

#include <chrono>

#include "engine/engine_impl.h"

namespace shoal::engine {
namespace {

// Byte counts from the transfer's thread, coalesced: at most one task in the engine's queue,
// and at most one per kReportInterval, so a fast body (thousands of writes a second) does not
// keep waking the engine thread. The final count always arrives with the outcome.
constexpr auto kReportInterval = std::chrono::milliseconds(10);

struct ByteReports {
  std::atomic<std::uint64_t> bytes{0};
  std::atomic<bool> queued{false};
  std::chrono::steady_clock::time_point last_post{};  // the transfer's thread only
};

}  // namespace

void Engine::Impl::StartHttp(Job& job, int index) {
  JobFile& f = job.files[index];
  const int fd = OpenTemp(job, index);
  if (fd < 0) return;
  struct stat st {};
  if (::fstat(fd, &st) != 0) st.st_size = 0;
  if (static_cast<std::uint64_t>(st.st_size) < f.http_bytes) {
    // The temp file lost bytes we counted (deleted or truncated while paused): start over.
    f.http_bytes = 0;
    job.tracker.SetStreamedBytes(index, 0);
    Publish(job);
  }
  HttpRequest req;
  req.url = f.spec.remote_url;
  req.path = f.temp_path();
  req.fd = fd;
  req.offset = f.http_bytes;
  req.expected_size = job.tracker.FileSize(index);
  req.use_proxy = job.props.proxy_usage != 1;  // BG_JOB_PROXY_USAGE_NO_PROXY
  req.max_bytes_s = RateFor(job);
  const int token = ++f.http_attempt;
  const Uuid id = job.view->id;
  auto reports = std::make_shared<ByteReports>();
  HttpCallbacks cb;
  cb.on_head = [this, id, index, token](std::uint64_t size, bool restarted) {
    Post([=, this] { OnHttpHead(id, index, token, size, restarted); });
  };
  cb.on_progress = [this, id, index, token, reports](std::uint64_t bytes) {
    reports->bytes.store(bytes, std::memory_order_relaxed);
    // A rate limit, not a job timer: real time whatever the engine's clock.
    const auto now = std::chrono::steady_clock::now();
    if (now - reports->last_post < kReportInterval || reports->queued.exchange(true)) return;
    reports->last_post = now;
    Post([=, this] {
      reports->queued.store(false);
      OnHttpBytes(id, index, token, reports->bytes.load(std::memory_order_relaxed));
    });
  };
  cb.on_done = [this, id, index, token, reports](const HttpOutcome& outcome) {
    Post([=, this] {
      OnHttpDone(id, index, token, reports->bytes.load(std::memory_order_relaxed), outcome);
    });
  };
  f.http_transfer = http_->Start(std::move(req), std::move(cb));
}

void Engine::Impl::StopHttp(Job& job) {
  for (JobFile& f : job.files) {
    if (!f.http_transfer) continue;
    f.http_transfer.reset();  // cancels; its late reports no longer match the token
    ++f.http_attempt;
  }
}

JobFile* Engine::Impl::LiveHttpFile(const Uuid& id, int index, int token, Job** job) {
  *job = FindJob(id);
  if (*job == nullptr || !IsActive((*job)->state)) return nullptr;
  JobFile& f = (*job)->files[index];
  return f.http_attempt == token && f.http_transfer ? &f : nullptr;
}

void Engine::Impl::OnHttpHead(const Uuid& id, int index, int token, std::uint64_t size,
                              bool restarted) {
  Job* job = nullptr;
  JobFile* f = LiveHttpFile(id, index, token, &job);
  if (f == nullptr) return;
  if (restarted) {
    // BITS restarts a file whose remote copy changed; a server that ignores Range looks the
    // same from here. Progress for this file goes back to 0.
    f->http_bytes = 0;
    job->tracker.SetStreamedBytes(index, 0);
    job->tracker.SetFileSize(index, size);
  } else if (size != kSizeUnknown) {
    job->tracker.SetFileSize(index, size);
  }
  Publish(*job);
}

void Engine::Impl::OnHttpBytes(const Uuid& id, int index, int token, std::uint64_t bytes) {
  Job* job = nullptr;
  JobFile* f = LiveHttpFile(id, index, token, &job);
  if (f == nullptr) return;
  if (bytes > f->http_bytes) f->sources.from_http += bytes - f->http_bytes;
  f->http_bytes = bytes;
  job->tracker.SetStreamedBytes(index, bytes);
  if (bytes > f->http_high_water) {
    // Only bytes never had before are progress: refetching after a restart is not.
    f->http_high_water = bytes;
    NoteProgress(*job);
  }
  Publish(*job);
  if (job->state == JobState::kQueued || job->state == JobState::kConnecting) {
    Apply(*job, JobAction::kStartTransfer);
  }
}

void Engine::Impl::OnHttpDone(const Uuid& id, int index, int token, std::uint64_t bytes,
                              HttpOutcome outcome) {
  Job* job = nullptr;
  if (LiveHttpFile(id, index, token, &job) == nullptr) return;
  OnHttpBytes(id, index, token, bytes);
  if (!IsActive(job->state)) return;
  JobFile& f = job->files[index];
  f.http_transfer.reset();
  ++f.http_attempt;
  if (hr::Failed(outcome.code)) {
    if (outcome.transient) {
      return TransientError(*job, outcome.code, outcome.context, index, outcome.message);
    }
    return Fail(*job, outcome.code, outcome.context, index, outcome.message);
  }
  if (job->tracker.FileSize(index) == kSizeUnknown) {
    job->tracker.SetFileSize(index, f.http_bytes);  // the body's end told the size
  }
  Publish(*job);
  Schedule(*job);
}

}  // namespace shoal::engine
