#include "api/src/fd_passing.h"

#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace shoal::api {

bool SendFds(int socket, char marker, const std::vector<int>& fds, std::string* error) {
  if (fds.size() > kMaxFds) {
    *error = "too many descriptors for one message";
    return false;
  }
  iovec iov{&marker, 1};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  std::vector<char> control(CMSG_SPACE(sizeof(int) * (fds.empty() ? 1 : fds.size())));
  if (!fds.empty()) {
    msg.msg_control = control.data();
    msg.msg_controllen = CMSG_SPACE(sizeof(int) * fds.size());
    cmsghdr* c = CMSG_FIRSTHDR(&msg);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int) * fds.size());
    std::memcpy(CMSG_DATA(c), fds.data(), sizeof(int) * fds.size());
  }
  ssize_t n;
  do {
    n = ::sendmsg(socket, &msg, MSG_NOSIGNAL);
  } while (n < 0 && errno == EINTR);
  if (n != 1) {
    *error = std::string("sendmsg: ") + std::strerror(errno);
    return false;
  }
  return true;
}

bool ReceiveFds(int socket, char* marker, std::vector<int>* fds, std::string* error) {
  fds->clear();
  iovec iov{marker, 1};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  std::vector<char> control(CMSG_SPACE(sizeof(int) * kMaxFds));
  msg.msg_control = control.data();
  msg.msg_controllen = control.size();
  ssize_t n;
  do {
    n = ::recvmsg(socket, &msg, MSG_CMSG_CLOEXEC);
  } while (n < 0 && errno == EINTR);
  for (cmsghdr* c = CMSG_FIRSTHDR(&msg); n >= 0 && c != nullptr; c = CMSG_NXTHDR(&msg, c)) {
    if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
    const std::size_t count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
    const auto* data = reinterpret_cast<const int*>(CMSG_DATA(c));
    for (std::size_t i = 0; i < count; ++i) fds->push_back(data[i]);
  }
  if (n != 1 || (msg.msg_flags & MSG_CTRUNC) != 0) {
    for (int fd : *fds) ::close(fd);
    fds->clear();
    *error = n == 0  ? "the service closed the connection"
             : n < 0 ? std::string("recvmsg: ") + std::strerror(errno)
                     : "descriptors were truncated";
    return false;
  }
  return true;
}

}  // namespace shoal::api
