#include "engine/temp_files.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace shoal::engine {
namespace {

bool EndsWith(const char* s, const char* suffix) {
  const std::size_t n = std::strlen(s), m = std::strlen(suffix);
  return n > m && std::strcmp(s + n - m, suffix) == 0;
}

}  // namespace

TempFileLocks::~TempFileLocks() {
  for (auto& [path, h] : held_) ::close(h.fd);
}

int TempFileLocks::Open(const std::string& path) {
  for (auto it = held_.begin(); it != held_.end();) {
    struct stat st {};
    if (::lstat(it->first.c_str(), &st) == 0 && st.st_ino == it->second.ino) {
      ++it;
      continue;
    }
    ::close(it->second.fd);  // deleted, or renamed into place: nothing left to guard
    it = held_.erase(it);
  }
  if (held_.count(path) != 0) {  // ours already, and still there: the lock stands
    return ::open(path.c_str(), O_CREAT | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0644);
  }
  // Another engine may take the lock between our open and our flock, see no owner and delete
  // the file: then the path is another inode, or none, and we create it again.
  for (int attempt = 0; attempt < 5; ++attempt) {
    const int fd = ::open(path.c_str(), O_CREAT | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (fd < 0) return -1;
    struct stat mine {
    }, now{};
    if (::flock(fd, LOCK_EX | LOCK_NB) == 0 && ::fstat(fd, &mine) == 0 &&
        ::lstat(path.c_str(), &now) == 0 && mine.st_ino == now.st_ino &&
        mine.st_dev == now.st_dev) {
      // The lock lives as long as one descriptor of this open file does: keep one.
      const int keep = ::fcntl(fd, F_DUPFD_CLOEXEC, 0);
      if (keep < 0) {
        ::close(fd);
        return -1;
      }
      held_[path] = {keep, mine.st_ino};
      return fd;
    }
    ::close(fd);
  }
  errno = EAGAIN;
  return -1;
}

int RemoveOrphanedTempFiles(const std::string& dir) {
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) return 0;
  int removed = 0;
  while (const dirent* e = ::readdir(d)) {
    if (e->d_name[0] != '.' || !EndsWith(e->d_name, kEphemeralTempSuffix)) continue;
    const std::string path = dir + "/" + e->d_name;
    const int fd = ::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) continue;
    struct stat mine {
    }, now{};
    // A free lock means no live owner: an owner takes it before it writes a byte.
    if (::flock(fd, LOCK_EX | LOCK_NB) == 0 && ::fstat(fd, &mine) == 0 && S_ISREG(mine.st_mode) &&
        ::lstat(path.c_str(), &now) == 0 && mine.st_ino == now.st_ino &&
        ::unlink(path.c_str()) == 0) {
      ++removed;
    }
    ::close(fd);
  }
  ::closedir(d);
  return removed;
}

}  // namespace shoal::engine
