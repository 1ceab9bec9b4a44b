#include "tools/apt/fetch.h"

#include <curl/curl.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <strings.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <thread>

#include "shoal/hresults.h"
#include "tools/shoal/job_runner.h"

namespace shoal::apt {
namespace {

struct Sink {
  int fd = -1;
  std::uint64_t written = 0;
  bool failed = false;
  std::string last_modified;
};

size_t OnBody(char* data, size_t size, size_t n, void* user) {
  auto* s = static_cast<Sink*>(user);
  const size_t len = size * n;
  for (size_t done = 0; done < len;) {
    const ssize_t w = ::write(s->fd, data + done, len - done);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) {
      s->failed = true;
      return 0;
    }
    done += static_cast<size_t>(w);
  }
  s->written += len;
  return len;
}

size_t OnHeader(char* data, size_t size, size_t n, void* user) {
  auto* s = static_cast<Sink*>(user);
  const std::string line(data, size * n);
  static constexpr char kName[] = "last-modified:";
  if (line.size() > sizeof kName - 1 && strncasecmp(line.c_str(), kName, sizeof kName - 1) == 0) {
    std::string v = line.substr(sizeof kName - 1);
    while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.erase(0, 1);
    while (!v.empty() && (v.back() == '\r' || v.back() == '\n' || v.back() == ' ')) v.pop_back();
    s->last_modified = v;
  }
  return size * n;
}

std::string Hex(const unsigned char* p, unsigned n) {
  static const char* kDigits = "0123456789abcdef";
  std::string out;
  for (unsigned i = 0; i < n; ++i) {
    out += kDigits[p[i] >> 4];
    out += kDigits[p[i] & 15];
  }
  return out;
}

}  // namespace

FetchOutcome FetchPlain(const AcquireRequest& req) {
  FetchOutcome out;
  out.via = "http";
  Sink sink;
  sink.fd =
      ::open(req.filename.c_str(), O_CREAT | O_WRONLY | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
  if (sink.fd < 0) {
    out.message = req.filename + ": " + std::strerror(errno);
    out.fail_reason = "WriteError";
    return out;
  }
  CURL* c = curl_easy_init();
  char err[CURL_ERROR_SIZE] = {0};
  curl_easy_setopt(c, CURLOPT_URL, req.url.c_str());
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, &OnBody);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &sink);
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, &OnHeader);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, &sink);
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, err);
  curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
  curl_easy_setopt(c, CURLOPT_MAXREDIRS, 10L);
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 30L);
  curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L);
  curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, 120L);
  curl_easy_setopt(c, CURLOPT_FILETIME, 1L);
  if (req.maximum_size) {
    curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE, static_cast<curl_off_t>(*req.maximum_size));
  }
  if (!req.last_modified.empty()) {
    const time_t when = curl_getdate(req.last_modified.c_str(), nullptr);
    if (when > 0) {
      curl_easy_setopt(c, CURLOPT_TIMECONDITION, static_cast<long>(CURL_TIMECOND_IFMODSINCE));
      curl_easy_setopt(c, CURLOPT_TIMEVALUE_LARGE, static_cast<curl_off_t>(when));
    }
  }
  const CURLcode rc = curl_easy_perform(c);
  long status = 0;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
  curl_easy_cleanup(c);
  ::close(sink.fd);
  out.last_modified = sink.last_modified;
  if (rc == CURLE_OK && status == 304) {
    out.ok = true;
    out.not_modified = true;
    return out;
  }
  if (rc == CURLE_OK && status >= 200 && status < 300 && !sink.failed) {
    out.ok = true;
    return out;
  }
  ::unlink(req.filename.c_str());  // nothing partial is left for apt to take
  if (sink.failed) {
    out.fail_reason = "WriteError";
    out.message = req.filename + ": cannot write (" + std::strerror(errno) + ")";
  } else if (rc == CURLE_OK) {
    out.fail_reason = "HttpError" + std::to_string(status);
    out.message = req.url + ": HTTP " + std::to_string(status);
    out.transient = status >= 500 || status == 408 || status == 429;
  } else if (rc == CURLE_FILESIZE_EXCEEDED) {
    out.fail_reason = "MaximumSizeExceeded";
    out.message = req.url + ": larger than Maximum-Size";
  } else {
    out.fail_reason = rc == CURLE_COULDNT_CONNECT ? "ConnectionRefused" : "Timeout";
    out.message = req.url + ": " + (err[0] ? err : curl_easy_strerror(rc));
    out.transient = true;
  }
  return out;
}

FetchOutcome FetchWithShoal(IBackgroundCopyManager* manager, const AcquireRequest& req) {
  FetchOutcome out;
  out.via = "shoal";
  cli::JobSpec spec;
  spec.url = req.url;
  spec.path = req.filename;
  spec.foreground = true;
  spec.retry_delay_s = 2;
  spec.no_progress_timeout_s = 30;  // then the fallback: plain apt would not wait longer
  const std::string& hex = req.expected.at("SHA256");
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2) {
    spec.sha256.push_back(static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16)));
  }
  cli::JobRunner job;
  std::string error;
  if (FAILED(job.Start(manager, spec, &error))) {
    out.message = error;
    return out;
  }
  for (int tick = 1;; ++tick) {
    const BG_JOB_STATE s = job.State();
    if (s == BG_JOB_STATE_TRANSFERRED) break;
    if (s == BG_JOB_STATE_ERROR) {
      out.message = job.ErrorText();
      job.Cancel();
      return out;
    }
    // The state is the service's last word: a service that died says no more, so it is asked
    // once a second whether it is still there (the fallback then, not a wait for ever).
    if (tick % 20 == 0 && job.Reach() == DO_E_NO_SERVICE) {
      out.message = "the shoal service went away";
      return out;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  if (HRESULT hr = job.Complete(); FAILED(hr)) {
    out.message = "cannot move " + req.filename + " into place: " + cli::DescribeHr(hr);
    return out;
  }
  out.ok = true;
  return out;
}

std::map<std::string, std::string> HashFile(const std::string& path, std::uint64_t* size) {
  std::map<std::string, std::string> out;
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return out;
  const struct {
    const char* name;
    const EVP_MD* md;
  } kinds[] = {{"MD5Sum", EVP_md5()},
               {"SHA1", EVP_sha1()},
               {"SHA256", EVP_sha256()},
               {"SHA512", EVP_sha512()}};
  EVP_MD_CTX* ctx[4];
  for (int i = 0; i < 4; ++i) {
    ctx[i] = EVP_MD_CTX_new();
    EVP_DigestInit_ex(ctx[i], kinds[i].md, nullptr);
  }
  std::uint64_t total = 0;
  char buf[1 << 16];
  bool ok = true;
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) ok = false;
    if (n <= 0) break;
    total += static_cast<std::uint64_t>(n);
    for (auto* c : ctx) EVP_DigestUpdate(c, buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
  for (int i = 0; i < 4; ++i) {
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned len = 0;
    EVP_DigestFinal_ex(ctx[i], md, &len);
    EVP_MD_CTX_free(ctx[i]);
    if (ok) out[kinds[i].name] = Hex(md, len);
  }
  if (size != nullptr) *size = total;
  return out;
}

}  // namespace shoal::apt
