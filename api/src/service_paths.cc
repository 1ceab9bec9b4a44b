#include "api/src/service_paths.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

namespace shoal::api {
namespace {

std::string Env(const char* name) {
  const char* v = std::getenv(name);
  return v != nullptr ? v : "";
}

}  // namespace

bool FillUnixAddress(const std::string& path, sockaddr_un* addr) {
  std::memset(addr, 0, sizeof *addr);
  addr->sun_family = AF_UNIX;
  if (path.empty() || path.size() >= sizeof addr->sun_path) return false;
  std::memcpy(addr->sun_path, path.data(), path.size());
  return true;
}

ServicePaths SystemPaths() {
  return {true, "/run/shoal/shoal.sock", "/var/lib/shoal", "/var/cache/shoal"};
}

bool UserPaths(ServicePaths* out, std::string* error) {
  const std::string runtime = Env("XDG_RUNTIME_DIR");
  const std::string home = Env("HOME");
  if (runtime.empty() || runtime[0] != '/') {
    *error = "user mode needs $XDG_RUNTIME_DIR (an absolute path); give --socket instead";
    return false;
  }
  std::string state = Env("XDG_STATE_HOME");
  std::string cache = Env("XDG_CACHE_HOME");
  if ((state.empty() || cache.empty()) && home.empty()) {
    *error = "user mode needs $HOME or $XDG_STATE_HOME and $XDG_CACHE_HOME";
    return false;
  }
  if (state.empty()) state = home + "/.local/state";
  if (cache.empty()) cache = home + "/.cache";
  *out = {false, runtime + "/shoal/shoal.sock", state + "/shoal/service", cache + "/shoal/service"};
  return true;
}

std::string ClientSocketPath() {
  if (const std::string forced = Env("SHOAL_SOCKET"); !forced.empty()) return forced;
  const std::string system = SystemPaths().socket;
  struct stat st {};
  if (::stat(system.c_str(), &st) == 0 && S_ISSOCK(st.st_mode)) return system;
  ServicePaths user;
  std::string error;
  if (UserPaths(&user, &error)) return user.socket;
  return system;
}

int ConnectUnix(const std::string& path) {
  sockaddr_un addr;
  if (!FillUnixAddress(path, &addr)) {
    errno = ENAMETOOLONG;
    return -1;
  }
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    const int e = errno;
    ::close(fd);
    errno = e;
    return -1;
  }
  return fd;
}

}  // namespace shoal::api
