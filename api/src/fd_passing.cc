#include "api/src/fd_passing.h"

#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace shoal::api {
namespace {

int Fail(std::string* error, int err, const std::string& what) {
  if (error != nullptr) *error = what + ": " + std::strerror(err);
  return err;
}

std::size_t ControlWords(std::size_t bytes) {
  return (bytes + sizeof(cmsghdr) - 1) / sizeof(cmsghdr);
}

}  // namespace

int SendWithFds(int sock, std::string_view data, std::span<const int> fds, std::string* error) {
  if (fds.size() > kMaxFds) {
    return Fail(error, EINVAL, std::to_string(fds.size()) + " descriptors in one message");
  }
  if (data.empty() && !fds.empty()) {
    return Fail(error, EINVAL, "descriptors need at least one byte of data to travel with");
  }
  const std::size_t control_size = fds.empty() ? 0 : CMSG_SPACE(fds.size_bytes());
  std::vector<cmsghdr> control(ControlWords(control_size));  // cmsghdr-aligned
  std::size_t sent = 0;
  while (sent < data.size()) {
    iovec iov{const_cast<char*>(data.data() + sent), data.size() - sent};
    msghdr msg{};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    if (sent == 0 && !fds.empty()) {
      msg.msg_control = control.data();
      msg.msg_controllen = control_size;
      cmsghdr* c = CMSG_FIRSTHDR(&msg);
      c->cmsg_level = SOL_SOCKET;
      c->cmsg_type = SCM_RIGHTS;
      c->cmsg_len = CMSG_LEN(fds.size_bytes());
      std::memcpy(CMSG_DATA(c), fds.data(), fds.size_bytes());
    }
    const ssize_t n = ::sendmsg(sock, &msg, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      return Fail(error, errno, "sendmsg");
    }
    sent += static_cast<std::size_t>(n);  // the descriptors went with the first byte
  }
  return 0;
}

int RecvWithFds(int sock, std::span<char> buffer, std::size_t* received, std::vector<int>* fds,
                std::size_t max_fds, std::string* error) {
  *received = 0;
  if (max_fds > kMaxFds) max_fds = kMaxFds;
  // Room for max_fds, or one when none is wanted, so a message carrying some is seen (and its
  // descriptors closed) rather than silently cut.
  const std::size_t want = max_fds == 0 ? 1 : max_fds;
  const std::size_t control_size = CMSG_SPACE(want * sizeof(int));
  std::vector<cmsghdr> control(ControlWords(control_size));
  iovec iov{buffer.data(), buffer.size()};
  msghdr msg{};
  ssize_t n = 0;
  for (;;) {
    msg = {};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control.data();
    msg.msg_controllen = control_size;
    n = ::recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
    if (n >= 0) break;
    if (errno != EINTR) return Fail(error, errno, "recvmsg");
  }
  std::vector<int> got;
  for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c != nullptr; c = CMSG_NXTHDR(&msg, c)) {
    if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
    const std::size_t count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
    const std::size_t at = got.size();
    got.resize(at + count);
    std::memcpy(got.data() + at, CMSG_DATA(c), count * sizeof(int));
  }
  const bool truncated = (msg.msg_flags & MSG_CTRUNC) != 0;
  if (truncated || got.size() > max_fds) {
    for (int fd : got) ::close(fd);
    const std::string what = truncated
                                 ? "control data cut short (MSG_CTRUNC): more than " +
                                       std::to_string(max_fds) + " descriptors sent"
                                 : std::to_string(got.size()) + " descriptors received, at most " +
                                       std::to_string(max_fds) + " expected";
    return Fail(error, EMSGSIZE, what);
  }
  fds->insert(fds->end(), got.begin(), got.end());
  *received = static_cast<std::size_t>(n);
  return 0;
}

}  // namespace shoal::api
