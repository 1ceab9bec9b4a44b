#include "origin/origin_session.h"

#include <fcntl.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <cerrno>
#include <climits>
#include <cstdlib>
#include <ctime>
#include <optional>
#include <string_view>

#include "origin/http_range.h"

namespace shoal::origin {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

constexpr auto kIdleTimeout = std::chrono::seconds(60);    // between requests
constexpr auto kHeaderTimeout = std::chrono::seconds(30);  // writing one response header
constexpr auto kLingerTimeout = std::chrono::seconds(5);   // draining after Connection: close
// Body bytes one connection sends before letting others on the same thread run.
constexpr std::uint64_t kBurst = 4 << 20;
constexpr std::uint64_t kMaxChunk = 1 << 20;  // largest single reservation from the bucket

// RFC 9110 IMF-fixdate, independent of the process locale.
std::string HttpDate(std::time_t t) {
  static constexpr const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[40];
  std::snprintf(buf, sizeof buf, "%s, %02d %s %04d %02d:%02d:%02d GMT", kDays[tm.tm_wday],
                tm.tm_mday, kMonths[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min,
                tm.tm_sec);
  return buf;
}

std::string_view ToStd(beast::string_view s) { return {s.data(), s.size()}; }

class Session final : public OriginSession, public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, std::shared_ptr<OriginShared> shared)
      : shared_(std::move(shared)), stream_(std::move(socket)), timer_(stream_.get_executor()) {}

  ~Session() override {
    CloseFile();
    if (id_ != 0) shared_->Unregister(id_);
  }

  void Start() {
    id_ = shared_->Register(shared_from_this());
    beast::error_code ec;
    stream_.socket().native_non_blocking(true, ec);  // sendfile must return EAGAIN, not block
    stream_.socket().set_option(tcp::no_delay(true), ec);
    if (ec || !shared_->available) return HardClose();
    ReadRequest();
  }

  void Close() override {
    asio::post(stream_.get_executor(), [self = shared_from_this()] { self->HardClose(); });
  }

 private:
  void ReadRequest() {
    parser_.emplace();
    parser_->header_limit(16 << 10);
    stream_.expires_after(kIdleTimeout);
    http::async_read(
        stream_, buffer_, *parser_,
        [self = shared_from_this()](beast::error_code ec, std::size_t) { self->OnRead(ec); });
  }

  void OnRead(beast::error_code ec) {
    if (closed_) return;
    if (!shared_->available) return HardClose();
    if (ec) {
      // A malformed request gets a 400 and the connection ends; EOF, timeouts and resets
      // just end it.
      const bool malformed =
          ec.category() == http::make_error_code(http::error::bad_target).category() &&
          ec != http::error::end_of_stream && ec != http::error::partial_message;
      if (!malformed) return HardClose();
      ++shared_->requests;
      keep_alive_ = false;
      StartResponse(11, http::status::bad_request);
      return WriteHeader();
    }
    ++shared_->requests;
    if (!shared_->record_header.empty()) {
      const auto& req = parser_->get();
      const auto it = req.find(shared_->record_header);
      shared_->RecordHeader(std::string(req.target()) + " " +
                            (it == req.end() ? std::string() : std::string(it->value())));
    }
    Respond(parser_->get());
  }

  void StartResponse(unsigned version, http::status status) {
    CloseFile();
    remaining_ = 0;
    chunk_left_ = 0;
    path_counter_ = nullptr;
    res_ = {};
    delayed_ = false;
    res_.version(version);
    res_.result(status);
    res_.set(http::field::server, "shoal-origin");
    res_.set(http::field::accept_ranges, "bytes");
    res_.content_length(0);
    res_.keep_alive(keep_alive_);
  }

