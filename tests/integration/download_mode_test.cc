// DODownloadMode against a metainfo file that names a tracker on a non-local address: in a
// network namespace of its own (198.51.100.1, TEST-NET-2, on its loopback), a tracker there
// and a peer there must never be reached in LAN mode, while a tracker on 127.0.0.1 still is.
// Needs root (or CAP_NET_ADMIN) for the namespace; skips, saying why, otherwise, and .ci/run
// fails when it was skipped.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <sstream>
#include <thread>

#include "engine/engine.h"
#include "engine/metainfo.h"
#include "tests/support/fault_origin.h"
#include "tests/support/fixtures.h"

namespace shoal::testing {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

constexpr const char* kFarIp = "198.51.100.1";

// Accepts TCP connections on ip:0 and counts them; with `reply`, reads a request and answers
// it with those bytes (a tracker), else closes at once (a peer).
class Listener {
 public:
  Listener(const std::string& ip, std::string reply) : reply_(std::move(reply)) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    ::inet_pton(AF_INET, ip.c_str(), &a.sin_addr);
    socklen_t len = sizeof a;
    if (::bind(fd_, reinterpret_cast<sockaddr*>(&a), len) != 0 || ::listen(fd_, 16) != 0 ||
        ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
      error_ = std::string("listen on ") + ip + ": " + std::strerror(errno);
      return;
    }
    port_ = ntohs(a.sin_port);
    thread_ = std::thread([this] { Run(); });
  }
  ~Listener() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
    ::close(fd_);
  }
  int port() const { return port_; }
  int count() const { return count_.load(); }
  const std::string& error() const { return error_; }

 private:
  void Run() {
    while (!stop_) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 50) <= 0) continue;
      const int c = ::accept(fd_, nullptr, nullptr);
      if (c < 0) continue;
      ++count_;
      if (!reply_.empty()) {
        std::string req;
        char buf[2048];
        while (req.find("\r\n\r\n") == std::string::npos) {
          const ssize_t n = ::recv(c, buf, sizeof buf, 0);
          if (n <= 0) break;
          req.append(buf, static_cast<std::size_t>(n));
        }
        const std::string head =
            "HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(reply_.size()) +
            "\r\nConnection: close\r\n\r\n";
        ::send(c, head.data(), head.size(), MSG_NOSIGNAL);
        ::send(c, reply_.data(), reply_.size(), MSG_NOSIGNAL);
      }
      ::close(c);
    }
  }
  int fd_ = -1;
  int port_ = 0;
  std::string reply_;
  std::string error_;
  std::atomic<bool> stop_{false};
  std::atomic<int> count_{0};
  std::thread thread_;
};

// A tracker's answer listing one peer, compact (BEP 23).
std::string Announce(const std::string& ip, int port) {
  in_addr a{};
  ::inet_pton(AF_INET, ip.c_str(), &a);
  std::string peer(reinterpret_cast<const char*>(&a), 4);
  peer += static_cast<char>(port >> 8);
  peer += static_cast<char>(port & 0xff);
  return "d8:intervali1800e5:peers6:" + peer + "e";
}

// The scenario, in the forked child. Returns "" when every check held, else what failed;
// "SKIP: why" when the namespace cannot be made.
std::string RunInOwnNetwork() {
  if (::unshare(CLONE_NEWNET) != 0) {
    return std::string("SKIP: cannot make a network namespace: ") + std::strerror(errno);
  }
  if (std::system("ip link set lo up && ip addr add 198.51.100.1/32 dev lo") != 0) {
    return "SKIP: cannot configure the namespace's loopback with ip(8)";
  }
  std::ostringstream fail;
  Listener far_peer(kFarIp, "");
  Listener far_tracker(kFarIp, Announce(kFarIp, far_peer.port()));
  Listener near_tracker("127.0.0.1", Announce(kFarIp, far_peer.port()));
  for (const Listener* l : {&far_peer, &far_tracker, &near_tracker}) {
    if (!l->error().empty()) return "SKIP: " + l->error();
  }
  std::string error;
  auto origin = FaultOrigin::Start(&error);
  if (!origin) return error;
  TempDir src, work;
  const std::string data = WriteRandomFile(src / "f.bin", 1 << 20);
  engine::MetainfoSpec spec;
  spec.path = src / "f.bin";
  // The far tracker first: libtorrent moves to the next only when it fails.
  spec.trackers = {
      "http://" + std::string(kFarIp) + ":" + std::to_string(far_tracker.port()) + "/announce",
      "http://127.0.0.1:" + std::to_string(near_tracker.port()) + "/announce"};
  std::string torrent;
  if (hr::Failed(engine::CreateMetainfo(spec, &torrent, &error))) return error;
  origin->Put("/f.bin", data);
  origin->Put("/f.bin.torrent", torrent);

  engine::EngineOptions o;  // download_mode left at its default: LAN
  o.listen_interface = "127.0.0.1:0";
  o.delay_foreground_download_from_http_s = 0;
  o.delay_background_download_from_http_s = 0;
  auto e = engine::Engine::Start(o, nullptr, &error);
  if (!e) return "engine: " + error;
  std::shared_ptr<const engine::JobView> job;
  e->CreateJob("lan", &job);
  e->AddFiles(job->id, {{origin->Url("/f.bin"), work / "f.bin", ""}});
  e->Resume(job->id);
  if (!WaitFor([&] { return near_tracker.count() > 0; }, seconds(60))) {
    fail << "the local tracker was never announced to; ";
  }
  if (!WaitFor([&] { return job->state.load() == engine::JobState::kTransferred; }, seconds(60))) {
    fail << "the job did not finish (" << engine::ToString(job->state.load()) << "); ";
  }
  // The local tracker handed out the far peer too: give a dial the time it would take.
  WaitFor([&] { return far_peer.count() > 0 || far_tracker.count() > 0; }, milliseconds(1500));
  if (far_tracker.count() > 0) {
    fail << "announced " << far_tracker.count() << " times to the tracker at " << kFarIp << "; ";
  }
  if (far_peer.count() > 0) {
    fail << "connected " << far_peer.count() << " times to the peer at " << kFarIp << "; ";
  }
  e.reset();
  return fail.str();
}

TEST(DownloadMode, LanModeReachesNoTrackerOrPeerBeyondTheLocalNetwork) {
  int pipe_fds[2];
  ASSERT_EQ(::pipe(pipe_fds), 0);
  const pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    ::close(pipe_fds[0]);
    const std::string result = RunInOwnNetwork();
    if (::write(pipe_fds[1], result.data(), result.size()) < 0) _exit(3);
    _exit(result.empty() ? 0 : 1);
  }
  ::close(pipe_fds[1]);
  std::string result;
  char buf[1024];
  for (ssize_t n; (n = ::read(pipe_fds[0], buf, sizeof buf)) > 0;) result.append(buf, n);
  ::close(pipe_fds[0]);
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  if (result.rfind("SKIP: ", 0) == 0) GTEST_SKIP() << result.substr(6);
  ASSERT_TRUE(WIFEXITED(status)) << "the child died: " << result;
  EXPECT_EQ(WEXITSTATUS(status), 0) << result;
  EXPECT_EQ(result, "");
}

TEST(DownloadMode, AnUnknownModeIsRefusedAtStart) {
  engine::EngineOptions o;
  o.listen_interface = "127.0.0.1:0";
  o.download_mode = 3;  // Internet: not implemented
  std::string error;
  EXPECT_FALSE(engine::Engine::Start(o, nullptr, &error));
  EXPECT_NE(error.find("download mode 3"), std::string::npos) << error;
}

}  // namespace
}  // namespace shoal::testing
