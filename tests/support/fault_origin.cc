#include "tests/support/fault_origin.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <map>
#include <mutex>
#include <thread>

namespace shoal::testing {
namespace {

struct Entry {
  std::string content;
  std::vector<Fault> script;
  Fault then;
  std::vector<std::string> ranges;     // one per request
  std::vector<std::string> encodings;  // Accept-Encoding, one per request
  std::vector<std::string> if_ranges;  // If-Range, one per request
};

bool SendAll(int fd, const char* data, std::size_t len) {
  while (len > 0) {
    const ssize_t n = ::send(fd, data, len, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data += n;
    len -= static_cast<std::size_t>(n);
  }
  return true;
}

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

// "bytes=a-" or "bytes=a-b"; false when absent or of another form.
bool ParseRange(const std::string& v, std::uint64_t size, std::uint64_t* first,
                std::uint64_t* last) {
  unsigned long long a = 0, b = 0;
  if (std::sscanf(v.c_str(), "bytes=%llu-%llu", &a, &b) == 2) {
    *first = a;
    *last = std::min<std::uint64_t>(b, size - 1);
    return true;
  }
  if (std::sscanf(v.c_str(), "bytes=%llu-", &a) == 1) {
    *first = a;
    *last = size - 1;
    return true;
  }
  return false;
}

}  // namespace

struct FaultOrigin::Impl {
  int listen_fd = -1;
  std::uint16_t port = 0;
  std::atomic<bool> stop{false};
  mutable std::mutex mu;
  std::map<std::string, Entry> entries;
  std::map<std::string, int> requests;
  std::map<std::string, int> served;
  std::map<std::string, std::uint64_t> sent;
  std::vector<int> open_fds;
  std::vector<std::thread> threads;
  std::thread acceptor;

  void Accept() {
    for (;;) {
      pollfd p{listen_fd, POLLIN, 0};
      if (::poll(&p, 1, 50) < 0 && errno != EINTR) return;
      if (stop) return;
      if (!(p.revents & POLLIN)) continue;
      const int fd = ::accept(listen_fd, nullptr, nullptr);
      if (fd < 0) continue;
      std::lock_guard lock(mu);
      open_fds.push_back(fd);
      threads.emplace_back([this, fd] { Serve(fd); });
    }
  }

  void Serve(int fd) {
    std::string pending;
    while (ServeOne(fd, pending)) {
    }
    Close(fd);
  }

  // One request from `pending` and the socket; true when the connection stays open.
  bool ServeOne(int fd, std::string& pending) {
    std::string req = std::move(pending);
    pending.clear();
    char buf[4096];
    while (req.find("\r\n\r\n") == std::string::npos && req.size() < 65536) {
      const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
      if (n <= 0) return false;
      req.append(buf, static_cast<std::size_t>(n));
    }
    pending = req.substr(req.find("\r\n\r\n") + 4);
    req.resize(req.size() - pending.size());
    const auto sp1 = req.find(' ');
    const auto sp2 = req.find(' ', sp1 + 1);
    const std::string path = req.substr(sp1 + 1, sp2 - sp1 - 1);
    const std::string lower = Lower(req);
    const auto header = [&](const std::string& name) {
      const auto r = lower.find("\r\n" + name + ":");
      if (r == std::string::npos) return std::string();
      const auto begin = req.find_first_not_of(' ', r + 3 + name.size());
      return req.substr(begin, req.find("\r\n", begin) - begin);
    };
    const std::string range = header("range");
    Entry entry;
    Fault fault;
    bool found = false;
    if (req.rfind("HEAD ", 0) == 0) {
      // A HEAD (a client asking for the validators) takes no scripted answer and sends no
      // body: the steady answer's header fields only, counted nowhere.
      std::string head = "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n";
      {
        std::lock_guard lock(mu);
        auto it = entries.find(path);
        if (it != entries.end()) {
          head = "HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(it->second.content.size()) +
                 "\r\n" + it->second.then.headers;
        }
      }
      head += "Connection: close\r\n\r\n";
      SendAll(fd, head.data(), head.size());
      return false;
    }
    {
      std::lock_guard lock(mu);
      const int index = requests[path]++;
      auto it = entries.find(path);
      if (it != entries.end()) {
        found = true;
        it->second.ranges.push_back(range);
        it->second.encodings.push_back(header("accept-encoding"));
        it->second.if_ranges.push_back(header("if-range"));
        fault = index < static_cast<int>(it->second.script.size()) ? it->second.script[index]
                                                                    : it->second.then;
        entry.content = it->second.content;
      }
    }
    if (!found) fault.status = 404;
    if (!fault.junk.empty()) {
      SendAll(fd, fault.junk.data(), fault.junk.size());
      return false;
    }
    std::uint64_t sent_bytes = 0;
    // If-Range (RFC 9110 13.1.5): the range only while the validator is the content's own (an
    // ETag or Last-Modified among the answer's header lines), else the whole content.
    const std::string if_range = header("if-range");
    const bool current = if_range.empty() || fault.ignore_if_range ||
                         fault.headers.find(": " + if_range + "\r\n") != std::string::npos;
    Respond(fd, entry.content, fault, current ? range : "", &sent_bytes);
    {
      std::lock_guard lock(mu);
      ++served[path];
      sent[path] += sent_bytes;
    }
    return fault.keep_alive && !stop;
  }

