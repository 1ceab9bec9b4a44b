#include "engine/ranged_http.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>

#include "engine/byte_ranges.h"
#include "engine/job.h"
#include "engine/job_control.h"
#include "engine/metainfo.h"
#include "engine/range_fetch.h"

namespace shoal::engine {
namespace {

bool ParseU64(std::string_view text, std::uint64_t* out) {
  if (text.empty()) return false;
  const auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), *out);
  return ec == std::errc() && p == text.data() + text.size();
}

}  // namespace

std::vector<RangedChunk> RangedHttp::Verified(const std::string& path,
                                              const std::vector<RangedChunk>& chunks) {
  std::vector<RangedChunk> ok;
  if (chunks.empty()) return ok;
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return ok;
  std::string buf;
  for (const RangedChunk& c : chunks) {
    if (c.range.length == 0 || c.range.length > kChunk) continue;
    buf.resize(c.range.length);
    std::size_t got = 0;
    while (got < buf.size()) {
      const ssize_t n =
          ::pread(fd, buf.data() + got, buf.size() - got, static_cast<off_t>(c.range.offset + got));
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      got += static_cast<std::size_t>(n);
    }
    if (got == buf.size() && ToHex(Sha256(buf)) == c.sha256) ok.push_back(c);
  }
  ::close(fd);
  return ok;
}

std::string RangedHttp::EncodeChunks(const std::vector<RangedChunk>& chunks) {
  std::string out;
  for (const RangedChunk& c : chunks) {
    if (!out.empty()) out += ',';
    out += std::to_string(c.range.offset) + ':' + std::to_string(c.range.length) + ':' + c.sha256;
  }
  return out;
}

bool RangedHttp::DecodeChunks(const std::string& text, std::vector<RangedChunk>* out) {
  out->clear();
  if (text.empty()) return true;
  std::string_view rest(text);
  for (bool more = true; more;) {
    const std::size_t comma = std::min(rest.find(','), rest.size());
    const std::string_view item = rest.substr(0, comma);
    more = comma < rest.size();  // a comma names one more item
    rest.remove_prefix(more ? comma + 1 : comma);
    const std::size_t a = item.find(':');
    const std::size_t b = a == std::string_view::npos ? a : item.find(':', a + 1);
    if (b == std::string_view::npos) return false;
    RangedChunk c;
    c.sha256 = std::string(item.substr(b + 1));
    if (!ParseU64(item.substr(0, a), &c.range.offset) ||
        !ParseU64(item.substr(a + 1, b - a - 1), &c.range.length) || c.range.length == 0 ||
        c.sha256.size() != 64 ||
        c.sha256.find_first_not_of("0123456789abcdef") != std::string::npos) {
      return false;
    }
    out->push_back(std::move(c));
  }
  return true;
}

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
  const std::uint64_t size = job.tracker.FileSize(index);
  if (size != kSizeUnknown) {
    // What an earlier run wrote counts only once read back with its digest.
    const std::vector<RangedChunk> before = Verified(f.temp_path(), s.done);
    s.done.clear();
    for (const ByteRange& r : job.tracker.Resolved(index)) {
      for (std::uint64_t at = r.offset; at < r.offset + r.length; at += kChunk) {
        const ByteRange chunk{at, std::min(kChunk, r.offset + r.length - at)};
        auto kept = std::find_if(before.begin(), before.end(), [&](const RangedChunk& c) {
          return c.range.offset == chunk.offset && c.range.length == chunk.length;
        });
        if (kept != before.end()) {
          s.done.push_back(*kept);
          s.bytes += chunk.length;
        } else {
          s.chunks.push_back(chunk);
        }
      }
    }
  }
  f.sources.from_http = s.bytes;  // every byte of such a file comes from the origin
  job.tracker.SetStreamedBytes(index, s.bytes);
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
  s.done.push_back({chunk, ToHex(Sha256(r.body))});
  s.bytes += r.body.size();
  f.sources.from_http += r.body.size();
  job->tracker.SetStreamedBytes(index, s.bytes);
  control_.Progressed(*job, /*new_bytes=*/true);
  if (IsActive(job->state) && s.token == token) Next(*job, index);
}

}  // namespace shoal::engine
