// Where the machine-wide service lives (decision 0010): system mode (/run/shoal/shoal.sock,
// /var/lib/shoal, /var/cache/shoal) or user mode (the XDG dirs), which socket a client tries,
// and connecting to it. Shared by shoald (service/) and its client. Thread-safe (stateless).
#pragma once

#include <sys/un.h>

#include <string>

namespace shoal::api {

struct ServicePaths {
  bool system = true;
  std::string socket;     // the AF_UNIX socket
  std::string state_dir;  // the engine's data_dir: jobs.db, resume data
  std::string cache_dir;  // the content store: <cache>/jobs/<id>/<n>
};

ServicePaths SystemPaths();
// False with *error when $XDG_RUNTIME_DIR is unset (user mode needs it) or $HOME is.
bool UserPaths(ServicePaths* out, std::string* error);
// The socket a client tries: $SHOAL_SOCKET when set, else the system one when it exists, else
// the user's.
std::string ClientSocketPath();

// A connected client descriptor (close-on-exec) for `path`, -1 with errno set when nothing
// listens there.
int ConnectUnix(const std::string& path);
// Fills an AF_UNIX address; false when `path` is empty or too long for one.
bool FillUnixAddress(const std::string& path, sockaddr_un* addr);

}  // namespace shoal::api
