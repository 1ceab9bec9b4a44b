// File descriptors across an AF_UNIX stream socket (SCM_RIGHTS): a small message with up to
// kMaxFds descriptors attached to its first byte, and the read that collects them. Blocking
// sockets; stateless functions, thread-safe (one sender and one reader per socket at a time).
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace shoal::api {

// The kernel's limit of descriptors in one message (SCM_MAX_FD).
inline constexpr std::size_t kMaxFds = 253;

// Sends all of `data` on `sock`, with `fds` attached to its first byte (the descriptors stay
// the caller's). 0 on success, else the errno value, with *error saying what failed: EINVAL
// for more than kMaxFds descriptors or descriptors with no byte to carry them, EPIPE once the
// peer has gone (never SIGPIPE). EINTR is retried.
int SendWithFds(int sock, std::string_view data, std::span<const int> fds,
                std::string* error = nullptr);

// Reads what is waiting on `sock` (one recvmsg(2): at most buffer.size() bytes, at least one
// unless the peer closed: *received == 0), with the descriptors that came with those bytes
// appended to *fds, close-on-exec, now the caller's. A message carrying more than `max_fds`
// descriptors, or whose control data was cut short (MSG_CTRUNC), is an error (EMSGSIZE):
// every descriptor it carried is closed, and the stream is out of step (close it). 0 on
// success, else the errno value with *error. EINTR is retried.
int RecvWithFds(int sock, std::span<char> buffer, std::size_t* received, std::vector<int>* fds,
                std::size_t max_fds, std::string* error = nullptr);

}  // namespace shoal::api
