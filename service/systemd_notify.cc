#include "service/systemd_notify.h"

#include <fcntl.h>
#include <sys/socket.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>

#include <cstring>

namespace shoal::service {
namespace {

bool Notify(const std::string& state, std::string* error) {
  const int r = ::sd_notify(/*unset_environment=*/0, state.c_str());
  if (r < 0 && error != nullptr) *error = std::string("sd_notify: ") + std::strerror(-r);
  return r > 0;
}

std::string WithStatus(const char* head, const std::string& status) {
  std::string s = head;
  if (!status.empty()) s += "\nSTATUS=" + status;
  return s;
}

}  // namespace

bool NotifyReady(const std::string& status, std::string* error) {
  return Notify(WithStatus("READY=1", status), error);
}

bool NotifyStopping(std::string* error) { return Notify("STOPPING=1", error); }

bool NotifyStatus(const std::string& status, std::string* error) {
  return Notify("STATUS=" + status, error);
}

int TakeListenSocket(std::string* error) {
  error->clear();
  const int n = ::sd_listen_fds(/*unset_environment=*/1);
  if (n < 0) {
    *error = std::string("sd_listen_fds: ") + std::strerror(-n);
    return -1;
  }
  if (n == 0) return -1;
  const int fd = SD_LISTEN_FDS_START;
  const int ok = n == 1 ? ::sd_is_socket_unix(fd, SOCK_STREAM, /*listening=*/1, nullptr, 0) : 0;
  if (ok <= 0) {
    *error = n == 1 ? "the socket systemd passed is not a listening AF_UNIX stream socket"
                    : "systemd passed " + std::to_string(n) + " sockets; shoald takes one";
    for (int i = 0; i < n; ++i) ::close(SD_LISTEN_FDS_START + i);
    return -1;
  }
  ::fcntl(fd, F_SETFD, FD_CLOEXEC);
  return fd;
}

}  // namespace shoal::service
