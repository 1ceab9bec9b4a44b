#include "service/paths.h"

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>

namespace shoal::service {
namespace {

std::string Errno(const std::string& what) { return what + ": " + std::strerror(errno); }

}  // namespace

bool PrepareDir(const std::string& dir, unsigned mode, std::string* error) {
  std::error_code ec;
  const std::filesystem::path p(dir);
  if (p.has_parent_path()) std::filesystem::create_directories(p.parent_path(), ec);
  if (::mkdir(dir.c_str(), mode) != 0 && errno != EEXIST) {
    *error = Errno("mkdir " + dir);
    return false;
  }
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) {
    *error = Errno(dir + " is not a directory of its own (a symlink?)");
    return false;
  }
  struct stat st {};
  bool ok = ::fstat(fd, &st) == 0;
  if (ok && st.st_uid != ::geteuid()) {
    *error = dir + " belongs to uid " + std::to_string(st.st_uid) + ", not to us";
    ok = false;
  } else if (ok && (st.st_mode & 07777) != mode && ::fchmod(fd, mode) != 0) {
    *error = Errno("chmod " + dir);
    ok = false;
  }
  ::close(fd);
  return ok;
}

int ListenUnix(const std::string& path, unsigned mode, std::string* error) {
  sockaddr_un addr;
  if (!api::FillUnixAddress(path, &addr)) {
    *error = "socket path too long or empty: " + path;
    return -1;
  }
  struct stat st {};
  if (::lstat(path.c_str(), &st) == 0) {
    if (!S_ISSOCK(st.st_mode)) {
      *error = path + " exists and is not a socket: refusing to replace it";
      return -1;
    }
    const int probe = api::ConnectUnix(path);
    if (probe >= 0) {
      ::close(probe);
      *error = "another shoald is already serving " + path;
      return -1;
    }
    if (st.st_uid != ::geteuid()) {
      *error = path + " is a stale socket of uid " + std::to_string(st.st_uid) + ", not ours";
      return -1;
    }
    if (::unlink(path.c_str()) != 0) {
      *error = Errno("unlink stale " + path);
      return -1;
    }
  }
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    *error = Errno("socket");
    return -1;
  }
  // Bound with a restrictive umask, then opened up to `mode`: never briefly wider.
  const mode_t old = ::umask(0177);
  const bool bound = ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  ::umask(old);
  if (!bound || ::chmod(path.c_str(), mode) != 0 || ::listen(fd, 128) != 0) {
    *error = Errno((bound ? "listen " : "bind ") + path);
    ::close(fd);
    return -1;
  }
  return fd;
}

}  // namespace shoal::service
