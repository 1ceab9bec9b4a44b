// Lets a test mount a file system (a small tmpfs) without being root: a new mount namespace,
// and for a non-root user a user namespace too, in which that user is root over its own
// mounts. Networking, files and every other namespace stay the host's. Thread-compatible;
// must be called while the process has a single thread (unshare(2) refuses otherwise).
#pragma once

#include <string>

namespace shoal::testing {

// Enters the namespaces; mounts made afterwards are private to this process and vanish with
// it. False, with the reason in *why, when they cannot be entered: the caller then mounts in
// the host's namespace (which works as root) or skips, saying why.
bool EnterPrivateMountNamespace(std::string* why);

}  // namespace shoal::testing
