#include "engine/content_discovery.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <map>
#include <random>
#include <set>
#include <thread>

#include "engine/discovery_wire.h"
#include "engine/log.h"
#include "engine/mutex.h"

namespace shoal::engine {
namespace {

using Clock = std::chrono::steady_clock;

double Seconds(Clock::time_point t) {
  return std::chrono::duration<double>(t.time_since_epoch()).count();
}

std::uint32_t V4(const std::string& ip) {
  in_addr a{};
  return inet_pton(AF_INET, ip.c_str(), &a) == 1 ? ntohl(a.s_addr) : 0;
}

std::string IpOf(const sockaddr_in& a) {
  char text[INET_ADDRSTRLEN] = {};
  inet_ntop(AF_INET, &a.sin_addr, text, sizeof text);
  return text;
}

void SetTimeouts(int fd, double s) {
  timeval tv{static_cast<time_t>(s), static_cast<suseconds_t>((s - static_cast<int>(s)) * 1e6)};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
}

// Reads until EOF or `max` + 1 bytes (then it is too long); false on a timeout or error.
bool ReadAll(int fd, std::size_t max, std::string* out) {
  char buf[16384];
  for (;;) {
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n == 0) return true;
    if (n < 0) return false;
    out->append(buf, static_cast<std::size_t>(n));
    if (out->size() > max) return false;
  }
}

bool WriteAll(int fd, const std::string& data) {
  for (std::size_t at = 0; at < data.size();) {
    const ssize_t n = ::send(fd, data.data() + at, data.size() - at, MSG_NOSIGNAL);
    if (n <= 0) return false;
    at += static_cast<std::size_t>(n);
  }
  return true;
}

}  // namespace

struct ContentDiscovery::State {
  struct Answer {
    sockaddr_in from{};
    std::uint16_t bt_port = 0, meta_port = 0;
  };
  struct Pending {
    std::string sha256;
    std::uint64_t nonce = 0;
    double deadline = 0;
    std::vector<Answer> answers;
    std::function<void(DiscoveryFound)> done;
    bool sent = false;
  };

  DiscoveryOptions options;
  int udp = -1, tcp = -1, wake = -1;
  std::uint16_t meta_port = 0;
  sockaddr_in group{};
  std::thread thread;
  std::mt19937_64 random{std::random_device{}()};
  double tokens = 0, refilled = 0;  // the answer rate (discovery thread only)

  mutable Mutex mu;
  bool stopping GUARDED_BY(mu) = false;
  std::map<std::string, std::string> held GUARDED_BY(mu);  // sha256 -> metainfo
  std::set<std::string> banned GUARDED_BY(mu);
  std::vector<Pending> incoming GUARDED_BY(mu);  // Finds not yet sent
  std::size_t in_flight GUARDED_BY(mu) = 0;      // Finds not yet answered
  std::vector<Pending> pending;                  // discovery thread only

  bool Local(const sockaddr_in& from) const {
    const std::uint32_t ip = ntohl(from.sin_addr.s_addr);
    for (const auto& [first, last] : options.local_ranges) {
      const std::uint32_t a = V4(first), b = V4(last);
      if (a != 0 && b != 0 && a <= ip && ip <= b) return true;
    }
    return false;
  }
  bool Trusted(const sockaddr_in& from) {
    MutexLock lock(mu);
    return Local(from) && banned.count(IpOf(from)) == 0;
  }
  bool Token(double now) {
    const double rate = options.answers_per_s;
    tokens = std::min(2 * rate, tokens + (now - refilled) * rate);
    refilled = now;
    if (tokens < 1) return false;
    tokens -= 1;
    return true;
  }
  void Wake() {
    const std::uint64_t one = 1;
    [[maybe_unused]] ssize_t n = ::write(wake, &one, sizeof one);
  }

  void Run();
  void OnDatagram(double now);
  void Serve(double now);
  void Advance(double now);
  bool FetchMetainfo(const Pending& p, const Answer& a, std::string* metainfo);
};

void ContentDiscovery::State::OnDatagram(double now) {
  char buf[kDiscoveryMessageMax + 1];
  sockaddr_in from{};
  socklen_t len = sizeof from;
  const ssize_t n = ::recvfrom(udp, buf, sizeof buf, 0, reinterpret_cast<sockaddr*>(&from), &len);
  if (n <= 0 || from.sin_family != AF_INET || !Trusted(from)) return;
  std::string why;
  const auto m = ParseDiscovery(std::string_view(buf, static_cast<std::size_t>(n)), &why);
  if (!m) return;
  if (m->kind == DiscoveryKind::kFind) {
    {
      MutexLock lock(mu);
      if (held.count(m->sha256) == 0) return;
    }
    for (const Pending& p : pending) {
      if (p.nonce == m->nonce) return;  // our own query, looped back
    }
    if (!Token(now)) return;
    DiscoveryMessage have = *m;
    have.kind = DiscoveryKind::kHave;
    have.bt_port = options.bt_port;
    have.meta_port = meta_port;
    const std::string out = EncodeDiscovery(have);
    ::sendto(udp, out.data(), out.size(), 0, reinterpret_cast<sockaddr*>(&from), sizeof from);
    return;
  }
  if (m->kind != DiscoveryKind::kHave) return;
  for (Pending& p : pending) {
    if (p.nonce != m->nonce || p.sha256 != m->sha256) continue;
    if (p.answers.size() >= kMaxAnswersPerFind) return;
    for (const Answer& a : p.answers) {
      if (a.from.sin_addr.s_addr == from.sin_addr.s_addr) return;  // one answer per holder
    }
    p.answers.push_back({from, m->bt_port, m->meta_port});
    return;
  }
}

