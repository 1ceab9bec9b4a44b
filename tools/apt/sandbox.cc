#include "tools/apt/sandbox.h"

#include <grp.h>
#include <pwd.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

namespace shoal::apt {

bool DropToSandboxUser(const std::string& user, std::string* note, std::string* error) {
  if (::geteuid() != 0 || user.empty() || user == "root") return true;
  std::vector<char> buf(16384);
  passwd pw{};
  passwd* found = nullptr;
  if (::getpwnam_r(user.c_str(), &pw, buf.data(), buf.size(), &found) != 0 || found == nullptr) {
    *note = "no user " + user + " (APT::Sandbox::User): running as root";
    return true;
  }
  const gid_t gid = pw.pw_gid;
  const uid_t uid = pw.pw_uid;
  if (::setgroups(1, &gid) != 0 || ::setgid(gid) != 0 || ::setuid(uid) != 0) {
    *error = "cannot become " + user + ": " + std::strerror(errno);
    return false;
  }
  if (uid != 0 && (::setuid(0) == 0 || ::seteuid(0) == 0)) {
    *error = "dropped to " + user + " but could regain root";
    return false;
  }
  if (::getuid() != uid || ::geteuid() != uid || ::getgid() != gid || ::getegid() != gid) {
    *error = "dropped to " + user + " but the ids did not change";
    return false;
  }
  return true;
}

}  // namespace shoal::apt
