#include "tools/shoal/sim_cache.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cctype>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <thread>

namespace shoal::cli {
namespace {

namespace fs = std::filesystem;

// Runs argv to its end (at most `limit_s`); true when it exited 0.
bool RunTool(const std::vector<std::string>& argv, const fs::path& log, double limit_s,
             std::string* error) {
  std::optional<Child> c = Child::Spawn(argv, "", log.string(), error);
  if (!c) return false;
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::milliseconds(static_cast<int>(limit_s * 1000));
  while (!c->Poll() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  if (c->Poll() && c->exit_code() == 0) return true;
  c->Kill();
  *error = argv[0] + " failed (" + log.string() + ")";
  return false;
}

// Waits up to 20 s for ip:port to accept connections while the child runs.
bool WaitListening(Child& c, const std::string& ip, int port) {
  for (int i = 0; i < 200; ++i) {
    if (Listening(ip, port)) return true;
    if (c.Poll()) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return false;
}

std::string Shoald(const std::string& self) {
  const fs::path here = fs::path(self).parent_path();
  for (const fs::path& p : {here / "shoald", here / ".." / "sbin" / "shoald"}) {
    if (::access(p.c_str(), X_OK) == 0) return p.string();
  }
  return "shoald";  // PATH
}

std::string ReadAll(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

std::optional<SiteCache> SiteCache::StartShoalNode(const std::string& self, const fs::path& dir,
                                                   const std::string& ip, std::string* error) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  const fs::path key = dir / "node-key.pem", pub = dir / "node-key.pub";
  if (!RunTool({"openssl", "genpkey", "-algorithm", "ed25519", "-out", key.string()},
               dir / "openssl.log", 10, error) ||
      !RunTool({"openssl", "pkey", "-in", key.string(), "-pubout", "-out", pub.string()},
               dir / "openssl.log", 10, error)) {
    *error = "cannot make the node's key: " + *error;
    return std::nullopt;
  }
  SiteCache c;
  c.ip_ = ip;
  c.port_ = FreePort(ip);
  c.dir_ = dir;
  const int bt_port = FreePort(ip);
  const std::string front = ip + ":" + std::to_string(c.port_);
  c.child_ = Child::Spawn(
      {Shoald(self), "--user", "--no-config", "--socket", (dir / "s.sock").string(),
       "--state-dir", (dir / "state").string(), "--cache-dir", (dir / "cache").string(),
       "--listen", ip + ":" + std::to_string(bt_port), "--cache-node", front,
       "--allow-local-origins", "--set", "cache_node_signing_key=" + key.string()},
      "", (dir / "shoald.log").string(), error);
  if (!c.child_ || !WaitListening(*c.child_, ip, c.port_)) {
    if (c.child_) *error = "the shoal cache node did not start (" + (dir / "shoald.log").string() + ")";
    return std::nullopt;
  }
  c.describe_ = "shoal node " + front;
  c.client_args_ = {"--set", "cache_host=" + front, "--set", "cache_public_key=" + pub.string()};
  c.Sample();
  return c;
}

std::optional<SiteCache> SiteCache::StartAptCacherNg(const fs::path& dir, const std::string& ip,
                                                     int origin_port, std::string* error) {
  const std::string tool = HaveTool("apt-cacher-ng") ? "apt-cacher-ng" : "/usr/sbin/apt-cacher-ng";
  if (tool[0] == '/' && ::access(tool.c_str(), X_OK) != 0) {
    *error = "apt-cacher-ng is not installed (tools/bootstrap.sh installs it)";
    return std::nullopt;
  }
  std::error_code ec;
  fs::create_directories(dir / "cache", ec);
  fs::create_directories(dir / "log", ec);
  SiteCache c;
  c.apt_cacher_ = true;
  c.ip_ = ip;
  c.port_ = LowFreePort(ip);
  c.dir_ = dir;
  if (c.port_ == 0 || origin_port >= 32768) {
    *error = "apt-cacher-ng needs ports below 32768 (origin port " + std::to_string(origin_port) + ")";
    return std::nullopt;
  }
  c.child_ = Child::Spawn(
      {tool, "-c", "/etc/apt-cacher-ng", "ForeGround=1", "Port=" + std::to_string(c.port_),
       "BindAddress=" + ip, "CacheDir=" + (dir / "cache").string(),
       "LogDir=" + (dir / "log").string(), "SocketPath=" + (dir / "socket").string(),
       "PidFile=" + (dir / "pid").string(), "AllowUserPorts=" + std::to_string(origin_port),
       // Its patterns name package archives; anything else is refused (403 "Forbidden file
       // type or location"). The sim's file is cached as a package would be.
       "PfilePatternEx=(^|/)update\\.bin$"},
      "", (dir / "stderr.log").string(), error);
  if (!c.child_ || !WaitListening(*c.child_, ip, c.port_)) {
    if (c.child_) *error = "apt-cacher-ng did not start (" + (dir / "stderr.log").string() + ")";
    return std::nullopt;
  }
  c.describe_ = "apt-cacher-ng " + ip + ":" + std::to_string(c.port_);
  c.client_args_ = {"--proxy", "http://" + ip + ":" + std::to_string(c.port_)};
  return c;
}

void SiteCache::Sample() {
  if (apt_cacher_ || !child_ || !child_->running()) return;
  const auto text = HttpGet(ip_, port_, "/shoal/v1/metrics");
  const auto parsed = text ? ParseNodeMetrics(*text) : std::nullopt;
  if (!parsed) return;
  counters_ = *parsed;
  known_ = true;
}

void SiteCache::Kill() {
  Sample();
  if (child_) child_->Kill();
}

void SiteCache::Stop() {
  if (!child_ || !child_->running()) return;
  Sample();
  child_->Stop();
  if (!apt_cacher_) return;
  const auto parsed = ParseAptCacherLog(ReadAll(dir_ / "log" / "apt-cacher.log"));
  if (parsed) counters_ = *parsed;
  known_ = parsed.has_value();
}

int LowFreePort(const std::string& ip) {
  // Spread parallel runs over the range: start where this process's pid points.
  static int next = 20000 + static_cast<int>(::getpid() % 1000) * 12;
  for (int tries = 0; tries < 12000; ++tries, ++next) {
    if (next >= 32768) next = 20000;
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return 0;
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<std::uint16_t>(next));
    ::inet_pton(AF_INET, ip.c_str(), &a.sin_addr);
    const bool free = ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
    ::close(fd);
    if (free) return next++;
  }
  return 0;
}

std::optional<std::string> HttpGet(const std::string& ip, int port, const std::string& path) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return std::nullopt;
  timeval tv{2, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<std::uint16_t>(port));
  ::inet_pton(AF_INET, ip.c_str(), &a.sin_addr);
  // HTTP/1.1 kept alive, read up to Content-Length: the node answers nothing to a request
  // that asks to close (HTTP/1.0 or "Connection: close").
  const std::string req = "GET " + path + " HTTP/1.1\r\nHost: " + ip + "\r\n\r\n";
  std::string reply;
  std::size_t body = std::string::npos, want = 0;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 &&
      ::send(fd, req.data(), req.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(req.size())) {
    char buf[8192];
    // A cap well above the metrics' few KiB: a misbehaving server cannot make us buffer more.
    for (ssize_t n; reply.size() < (1 << 20) && (n = ::recv(fd, buf, sizeof buf, 0)) > 0;) {
      reply.append(buf, static_cast<std::size_t>(n));
      if (body == std::string::npos && (body = reply.find("\r\n\r\n")) != std::string::npos) {
        body += 4;
        std::string head = reply.substr(0, body);
        for (char& c : head) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        const std::size_t at = head.find("\r\ncontent-length:");
        if (at == std::string::npos) break;
        want = std::strtoull(head.c_str() + at + 17, nullptr, 10);
      }
      if (body != std::string::npos && reply.size() >= body + want) break;
    }
  }
  ::close(fd);
  const bool ok = body != std::string::npos && reply.size() >= body + want && want > 0 &&
                  reply.rfind("HTTP/1.", 0) == 0 && reply.compare(8, 5, " 200 ") == 0;
  if (!ok) return std::nullopt;
  return reply.substr(body, want);
}

}  // namespace shoal::cli
