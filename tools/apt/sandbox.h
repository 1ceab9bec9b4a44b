// The apt method's sandbox: run as apt's APT::Sandbox::User (`_apt` by default), as apt's own
// methods do, once apt's configuration has arrived and before any URL is fetched. apt starts
// methods as root and relies on each to drop its rights; it sets the user to root itself when
// its folders are not reachable by _apt. Call from one thread, before others start.
#pragma once

#include <string>

namespace shoal::apt {

// Drops to `user` when running as root and `user` is neither empty nor "root": its uid, its
// primary group, no supplementary groups; checked to be irreversible. A user the system does
// not know is a warning (in *note), not an error: apt itself carries on as root then.
// False with *error when a drop was due and failed (the method must not fetch then).
bool DropToSandboxUser(const std::string& user, std::string* note, std::string* error);

}  // namespace shoal::apt