  void Respond(const http::request<http::empty_body>& req) {
    keep_alive_ = req.keep_alive();
    const bool head = req.method() == http::verb::head;
    if (!head && req.method() != http::verb::get) {
      StartResponse(req.version(), http::status::method_not_allowed);
      res_.set(http::field::allow, "GET, HEAD");
      return WriteHeader();
    }
    std::string url_path;
    switch (DecodeTarget(ToStd(req.target()), &url_path)) {
      case TargetResult::kBadRequest:
        StartResponse(req.version(), http::status::bad_request);
        return WriteHeader();
      case TargetResult::kForbidden:
        StartResponse(req.version(), http::status::forbidden);
        return WriteHeader();
      case TargetResult::kOk:
        break;
    }
    StartResponse(req.version(), http::status::ok);
    struct stat st {};
    if (!OpenFile(url_path, &st)) {
      res_.result(http::status::not_found);
      return WriteHeader();
    }
    const auto size = static_cast<std::uint64_t>(st.st_size);
    ByteRange range{0, size};
    if (auto it = req.find(http::field::range); it != req.end()) {
      switch (ParseRange(ToStd(it->value()), size, &range)) {
        case RangeResult::kUnsatisfiable:
          CloseFile();
          res_.result(http::status::range_not_satisfiable);
          res_.set(http::field::content_range, "bytes */" + std::to_string(size));
          return WriteHeader();
        case RangeResult::kPartial:
          res_.result(http::status::partial_content);
          res_.set(http::field::content_range, "bytes " + std::to_string(range.first) + "-" +
                                                   std::to_string(range.first + range.length - 1) +
                                                   "/" + std::to_string(size));
          break;
        case RangeResult::kFull:
          range = {0, size};
          break;
      }
    }
    res_.set(http::field::content_type, "application/octet-stream");
    res_.set(http::field::last_modified, HttpDate(st.st_mtime));
    res_.content_length(range.length);
    offset_ = static_cast<off_t>(range.first);
    remaining_ = head ? 0 : range.length;
    if (remaining_ > 0) path_counter_ = shared_->PathCounter(url_path);
    WriteHeader();
  }

  // Opens the regular file behind `url_path`; false for anything missing, not a regular file,
  // or resolving (through symlinks) outside the root.
  bool OpenFile(const std::string& url_path, struct stat* st) {
    const std::string path = shared_->root.string() + url_path;
    char resolved[PATH_MAX];
    if (::realpath(path.c_str(), resolved) == nullptr) return false;
    std::string prefix = shared_->root.string();
    if (prefix.back() != '/') prefix.push_back('/');
    if (std::string_view(resolved).substr(0, prefix.size()) != prefix) return false;
    file_ = ::open(resolved, O_RDONLY | O_CLOEXEC);
    if (file_ < 0) return false;
    if (::fstat(file_, st) != 0 || !S_ISREG(st->st_mode)) {
      CloseFile();
      return false;
    }
    return true;
  }

  void WriteHeader() {
    if (const std::uint32_t ms = shared_->latency_ms.load(); ms > 0 && !delayed_) {
      delayed_ = true;  // the round trip, once per response
      timer_.expires_after(std::chrono::milliseconds(ms));
      timer_.async_wait([self = shared_from_this()](beast::error_code ec) {
        if (!ec && !self->closed_) self->WriteHeader();
      });
      return;
    }
    stream_.expires_after(kHeaderTimeout);
    http::async_write(stream_, res_,
                      [self = shared_from_this()](beast::error_code ec, std::size_t) {
                        if (self->closed_) return;
                        if (ec && ec != http::error::end_of_stream) return self->HardClose();
                        self->stream_.expires_never();
                        self->PumpBody();
                      });
  }

  // Sends the body with sendfile in bucket-sized chunks, waiting on the bucket's timer or on
  // socket writability; counts exactly what the kernel accepted.
  void PumpBody() {
    if (closed_) return;
    std::uint64_t burst = 0;
    while (remaining_ > 0) {
      if (chunk_left_ == 0) {
        // The aggregate cap and this connection's own: the chunk waits for the later of both.
        const std::uint64_t own_rate = shared_->per_connection_rate.load();
        if (own_rate != own_bucket_.rate()) own_bucket_.SetRate(own_rate);
        chunk_left_ =
            own_bucket_.ChunkSize(shared_->bucket.ChunkSize(std::min(remaining_, kMaxChunk)));
        const auto wait =
            std::max(shared_->bucket.Reserve(chunk_left_), own_bucket_.Reserve(chunk_left_));
        if (wait > TokenBucket::Clock::duration::zero()) {
          timer_.expires_after(wait);
          timer_.async_wait([self = shared_from_this()](beast::error_code ec) {
            if (!ec) self->PumpBody();
          });
          return;
        }
      }
      if (burst >= kBurst) {  // be fair to the other connections on this thread
        asio::post(stream_.get_executor(), [self = shared_from_this()] { self->PumpBody(); });
        return;
      }
      const ssize_t n = ::sendfile(stream_.socket().native_handle(), file_, &offset_,
                                   static_cast<std::size_t>(chunk_left_));
      if (n > 0) {
        const auto sent = static_cast<std::uint64_t>(n);
        chunk_left_ -= sent;
        remaining_ -= sent;
        burst += sent;
        shared_->bytes_served += sent;
        *path_counter_ += sent;
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
        stream_.socket().async_wait(tcp::socket::wait_write,
                                    [self = shared_from_this()](beast::error_code ec) {
                                      if (ec) return self->HardClose();
                                      self->PumpBody();
                                    });
        return;
      }
      // A peer reset (EPIPE, ECONNRESET), or the file shrank under us (n == 0): the promised
      // Content-Length cannot be met, so the connection must end.
      return HardClose();
    }
    FinishResponse();
  }