void ContentDiscovery::State::Serve(double now) {
  sockaddr_in from{};
  socklen_t len = sizeof from;
  const int fd = ::accept4(tcp, reinterpret_cast<sockaddr*>(&from), &len, SOCK_CLOEXEC);
  if (fd < 0) return;
  // Served inline, each way bounded by io_timeout_s: metainfo is small and requests rare.
  if (Trusted(from) && Token(now)) {
    SetTimeouts(fd, options.io_timeout_s);
    std::string request;
    char buf[kDiscoveryMessageMax + 1];
    while (request.find("\r\n\r\n") == std::string::npos &&
           request.size() <= kDiscoveryMessageMax) {
      const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
      if (n <= 0) break;
      request.append(buf, static_cast<std::size_t>(n));
    }
    std::string why, metainfo;
    if (const auto m = ParseDiscovery(request, &why); m && m->kind == DiscoveryKind::kMeta) {
      MutexLock lock(mu);
      if (const auto it = held.find(m->sha256); it != held.end()) metainfo = it->second;
    }
    if (!metainfo.empty()) WriteAll(fd, metainfo);
  }
  ::close(fd);
}

bool ContentDiscovery::State::FetchMetainfo(const Pending& p, const Answer& a,
                                            std::string* metainfo) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  SetTimeouts(fd, options.io_timeout_s);
  sockaddr_in to = a.from;
  to.sin_port = htons(a.meta_port);
  DiscoveryMessage m{DiscoveryKind::kMeta, p.sha256, p.nonce};
  const bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&to), sizeof to) == 0 &&
                  WriteAll(fd, EncodeDiscovery(m)) && ::shutdown(fd, SHUT_WR) == 0 &&
                  ReadAll(fd, kMaxMetainfo, metainfo) && !metainfo->empty();
  ::close(fd);
  return ok;
}

// Sends new queries; tries the holders that answered, first come first; ends queries whose
// window passed (nothing found) or whose holder served the metainfo.
void ContentDiscovery::State::Advance(double now) {
  {
    MutexLock lock(mu);
    for (Pending& p : incoming) pending.push_back(std::move(p));
    incoming.clear();
  }
  for (auto it = pending.begin(); it != pending.end();) {
    Pending& p = *it;
    if (!p.sent) {
      const std::string out = EncodeDiscovery({DiscoveryKind::kFind, p.sha256, p.nonce});
      ::sendto(udp, out.data(), out.size(), 0, reinterpret_cast<sockaddr*>(&group), sizeof group);
      p.sent = true;
      p.deadline = now + options.window_s;
    }
    DiscoveryFound found;
    while (!p.answers.empty() && found.metainfo.empty()) {
      const Answer a = p.answers.front();
      p.answers.erase(p.answers.begin());
      std::string metainfo;
      if (!Trusted(a.from) || !FetchMetainfo(p, a, &metainfo)) continue;
      found = {IpOf(a.from) + ":" + std::to_string(a.bt_port), IpOf(a.from), std::move(metainfo)};
    }
    if (found.metainfo.empty() && now < p.deadline) {
      ++it;
      continue;
    }
    p.done(std::move(found));
    it = pending.erase(it);
    MutexLock lock(mu);
    --in_flight;
  }
}

void ContentDiscovery::State::Run() {
  for (;;) {
    {
      MutexLock lock(mu);
      if (stopping) break;
    }
    double next = 1.0;
    const double now = Seconds(Clock::now());
    for (const Pending& p : pending) next = std::min(next, std::max(0.0, p.deadline - now));
    pollfd fds[3] = {{udp, POLLIN, 0}, {tcp, POLLIN, 0}, {wake, POLLIN, 0}};
    ::poll(fds, 3, static_cast<int>(next * 1000) + 1);
    const double t = Seconds(Clock::now());
    if (fds[2].revents & POLLIN) {
      std::uint64_t count = 0;
      [[maybe_unused]] ssize_t n = ::read(wake, &count, sizeof count);
    }
    if (fds[0].revents & POLLIN) OnDatagram(t);
    if (fds[1].revents & POLLIN) Serve(t);
    Advance(t);
  }
  for (Pending& p : pending) p.done({});
  MutexLock lock(mu);
  for (Pending& p : incoming) p.done({});
}

