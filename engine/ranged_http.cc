#include "engine/ranged_http.h"

#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "engine/byte_ranges.h"
#include "engine/job.h"
#include "engine/job_control.h"
#include "engine/range_fetch.h"

namespace shoal::engine {

bool RangedHttp::Busy(const Job& job) {
  for (const JobFile& f : job.files) {
    if (f.ranged.fd >= 0) return true;
  }
  return false;
}

void RangedHttp::Stop(Job& job) {
  for (JobFile& f : job.files) {
    ++f.ranged.token;
    f.ranged.busy = false;
    f.ranged.chunks.clear();
    if (f.ranged.fd >= 0) ::close(f.ranged.fd);
    f.ranged.fd = -1;
  }
}

void RangedHttp::Start(Job& job, int index, int fd) {
  JobFile& f = job.files[index];
  RangedHttpState& s = f.ranged;
  if (s.fd >= 0) ::close(s.fd);
  s.fd = fd;
  ++s.token;
  s.busy = false;
  s.bytes = 0;
  s.chunks.clear();
  job.tracker.SetStreamedBytes(index, 0);
  const std::uint64_t size = job.tracker.FileSize(index);
  if (size != kSizeUnknown) {
    for (const ByteRange& r : job.tracker.Resolved(index)) {
      for (std::uint64_t at = r.offset; at < r.offset + r.length; at += kChunk) {
        s.chunks.push_back({at, std::min(kChunk, r.offset + r.length - at)});
      }
    }
  }
  control_.Publish(job);
  Next(job, index);
}

void RangedHttp::Next(Job& job, int index) {
  JobFile& f = job.files[index];
  RangedHttpState& s = f.ranged;
  const bool probe = job.tracker.FileSize(index) == kSizeUnknown;
  if (!probe && s.chunks.empty()) {
    ::close(s.fd);
    s.fd = -1;
    return control_.Schedule(job);  // every range is in: the file is done
  }
  RangeRequest req;
  req.url = f.spec.remote_url;
  // The size is not known yet: one byte, for the complete length Content-Range gives.
  const ByteRange chunk = probe ? ByteRange{0, 1} : s.chunks.front();
  req.offset = chunk.offset;
  req.length = chunk.length;
  req.max_bytes_s = control_.RateFor(job);
  s.busy = true;
  const Uuid id = job.view->id;
  const int token = s.token;
  JobControl* control = &control_;
  fetcher_.Fetch(std::move(req), [this, control, id, index, token, chunk, probe](FetchResult r) {
    control->Post([=, this, r = std::move(r)]() mutable {
      OnAnswer(id, index, token, chunk, probe, std::move(r));
    });
  });
}

void RangedHttp::OnAnswer(const Uuid& id, int index, int token, ByteRange chunk, bool probe,
                          FetchResult r) {
  Job* job = control_.FindJob(id);
  if (job == nullptr || !IsActive(job->state)) return;
  JobFile& f = job->files[index];
  RangedHttpState& s = f.ranged;
  if (s.token != token || !s.busy || s.fd < 0) return;
  s.busy = false;
  if (hr::Failed(r.code)) {
    Stop(*job);
    if (r.transient) {
      return control_.TransientError(*job, r.code, ErrorContext::kRemoteFile, index, r.message);
    }
    return control_.Fail(*job, r.code, ErrorContext::kRemoteFile, index, r.message);
  }
  if (probe) {
    if (r.total == kSizeUnknown) {
      Stop(*job);
      return control_.Fail(*job, hr::kBgEInsufficientRangeSupport, ErrorContext::kRemoteFile, index,
                           f.spec.remote_url + ": the server did not say the file's size");
    }
    if (const std::string why = RangesOutside(f.spec.ranges, r.total); !why.empty()) {
      Stop(*job);
      return control_.Fail(*job, hr::kBgEInvalidRange, ErrorContext::kRemoteFile, index,
                           f.spec.remote_url + ": " + why);
    }
    job->tracker.SetFileSize(index, r.total);
    const int fd = s.fd;
    s.fd = -1;
    return Start(*job, index, fd);
  }
  for (std::size_t done = 0; done < r.body.size();) {
    const ssize_t w = ::pwrite(s.fd, r.body.data() + done, r.body.size() - done,
                               static_cast<off_t>(chunk.offset + done));
    if (w < 0 && errno == EINTR) continue;
    if (w < 0) {
      const int err = errno;
      Stop(*job);
      return control_.Fail(*job, hr::FromErrno(err), ErrorContext::kLocalFile, index,
                           f.temp_path() + ": " + std::strerror(err));
    }
    done += static_cast<std::size_t>(w);
  }
  s.chunks.erase(s.chunks.begin());
  s.bytes += r.body.size();
  f.sources.from_http += r.body.size();
  job->tracker.SetStreamedBytes(index, s.bytes);
  control_.Progressed(*job, /*new_bytes=*/true);
  if (IsActive(job->state) && s.token == token) Next(*job, index);
}

}  // namespace shoal::engine
