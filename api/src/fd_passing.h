// Passing open file descriptors over an AF_UNIX stream socket (SCM_RIGHTS): how the
// machine-wide service hands a finished job's content to its client (decision 0010). One
// message carries one marker byte and up to kMaxFds descriptors. Kept in this one small file so
// a shared helper can replace it. Thread-safe (stateless).
#pragma once

#include <string>
#include <vector>

namespace shoal::api {

inline constexpr std::size_t kMaxFds = 250;  // under the kernel's SCM_MAX_FD (253)

// Sends `marker` with `fds` (which stay open here). False with *error on failure.
bool SendFds(int socket, char marker, const std::vector<int>& fds, std::string* error);

// Receives one byte into *marker and the descriptors sent with it (each O_CLOEXEC, owned by
// the caller). False with *error on failure or end of stream.
bool ReceiveFds(int socket, char* marker, std::vector<int>* fds, std::string* error);

}  // namespace shoal::api