  void Respond(int fd, const std::string& content, const Fault& f, const std::string& range,
               std::uint64_t* sent_bytes) {
    if (f.status != 0) {
      std::string head = "HTTP/1.1 " + std::to_string(f.status) + " Scripted\r\n";
      if (!f.location.empty()) head += "Location: " + f.location + "\r\n";
      head += f.headers;
      head += "Content-Length: 0\r\nConnection: close\r\n\r\n";
      SendAll(fd, head.data(), head.size());
      return;
    }
    const std::uint64_t size = content.size();
    std::uint64_t first = 0, last = size == 0 ? 0 : size - 1;
    bool partial = false;
    if (!range.empty() && !f.ignore_range && size > 0) {
      if (ParseRange(range, size, &first, &last)) {
        if (first >= size) {
          const std::string head = "HTTP/1.1 416 Range Not Satisfiable\r\nContent-Range: bytes */" +
                                   std::to_string(size) +
                                   "\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
          SendAll(fd, head.data(), head.size());
          return;
        }
        partial = true;
      } else {
        first = 0;
      }
    }
    const std::uint64_t length = size == 0 ? 0 : last - first + 1;
    std::string head = partial ? "HTTP/1.1 206 Partial Content\r\n" : "HTTP/1.1 200 OK\r\n";
    if (partial) {
      head += "Content-Range: bytes " + std::to_string(first) + "-" + std::to_string(last) + "/" +
              std::to_string(size) + "\r\n";
    }
    if (!f.no_length) {
      head += "Content-Length: " + std::to_string(length + f.extra_length + f.extra_body) + "\r\n";
    }
    if (!f.content_encoding.empty()) head += "Content-Encoding: " + f.content_encoding + "\r\n";
    head += f.headers;
    head += f.keep_alive ? "Accept-Ranges: bytes\r\n\r\n"
                         : "Accept-Ranges: bytes\r\nConnection: close\r\n\r\n";
    if (!SendAll(fd, head.data(), head.size())) return;
    std::uint64_t pos = first;
    const std::uint64_t end = first + length;
    const std::uint64_t stop_at = f.end == Fault::End::kComplete ? end : std::min(end, f.cut_at);
    while (pos < stop_at && !stop) {
      const std::uint64_t chunk = f.drip_bytes == 0 ? stop_at - pos
                                                    : std::min<std::uint64_t>(f.drip_bytes, stop_at - pos);
      if (!SendAll(fd, content.data() + pos, chunk)) return;
      pos += chunk;
      *sent_bytes += chunk;
      if (f.drip_delay.count() > 0) std::this_thread::sleep_for(f.drip_delay);
    }
    if (f.extra_body > 0 && pos == end) {
      const std::string junk(f.extra_body, 'J');
      if (!SendAll(fd, junk.data(), junk.size())) return;
    }
    if (f.end == Fault::End::kReset) {
      linger l{1, 0};  // close with RST
      ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
    } else if (f.end == Fault::End::kStall) {
      // Hold the connection open until the client hangs up or the origin stops.
      char scratch[256];
      while (!stop) {
        pollfd p{fd, POLLIN, 0};
        if (::poll(&p, 1, 50) > 0 && ::recv(fd, scratch, sizeof scratch, MSG_DONTWAIT) <= 0) break;
      }
    }
  }

