#include "tools/shoal/private_dir.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace shoal::cli {

PrivateDir::~PrivateDir() {
  if (fd_ >= 0) ::close(fd_);
}

bool PrivateDir::Open(const std::string& path, bool create, std::string* error) {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  if (create && ::mkdir(path.c_str(), 0700) != 0 && errno != EEXIST) {
    *error = "cannot create " + path + ": " + std::strerror(errno);
    return false;
  }
  const int fd = ::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) {
    const int err = errno;
    *error = err == ELOOP || err == ENOTDIR
                 ? path + " is not a directory (a symlink or a file): refusing to use it"
                 : "cannot open " + path + ": " + std::strerror(err);
    return false;
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    *error = "cannot stat " + path + ": " + std::strerror(errno);
    ::close(fd);
    return false;
  }
  if (st.st_uid != ::getuid() || (st.st_mode & 077) != 0) {
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
    *error = path + " is owned by uid " + std::to_string(st.st_uid) + " with mode " + mode +
             "; it must be this user's (uid " + std::to_string(::getuid()) +
             ") with mode 0700: remove it, or set XDG_RUNTIME_DIR or SHOAL_STATUS_DIR";
    ::close(fd);
    return false;
  }
  fd_ = fd;
  return true;
}

bool PrivateDir::Write(const std::string& name, const std::string& content) const {
  if (fd_ < 0) return false;
  const std::string tmp = name + ".tmp";
  int fd = -1;
  for (int attempt = 0; attempt < 2 && fd < 0; ++attempt) {
    fd = ::openat(fd_, tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0 && errno == EEXIST) ::unlinkat(fd_, tmp.c_str(), 0);  // ours, left by a crash
  }
  if (fd < 0) return false;
  std::size_t done = 0;
  while (done < content.size()) {
    const ssize_t n = ::write(fd, content.data() + done, content.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    done += static_cast<std::size_t>(n);
  }
  ::close(fd);
  // renameat replaces whatever entry `name` is (a symlink too) without following it.
  if (done != content.size() || ::renameat(fd_, tmp.c_str(), fd_, name.c_str()) != 0) {
    ::unlinkat(fd_, tmp.c_str(), 0);
    return false;
  }
  return true;
}

bool PrivateDir::Read(const std::string& name, std::string* content) const {
  if (fd_ < 0) return false;
  const int fd = ::openat(fd_, name.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) return false;
  struct stat st {};
  bool ok = ::fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
  content->clear();
  char buf[4096];
  while (ok) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) ok = false;
    if (n <= 0) break;
    content->append(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
  return ok;
}

void PrivateDir::Remove(const std::string& name) const {
  if (fd_ >= 0) ::unlinkat(fd_, name.c_str(), 0);
}

}  // namespace shoal::cli