  void FinishResponse() {
    CloseFile();
    if (keep_alive_) return ReadRequest();
    // Lingering close: stop sending, then drain what the client still sends, so unread
    // pipelined requests don't make the kernel reset the connection before it reads our reply.
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    Drain();
  }

  void Drain() {
    stream_.expires_after(kLingerTimeout);
    stream_.async_read_some(asio::buffer(drain_, sizeof drain_),
                            [self = shared_from_this()](beast::error_code ec, std::size_t) {
                              if (ec) return self->HardClose();
                              self->Drain();
                            });
  }

  void HardClose() {
    if (closed_) return;
    closed_ = true;
    timer_.cancel();
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ec);
    stream_.socket().close(ec);
    CloseFile();
  }

  void CloseFile() {
    if (file_ >= 0) ::close(file_);
    file_ = -1;
  }

  std::shared_ptr<OriginShared> shared_;
  std::uint64_t id_ = 0;
  beast::tcp_stream stream_;
  asio::steady_timer timer_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::empty_body>> parser_;
  http::response<http::empty_body> res_;
  bool keep_alive_ = false;
  bool closed_ = false;
  int file_ = -1;
  off_t offset_ = 0;
  std::uint64_t remaining_ = 0;
  std::uint64_t chunk_left_ = 0;  // reserved from the buckets, not yet sent
  TokenBucket own_bucket_;        // this connection's cap (shared_->per_connection_rate)
  bool delayed_ = false;          // this response already waited out the latency
  std::atomic<std::uint64_t>* path_counter_ = nullptr;
  char drain_[4096];
};

}  // namespace

void StartOriginSession(tcp::socket socket, std::shared_ptr<OriginShared> shared) {
  std::make_shared<Session>(std::move(socket), std::move(shared))->Start();
}

std::atomic<std::uint64_t>* OriginShared::PathCounter(const std::string& url_path) {
  engine::MutexLock lock(mu_);
  auto& counter = per_path_[url_path];
  if (!counter) counter = std::make_unique<std::atomic<std::uint64_t>>(0);
  return counter.get();
}

std::uint64_t OriginShared::BytesServed(const std::string& url_path) const {
  engine::MutexLock lock(mu_);
  auto it = per_path_.find(url_path);
  return it == per_path_.end() ? 0 : it->second->load();
}

void OriginShared::RecordHeader(std::string entry) {
  engine::MutexLock lock(mu_);
  recorded_.push_back(std::move(entry));
}

std::vector<std::string> OriginShared::RecordedHeaders() const {
  engine::MutexLock lock(mu_);
  return recorded_;
}

std::uint64_t OriginShared::Register(const std::shared_ptr<OriginSession>& session) {
  engine::MutexLock lock(mu_);
  const std::uint64_t id = next_id_++;
  sessions_.emplace(id, session);
  return id;
}

void OriginShared::Unregister(std::uint64_t id) {
  engine::MutexLock lock(mu_);
  sessions_.erase(id);
}

void OriginShared::CloseAll() {
  std::vector<std::shared_ptr<OriginSession>> live;
  {
    engine::MutexLock lock(mu_);
    for (auto& [id, weak] : sessions_) {
      if (auto s = weak.lock()) live.push_back(std::move(s));
    }
  }
  for (auto& s : live) s->Close();
}

}  // namespace shoal::origin
