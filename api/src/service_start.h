// Finding the machine-wide service for CLSCTX_LOCAL_SERVER (decision 0010): $SHOAL_SOCKET
// alone when set, else the system socket, else the user's, else a user-mode shoald started on
// demand, as gpg-agent is (forked and exec'd detached; a lock file so that two clients never
// start two), unless $SHOAL_SERVICE_AUTOSTART is 0. Thread-safe (the lock is a file's).
#pragma once

#include <string>

namespace shoal::api {

// True when `path` is a socket something accepts connections on.
bool ServiceAnswers(const std::string& path);

// The socket of a service that answers, after starting a user-mode one if allowed and none
// did; empty with *why when there is none. *pinned tells that $SHOAL_SOCKET chose it (then no
// fallback to an engine in process is wanted).
std::string FindOrStartService(bool* pinned, std::string* why);

// Starts `shoald --user` for `socket` (in $XDG_RUNTIME_DIR/shoal) unless one answers there,
// under the folder's autostart.lock, and waits until it answers (10 s at most). The binary is
// $SHOAL_SHOALD, else shoald beside the running program, else the first on $PATH.
bool StartUserService(const std::string& socket, std::string* why);

}  // namespace shoal::api
