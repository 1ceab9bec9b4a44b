#include "engine/temp_files.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string_view>

namespace shoal::engine {
namespace {

bool EndsWith(std::string_view s, std::string_view suffix) {
  return s.size() > suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

bool WriteAll(int fd, const std::string& bytes) {
  std::size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<std::size_t>(n);
  }
  return true;
}

std::string Lines(const std::set<std::string>& paths) {
  std::string out;
  for (const std::string& p : paths) out += p + "\n";
  return out;
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

TempFileList::~TempFileList() {
  if (fd_ >= 0) ::close(fd_);
}

bool TempFileList::Open(const std::string& path, std::string* error) {
  path_ = path;
  listed_.clear();
  const int in = ::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (in < 0 && errno != ENOENT) {
    *error = "cannot read " + path + ": " + std::strerror(errno);
    return false;
  }
  if (in >= 0) {
    std::string bytes;
    char buf[65536];
    ssize_t n;
    while ((n = ::read(in, buf, sizeof buf)) > 0 || (n < 0 && errno == EINTR)) {
      if (n > 0) bytes.append(buf, static_cast<std::size_t>(n));
    }
    ::close(in);
    // A line without its newline was cut by a crash: a prefix of a path, never trusted.
    for (std::size_t at = 0, nl; (nl = bytes.find('\n', at)) != std::string::npos; at = nl + 1) {
      std::string line = bytes.substr(at, nl - at);
      if (!line.empty() && line.front() == '/') listed_.insert(std::move(line));
    }
  }
  fd_ = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd_ < 0) {
    *error = "cannot open " + path + ": " + std::strerror(errno);
    return false;
  }
  return true;
}

bool TempFileList::Add(const std::vector<std::string>& paths, std::string* error) {
  std::set<std::string> fresh;
  for (const std::string& p : paths) {
    if (listed_.count(p) == 0 && p.find('\n') == std::string::npos) fresh.insert(p);
  }
  if (fresh.empty()) return true;
  if (fd_ < 0 || !WriteAll(fd_, Lines(fresh))) {
    *error = "cannot add to " + path_ + ": " + std::strerror(errno);
    return false;
  }
  listed_.insert(fresh.begin(), fresh.end());
  return true;
}

std::vector<std::string> TempFileList::Collect(const std::set<std::string>& claimed,
                                               std::string* error) {
  std::vector<std::string> deleted;
  for (const std::string& p : listed_) {
    if (claimed.count(p) != 0) continue;
    const std::string_view name = std::string_view(p).substr(p.rfind('/') + 1);
    struct stat st {};
    // lstat: a symlink planted at the path is left alone, and so is its target.
    if (!name.empty() && name.front() == '.' && EndsWith(name, kDurableTempSuffix) &&
        ::lstat(p.c_str(), &st) == 0 && S_ISREG(st.st_mode) && st.st_uid == ::geteuid() &&
        ::unlink(p.c_str()) == 0) {
      deleted.push_back(p);
    }
  }
  // The list becomes the claimed paths: written aside and renamed over, so a crash leaves
  // the old list or the new one, never half of one.
  const std::string fresh = path_ + ".new";
  ::unlink(fresh.c_str());
  const int out = ::open(fresh.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  const bool written = out >= 0 && WriteAll(out, Lines(claimed)) && ::fsync(out) == 0;
  if (out >= 0) ::close(out);
  if (!written || ::rename(fresh.c_str(), path_.c_str()) != 0) {
    *error = "cannot rewrite " + path_ + ": " + std::strerror(errno);
    ::unlink(fresh.c_str());
    listed_.insert(claimed.begin(), claimed.end());
    return deleted;
  }
  if (fd_ >= 0) ::close(fd_);
  fd_ = ::open(path_.c_str(), O_WRONLY | O_APPEND | O_NOFOLLOW | O_CLOEXEC);
  listed_ = claimed;
  return deleted;
}

}  // namespace shoal::engine