  void Close(int fd) {
    std::lock_guard lock(mu);
    open_fds.erase(std::remove(open_fds.begin(), open_fds.end(), fd), open_fds.end());
    ::close(fd);
  }
};

FaultOrigin::FaultOrigin() : impl_(std::make_unique<Impl>()) {}

FaultOrigin::~FaultOrigin() {
  impl_->stop = true;
  if (impl_->acceptor.joinable()) impl_->acceptor.join();
  {
    std::lock_guard lock(impl_->mu);
    for (int fd : impl_->open_fds) ::shutdown(fd, SHUT_RDWR);
  }
  // No new threads start once the acceptor is gone.
  for (auto& t : impl_->threads) t.join();
  ::close(impl_->listen_fd);
}

std::unique_ptr<FaultOrigin> FaultOrigin::Start(std::string* error) {
  std::unique_ptr<FaultOrigin> origin(new FaultOrigin());
  Impl& impl = *origin->impl_;
  impl.listen_fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  if (impl.listen_fd < 0 || ::bind(impl.listen_fd, reinterpret_cast<sockaddr*>(&addr), len) != 0 ||
      ::listen(impl.listen_fd, 64) != 0 ||
      ::getsockname(impl.listen_fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    *error = std::string("fault origin: ") + std::strerror(errno);
    return nullptr;
  }
  impl.port = ntohs(addr.sin_port);
  impl.acceptor = std::thread([&impl] { impl.Accept(); });
  return origin;
}

std::string FaultOrigin::Url(const std::string& path) const {
  return "http://127.0.0.1:" + std::to_string(impl_->port) + path;
}

void FaultOrigin::Put(const std::string& path, std::string content, std::vector<Fault> script,
                      Fault then) {
  std::lock_guard lock(impl_->mu);
  impl_->entries[path] = {std::move(content), std::move(script), std::move(then), {}};
}

void FaultOrigin::Redirect(const std::string& path, const std::string& location) {
  Fault f;
  f.status = 302;
  f.location = location;
  Put(path, "", {}, f);
}

int FaultOrigin::Requests(const std::string& path) const {
  std::lock_guard lock(impl_->mu);
  auto it = impl_->requests.find(path);
  return it == impl_->requests.end() ? 0 : it->second;
}

std::vector<std::string> FaultOrigin::Ranges(const std::string& path) const {
  std::lock_guard lock(impl_->mu);
  auto it = impl_->entries.find(path);
  return it == impl_->entries.end() ? std::vector<std::string>{} : it->second.ranges;
}

int FaultOrigin::Served(const std::string& path) const {
  std::lock_guard lock(impl_->mu);
  auto it = impl_->served.find(path);
  return it == impl_->served.end() ? 0 : it->second;
}

std::uint64_t FaultOrigin::BytesSent(const std::string& path) const {
  std::lock_guard lock(impl_->mu);
  auto it = impl_->sent.find(path);
  return it == impl_->sent.end() ? 0 : it->second;
}

std::vector<std::string> FaultOrigin::AcceptEncodings(const std::string& path) const {
  std::lock_guard lock(impl_->mu);
  auto it = impl_->entries.find(path);
  return it == impl_->entries.end() ? std::vector<std::string>{} : it->second.encodings;
}

std::vector<std::string> FaultOrigin::IfRanges(const std::string& path) const {
  std::lock_guard lock(impl_->mu);
  auto it = impl_->entries.find(path);
  return it == impl_->entries.end() ? std::vector<std::string>{} : it->second.if_ranges;
}

}  // namespace shoal::testing
