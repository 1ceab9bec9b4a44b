#include "tests/support/mount_namespace.h"

#include <fcntl.h>
#include <sched.h>
#include <sys/mount.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace shoal::testing {
namespace {

bool WriteProcFile(const char* path, const std::string& text, std::string* why) {
  const int fd = ::open(path, O_WRONLY | O_CLOEXEC);
  const ssize_t n = fd < 0 ? -1 : ::write(fd, text.data(), text.size());
  const int err = errno;
  if (fd >= 0) ::close(fd);
  if (n == static_cast<ssize_t>(text.size())) return true;
  *why = std::string("cannot write ") + path + ": " + std::strerror(err);
  return false;
}

}  // namespace

bool EnterPrivateMountNamespace(std::string* why) {
  const uid_t uid = ::geteuid();
  const gid_t gid = ::getegid();
  if (uid == 0) {
    if (::unshare(CLONE_NEWNS) != 0) {
      *why = std::string("unshare(CLONE_NEWNS): ") + std::strerror(errno);
      return false;
    }
  } else {
    if (::unshare(CLONE_NEWUSER | CLONE_NEWNS) != 0) {
      *why = std::string("not root, and no user namespace (unshare(CLONE_NEWUSER): ") +
             std::strerror(errno) +
             "; see sysctl user.max_user_namespaces, kernel.unprivileged_userns_clone and "
             "kernel.apparmor_restrict_unprivileged_userns)";
      return false;
    }
    // Map this user to root inside; setgroups must be denied before an unprivileged gid_map.
    if (!WriteProcFile("/proc/self/setgroups", "deny", why) ||
        !WriteProcFile("/proc/self/uid_map", "0 " + std::to_string(uid) + " 1\n", why) ||
        !WriteProcFile("/proc/self/gid_map", "0 " + std::to_string(gid) + " 1\n", why)) {
      return false;
    }
  }
  // Mounts made from here on are not propagated to the host (and the host's not to us).
  if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) {
    *why = std::string("cannot make mounts private: ") + std::strerror(errno);
    return false;
  }
  return true;
}

}  // namespace shoal::testing
