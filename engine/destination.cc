#include "engine/destination.h"

#include <fcntl.h>
#include <linux/fs.h>  // RENAME_NOREPLACE
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>

namespace shoal::engine {
namespace {

const char* Kind(mode_t mode) {
  if (S_ISDIR(mode)) return "a directory";
  if (S_ISFIFO(mode)) return "a FIFO";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  if (S_ISLNK(mode)) return "a symbolic link";
  if (S_ISSOCK(mode)) return "a socket";
  return "not a regular file";
}

std::string NotRegular(const std::string& path, mode_t mode) {
  return path + " is " + Kind(mode) + ": only a regular file (or none) can be replaced";
}

// The process's umask without changing it (umask(2) would, racing other threads).
mode_t CurrentUmask() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    unsigned mask = 0;
    if (std::sscanf(line.c_str(), "Umask: %o", &mask) == 1) return static_cast<mode_t>(mask);
  }
  return 022;
}

std::uint64_t Fnv1a(const std::string& s) {
  std::uint64_t h = 1469598103934665603ull;
  for (unsigned char c : s) h = (h ^ c) * 1099511628211ull;
  return h;
}

int RenameNoReplace(int dir_fd, const char* from, const char* to) {
  return static_cast<int>(::syscall(SYS_renameat2, dir_fd, from, dir_fd, to, RENAME_NOREPLACE));
}

}  // namespace

hr::HResult CheckDestination(const std::string& path, std::string* message) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) {
    const int err = errno;
    if (err == ENOENT) return hr::kOk;
    if (message != nullptr) *message = path + ": " + std::strerror(err);
    return hr::FromErrno(err);
  }
  if (S_ISREG(st.st_mode)) return hr::kOk;
  if (message != nullptr) *message = NotRegular(path, st.st_mode);
  return hr::kInvalidArg;
}

std::string TempName(const std::string& final_name, const std::string& tag,
                     const std::string& kind) {
  const std::string suffix = "." + tag + kind;
  std::string name = "." + final_name + suffix;
  if (name.size() <= NAME_MAX) return name;
  char hash[20];
  std::snprintf(hash, sizeof hash, "~%016llx", static_cast<unsigned long long>(Fnv1a(final_name)));
  std::size_t keep = NAME_MAX - 1 - suffix.size() - std::strlen(hash);
  // Never cut a multi-byte UTF-8 character in two.
  while (keep > 0 && (static_cast<unsigned char>(final_name[keep]) & 0xC0) == 0x80) --keep;
  return "." + final_name.substr(0, keep) + hash + suffix;
}

hr::HResult MoveIntoPlace(const std::string& temp, const std::string& final_path,
                          std::string* message) {
  return MoveIntoPlaceAt(AT_FDCWD, temp, final_path, message);
}

hr::HResult MoveIntoPlaceAt(int dir_fd, const std::string& temp, const std::string& final_name,
                            std::string* message) {
  for (int attempt = 0; attempt < 3; ++attempt) {
    struct stat st {};
    if (::fstatat(dir_fd, final_name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
      if (errno != ENOENT) break;
      ::fchmodat(dir_fd, temp.c_str(), 0666 & ~CurrentUmask(), 0);
      // Nothing there: keep it so (a FIFO created meanwhile is not replaced).
      if (RenameNoReplace(dir_fd, temp.c_str(), final_name.c_str()) == 0) return hr::kOk;
      if (errno == EEXIST) continue;
      if (errno != ENOSYS && errno != EINVAL) break;
      if (::renameat(dir_fd, temp.c_str(), dir_fd, final_name.c_str()) == 0) return hr::kOk;
      break;
    }
    if (!S_ISREG(st.st_mode)) {
      *message = NotRegular(final_name, st.st_mode);
      return hr::kInvalidArg;
    }
    ::fchmodat(dir_fd, temp.c_str(), st.st_mode & 07777, 0);
    // rename(2) replaces the destination atomically: readers see the old file or the new.
    if (::renameat(dir_fd, temp.c_str(), dir_fd, final_name.c_str()) == 0) return hr::kOk;
    break;
  }
  const int err = errno;
  *message = final_name + ": " + std::strerror(err);
  return hr::FromErrno(err);
}

}  // namespace shoal::engine
