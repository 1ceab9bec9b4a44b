#include "service/systemd_notify.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <string>

#include "tests/support/fixtures.h"

namespace shoal::service {
namespace {

// Plays the service manager's side of sd_notify: a datagram socket at NOTIFY_SOCKET.
class NotifySocket {
 public:
  explicit NotifySocket(const std::string& path) : path_(path) {
    fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_un a{};
    a.sun_family = AF_UNIX;
    std::strncpy(a.sun_path, path.c_str(), sizeof a.sun_path - 1);
    bound_ = ::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
    ::setenv("NOTIFY_SOCKET", path.c_str(), 1);
  }
  ~NotifySocket() {
    ::unsetenv("NOTIFY_SOCKET");
    ::close(fd_);
  }
  bool bound() const { return bound_; }
  std::string Next() {
    char buf[256];
    const ssize_t n = ::recv(fd_, buf, sizeof buf, MSG_DONTWAIT);
    return n > 0 ? std::string(buf, static_cast<std::size_t>(n)) : "";
  }

 private:
  std::string path_;
  int fd_ = -1;
  bool bound_ = false;
};

TEST(SystemdNotify, TellsTheServiceManagerReadyStatusAndStopping) {
  testing::TempDir dir;
  NotifySocket manager(dir / "notify");
  ASSERT_TRUE(manager.bound());
  std::string error;
  EXPECT_TRUE(NotifyReady("serving /run/shoal/shoal.sock", &error)) << error;
  EXPECT_EQ(manager.Next(), "READY=1\nSTATUS=serving /run/shoal/shoal.sock");
  EXPECT_TRUE(NotifyStatus("3 jobs", &error)) << error;
  EXPECT_EQ(manager.Next(), "STATUS=3 jobs");
  EXPECT_TRUE(NotifyStopping(&error)) << error;
  EXPECT_EQ(manager.Next(), "STOPPING=1");
}

TEST(SystemdNotify, OutsideSystemdNothingIsSent) {
  ::unsetenv("NOTIFY_SOCKET");
  std::string error;
  EXPECT_FALSE(NotifyReady("", &error));
  EXPECT_TRUE(error.empty()) << error;
}

// Runs `body` in a child with `fd` at descriptor 3 and LISTEN_* set as systemd would; the
// child's exit code.
template <typename Body>
int Activated(int fd, int count, bool our_pid, Body body) {
  const pid_t pid = ::fork();
  if (pid == 0) {
    if (::dup2(fd, 3) != 3) ::_exit(90);
    ::setenv("LISTEN_PID", std::to_string(our_pid ? ::getpid() : 1).c_str(), 1);
    ::setenv("LISTEN_FDS", std::to_string(count).c_str(), 1);
    ::_exit(body());
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

int UnixListener(const std::string& path) {
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un a{};
  a.sun_family = AF_UNIX;
  std::strncpy(a.sun_path, path.c_str(), sizeof a.sun_path - 1);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || ::listen(fd, 4) != 0) {
    return -1;
  }
  return fd;
}

TEST(SystemdNotify, TakesTheListeningSocketSystemdPassed) {
  testing::TempDir dir;
  const int listener = UnixListener(dir / "api.sock");
  ASSERT_GE(listener, 0);
  const int code = Activated(listener, 1, true, [] {
    std::string error;
    const int fd = TakeListenSocket(&error);
    if (fd != 3 || !error.empty()) return 1;
    if ((::fcntl(fd, F_GETFD) & FD_CLOEXEC) == 0) return 2;
    if (std::getenv("LISTEN_FDS") != nullptr) return 3;  // children must not take it too
    return 0;
  });
  EXPECT_EQ(code, 0) << "1: not taken; 2: not close-on-exec; 3: LISTEN_FDS left set";
  ::close(listener);
}

TEST(SystemdNotify, NoSocketWhenNonePassedOrPassedToAnotherProcess) {
  std::string error = "stale";
  ::unsetenv("LISTEN_FDS");
  EXPECT_EQ(TakeListenSocket(&error), -1);
  EXPECT_TRUE(error.empty()) << error;
  testing::TempDir dir;
  const int listener = UnixListener(dir / "api.sock");
  const int code = Activated(listener, 1, false, [] {
    std::string e;
    return TakeListenSocket(&e) == -1 && e.empty() ? 0 : 1;
  });
  EXPECT_EQ(code, 0) << "LISTEN_PID names another process: not ours";
  ::close(listener);
}

TEST(SystemdNotify, RefusesASocketThatIsNotAListeningUnixStream) {
  const int udp = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  ASSERT_GE(udp, 0);
  const int code = Activated(udp, 1, true, [] {
    std::string error;
    if (TakeListenSocket(&error) != -1) return 1;
    if (error.find("not a listening AF_UNIX stream socket") == std::string::npos) return 2;
    return ::fcntl(3, F_GETFD) == -1 ? 0 : 3;  // closed
  });
  EXPECT_EQ(code, 0) << "1: taken; 2: no clear error; 3: left open";
  ::close(udp);
}

}  // namespace
}  // namespace shoal::service