std::unique_ptr<ContentDiscovery> ContentDiscovery::Start(const DiscoveryOptions& options,
                                                          std::string* error) {
  auto s = std::make_unique<State>();
  s->options = options;
  auto fail = [&](const std::string& what) {
    *error = what + ": " + std::strerror(errno);
    for (int fd : {s->udp, s->tcp, s->wake}) {
      if (fd >= 0) ::close(fd);
    }
    return nullptr;
  };
  in_addr local{};
  local.s_addr = htonl(V4(options.bind_ip));  // 0.0.0.0 when none
  s->group.sin_family = AF_INET;
  s->group.sin_port = htons(kDiscoveryPort);
  inet_pton(AF_INET, kDiscoveryGroup, &s->group.sin_addr);

  s->udp = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (s->udp < 0) return fail("content discovery: socket");
  const int on = 1;
  setsockopt(s->udp, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
  sockaddr_in any{};
  any.sin_family = AF_INET;
  any.sin_port = htons(kDiscoveryPort);
  if (::bind(s->udp, reinterpret_cast<sockaddr*>(&any), sizeof any) != 0) {
    return fail("content discovery: bind UDP port " + std::to_string(kDiscoveryPort));
  }
  ip_mreq join{s->group.sin_addr, local};
  if (setsockopt(s->udp, IPPROTO_IP, IP_ADD_MEMBERSHIP, &join, sizeof join) != 0) {
    return fail(std::string("content discovery: join ") + kDiscoveryGroup);
  }
  const unsigned char ttl = 1, loop = 0;  // the link only; our own queries are not heard
  setsockopt(s->udp, IPPROTO_IP, IP_MULTICAST_TTL, &ttl, sizeof ttl);
  setsockopt(s->udp, IPPROTO_IP, IP_MULTICAST_LOOP, &loop, sizeof loop);
  if (local.s_addr != 0) setsockopt(s->udp, IPPROTO_IP, IP_MULTICAST_IF, &local, sizeof local);

  s->tcp = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  sockaddr_in meta{};
  meta.sin_family = AF_INET;
  meta.sin_addr = local;
  socklen_t len = sizeof meta;
  if (s->tcp < 0 || ::bind(s->tcp, reinterpret_cast<sockaddr*>(&meta), sizeof meta) != 0 ||
      ::listen(s->tcp, 16) != 0 ||
      ::getsockname(s->tcp, reinterpret_cast<sockaddr*>(&meta), &len) != 0) {
    return fail("content discovery: metainfo endpoint");
  }
  s->meta_port = ntohs(meta.sin_port);
  s->wake = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (s->wake < 0) return fail("content discovery: eventfd");
  s->refilled = Seconds(Clock::now());
  s->tokens = 2.0 * options.answers_per_s;
  State* raw = s.get();
  s->thread = std::thread([raw] { raw->Run(); });
  return std::unique_ptr<ContentDiscovery>(new ContentDiscovery(std::move(s)));
}

ContentDiscovery::ContentDiscovery(std::unique_ptr<State> state) : state_(std::move(state)) {}

ContentDiscovery::~ContentDiscovery() {
  {
    MutexLock lock(state_->mu);
    state_->stopping = true;
  }
  state_->Wake();
  state_->thread.join();
  for (int fd : {state_->udp, state_->tcp, state_->wake}) ::close(fd);
}

void ContentDiscovery::Hold(const std::string& sha256, std::string metainfo) {
  MutexLock lock(state_->mu);
  state_->held[sha256] = std::move(metainfo);
}

void ContentDiscovery::Drop(const std::string& sha256) {
  MutexLock lock(state_->mu);
  state_->held.erase(sha256);
}

void ContentDiscovery::Find(const std::string& sha256, std::function<void(DiscoveryFound)> done) {
  {
    MutexLock lock(state_->mu);
    if (!state_->stopping && state_->in_flight < kMaxFinds) {
      ++state_->in_flight;
      State::Pending p;
      p.sha256 = sha256;
      p.nonce = std::uniform_int_distribution<std::uint64_t>()(state_->random);
      p.done = std::move(done);
      state_->incoming.push_back(std::move(p));
      done = nullptr;
    }
  }
  if (done) return done({});  // too many in flight: nothing found
  state_->Wake();
}

void ContentDiscovery::Ban(const std::string& ip) {
  MutexLock lock(state_->mu);
  state_->banned.insert(ip);
}

bool ContentDiscovery::Banned(const std::string& ip) const {
  MutexLock lock(state_->mu);
  return state_->banned.count(ip) != 0;
}

std::uint16_t ContentDiscovery::meta_port() const { return state_->meta_port; }

}  // namespace shoal::engine
