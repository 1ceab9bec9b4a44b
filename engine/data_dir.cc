// The data directory: its default location and the lock that keeps one engine per directory.
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>

#include "engine/job_store.h"

namespace shoal::engine {

std::unique_ptr<DataDirLock> DataDirLock::Acquire(const std::string& dir, std::string* error) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) {
    *error = "cannot create the data directory " + dir + ": " + ec.message();
    return nullptr;
  }
  const std::string path = dir + "/lock";
  const int fd = ::open(path.c_str(), O_CREAT | O_RDWR | O_CLOEXEC, 0600);
  if (fd < 0) {
    *error = "cannot open " + path + ": " + std::strerror(errno);
    return nullptr;
  }
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    const int err = errno;
    ::close(fd);
    *error = err == EWOULDBLOCK
                 ? "the data directory " + dir + " is in use by another shoal engine"
                 : "cannot lock " + path + ": " + std::strerror(err);
    return nullptr;
  }
  // For the operator: who holds it.
  if (::ftruncate(fd, 0) == 0) {
    const std::string pid = std::to_string(::getpid()) + "\n";
    if (::pwrite(fd, pid.data(), pid.size(), 0) < 0) { /* informational only */ }
  }
  return std::unique_ptr<DataDirLock>(new DataDirLock(fd));
}

DataDirLock::~DataDirLock() { ::close(fd_); }  // releases the flock

std::string DefaultDataDir() {
  const char* state = std::getenv("XDG_STATE_HOME");
  if (state != nullptr && state[0] == '/') return std::string(state) + "/shoal";
  const char* home = std::getenv("HOME");
  if (home != nullptr && home[0] != '\0') return std::string(home) + "/.local/state/shoal";
  return "";
}

}  // namespace shoal::engine
