#include "engine/http_transfers.h"

#include <sys/stat.h>

#include <atomic>
#include <chrono>

#include "engine/job.h"
#include "engine/job_control.h"

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

HttpTransfers::HttpTransfers(HttpSource& source, JobControl& control)
    : source_(source), control_(control) {}

bool HttpTransfers::Busy(const Job& job) {
  for (const JobFile& f : job.files) {
    if (f.http.transfer) return true;
  }
  return false;
}

void HttpTransfers::Restart(Job& job, int index) {
  job.files[index].http.bytes = 0;
  job.tracker.SetStreamedBytes(index, 0);
}

void HttpTransfers::Start(Job& job, int index, int fd) {
  JobFile& f = job.files[index];
  struct stat st {};
  if (::fstat(fd, &st) != 0) st.st_size = 0;
  if (static_cast<std::uint64_t>(st.st_size) < f.http.bytes) {
    // The temp file lost bytes we counted (deleted or truncated while paused): start over.
    Restart(job, index);
    control_.Publish(job);
  }
  HttpRequest req;
  req.url = f.spec.remote_url;
  req.path = f.temp_path();
  req.fd = fd;
  req.offset = f.http.bytes;
  req.expected_size = job.tracker.FileSize(index);
  req.use_proxy = job.props.proxy_usage != 1;  // BG_JOB_PROXY_USAGE_NO_PROXY
  req.max_bytes_s = control_.RateFor(job);
  req.headers = job.props.custom_headers;
  if (req.offset > 0 && f.http.validator_known) req.if_range = f.http.validator;
  const int token = ++f.http.attempt;
  const Uuid id = job.view->id;
  auto reports = std::make_shared<ByteReports>();
  JobControl* control = &control_;
  HttpCallbacks cb;
  auto validator = std::make_shared<std::string>();  // the source's thread, then on_head's
  cb.on_validator = [validator](const std::string& v) { *validator = v; };
  cb.on_head = [this, control, id, index, token, validator](std::uint64_t size, bool restarted) {
    control->Post([=, this, v = *validator] { OnHead(id, index, token, size, restarted, v); });
  };
  cb.on_progress = [this, control, id, index, token, reports](std::uint64_t bytes) {
    reports->bytes.store(bytes, std::memory_order_relaxed);
    // A rate limit, not a job timer: real time whatever the engine's clock.
    const auto now = std::chrono::steady_clock::now();
    if (now - reports->last_post < kReportInterval || reports->queued.exchange(true)) return;
    reports->last_post = now;
    control->Post([=, this] {
      reports->queued.store(false);
      OnBytes(id, index, token, reports->bytes.load(std::memory_order_relaxed));
    });
  };
  cb.on_done = [this, control, id, index, token, reports](const HttpOutcome& outcome) {
    control->Post([=, this] {
      OnDone(id, index, token, reports->bytes.load(std::memory_order_relaxed), outcome);
    });
  };
  f.http.transfer = source_.Start(std::move(req), std::move(cb));
}

void HttpTransfers::Stop(Job& job) {
  for (JobFile& f : job.files) {
    if (!f.http.transfer) continue;
    f.http.transfer.reset();  // cancels; its late reports no longer match the token
    ++f.http.attempt;
  }
}

JobFile* HttpTransfers::Live(const Uuid& id, int index, int token, Job** job) {
  *job = control_.FindJob(id);
  if (*job == nullptr || !IsActive((*job)->state)) return nullptr;
  JobFile& f = (*job)->files[index];
  return f.http.attempt == token && f.http.transfer ? &f : nullptr;
}

void HttpTransfers::OnHead(const Uuid& id, int index, int token, std::uint64_t size, bool restarted,
                           const std::string& validator) {
  Job* job = nullptr;
  JobFile* f = Live(id, index, token, &job);
  if (f == nullptr) return;
  f->http.validator = validator;  // what jobs sharing the URL's transfer compare (decision 0017)
  f->http.validator_known = true;
  if (restarted) {
    // BITS restarts a file whose remote copy changed; a server that ignores Range looks the
    // same from here. Progress for this file goes back to 0.
    Restart(*job, index);
    job->tracker.SetFileSize(index, size);
  } else if (size != kSizeUnknown) {
    job->tracker.SetFileSize(index, size);
  }
  control_.Publish(*job);
}

void HttpTransfers::OnBytes(const Uuid& id, int index, int token, std::uint64_t bytes) {
  Job* job = nullptr;
  JobFile* f = Live(id, index, token, &job);
  if (f == nullptr) return;
  if (bytes > f->http.bytes) f->sources.from_http += bytes - f->http.bytes;
  f->http.bytes = bytes;
  job->tracker.SetStreamedBytes(index, bytes);
  // Only bytes never had before are progress: refetching after a restart is not.
  const bool new_bytes = bytes > f->http.high_water;
  if (new_bytes) f->http.high_water = bytes;
  control_.Progressed(*job, new_bytes);
}

void HttpTransfers::OnDone(const Uuid& id, int index, int token, std::uint64_t bytes,
                           HttpOutcome outcome) {
  Job* job = nullptr;
  if (Live(id, index, token, &job) == nullptr) return;
  OnBytes(id, index, token, bytes);
  if (!IsActive(job->state)) return;
  JobFile& f = job->files[index];
  f.http.transfer.reset();
  ++f.http.attempt;
  if (hr::Failed(outcome.code)) {
    if (outcome.transient) {
      return control_.TransientError(*job, outcome.code, outcome.context, index, outcome.message);
    }
    return control_.Fail(*job, outcome.code, outcome.context, index, outcome.message);
  }
  if (job->tracker.FileSize(index) == kSizeUnknown) {
    job->tracker.SetFileSize(index, f.http.bytes);  // the body's end told the size
  }
  control_.Publish(*job);
  control_.Schedule(*job);
}

}  // namespace shoal::engine
