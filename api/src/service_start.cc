#include "api/src/service_start.h"

#include <fcntl.h>
#include <limits.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <thread>

#include "api/src/service_paths.h"

namespace shoal::api {
namespace {

std::string Env(const char* name) {
  const char* v = std::getenv(name);
  return v == nullptr ? "" : v;
}

bool Executable(const std::string& path) {
  return !path.empty() && ::access(path.c_str(), X_OK) == 0;
}

std::string ShoaldPath() {
  if (std::string forced = Env("SHOAL_SHOALD"); !forced.empty()) return forced;
  char self[PATH_MAX];
  const ssize_t n = ::readlink("/proc/self/exe", self, sizeof self - 1);
  if (n > 0) {
    std::string dir(self, static_cast<std::size_t>(n));
    dir.erase(dir.rfind('/') + 1);
    if (Executable(dir + "shoald")) return dir + "shoald";
  }
  const std::string path = Env("PATH");
  for (std::size_t at = 0; at <= path.size();) {
    std::size_t end = path.find(':', at);
    if (end == std::string::npos) end = path.size();
    const std::string candidate = path.substr(at, end - at) + "/shoald";
    if (end > at && Executable(candidate)) return candidate;
    at = end + 1;
  }
  return "";
}

bool AutostartAllowed() {
  const std::string v = Env("SHOAL_SERVICE_AUTOSTART");
  return !(v == "0" || v == "false" || v == "no" || v == "off");
}

bool WaitUntilAnswers(const std::string& socket, pid_t daemon) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (std::chrono::steady_clock::now() < deadline) {
    if (ServiceAnswers(socket)) return true;
    if (daemon > 0 && ::kill(daemon, 0) != 0 && errno == ESRCH) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

}  // namespace

bool ServiceAnswers(const std::string& path) {
  const int fd = ConnectUnix(path);
  if (fd < 0) return false;
  ::close(fd);
  return true;
}

bool StartUserService(const std::string& socket, std::string* why) {
  const std::size_t slash = socket.rfind('/');
  if (slash == std::string::npos || slash == 0) {
    *why = "no folder for " + socket;
    return false;
  }
  const std::string dir = socket.substr(0, slash);
  if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) {
    *why = "cannot create " + dir + ": " + std::strerror(errno);
    return false;
  }
  const std::string lock_path = dir + "/autostart.lock";
  const int lock = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (lock < 0) {
    *why = "cannot open " + lock_path + ": " + std::strerror(errno);
    return false;
  }
  struct Unlock {
    int fd;
    ~Unlock() { ::close(fd); }
  } unlock{lock};
  // A second client waits here, then finds the first one's service answering.
  while (::flock(lock, LOCK_EX) != 0) {
    if (errno != EINTR) {
      *why = "cannot lock " + lock_path + ": " + std::strerror(errno);
      return false;
    }
  }
  if (ServiceAnswers(socket)) return true;
  const std::string shoald = ShoaldPath();
  if (shoald.empty()) {
    *why = "no shoald to start (set $SHOAL_SHOALD or put it on $PATH)";
    return false;
  }
  int report[2];  // the grandchild's pid, from the middle process
  if (::pipe2(report, O_CLOEXEC) != 0) {
    *why = std::string("pipe: ") + std::strerror(errno);
    return false;
  }
  const pid_t middle = ::fork();
  if (middle < 0) {
    *why = std::string("fork: ") + std::strerror(errno);
    ::close(report[0]);
    ::close(report[1]);
    return false;
  }
  if (middle == 0) {
    // Only async-signal-safe calls until exec: a session of its own, detached from this
    // process (its parent exits at once, so init reaps it), stdio on /dev/null.
    ::setsid();
    const pid_t daemon = ::fork();
    if (daemon != 0) {
      (void)!::write(report[1], &daemon, sizeof daemon);
      ::_exit(daemon < 0 ? 1 : 0);
    }
    const int null = ::open("/dev/null", O_RDWR);
    if (null >= 0) {
      ::dup2(null, 0);
      ::dup2(null, 1);
      ::dup2(null, 2);
    }
    ::execl(shoald.c_str(), "shoald", "--user", static_cast<char*>(nullptr));
    ::_exit(127);
  }
  ::close(report[1]);
  pid_t daemon = -1;
  if (::read(report[0], &daemon, sizeof daemon) != sizeof daemon) daemon = -1;
  ::close(report[0]);
  int status = 0;
  while (::waitpid(middle, &status, 0) < 0 && errno == EINTR) {
  }
  if (!WaitUntilAnswers(socket, daemon)) {
    *why = shoald + " --user did not answer at " + socket;
    return false;
  }
  return true;
}

std::string FindOrStartService(bool* pinned, std::string* why) {
  *pinned = false;
  if (std::string forced = Env("SHOAL_SOCKET"); !forced.empty()) {
    *pinned = true;
    return forced;
  }
  const std::string system = SystemPaths().socket;
  if (ServiceAnswers(system)) return system;
  ServicePaths user;
  if (!UserPaths(&user, why)) return "";
  if (ServiceAnswers(user.socket)) return user.socket;
  if (!AutostartAllowed()) {
    *why = "no shoald answers and $SHOAL_SERVICE_AUTOSTART=0";
    return "";
  }
  if (!StartUserService(user.socket, why)) return "";
  return user.socket;
}

}  // namespace shoal::api
