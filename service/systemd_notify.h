// shoald and systemd (libsystemd): readiness and stopping notices for Type=notify units, and
// the listening socket systemd passes on socket activation (shoald.socket). Each call is a
// no-op outside systemd. Thread-safe (sd_notify); TakeListenSocket is thread-compatible (it
// reads and unsets LISTEN_* in the environment).
#pragma once

#include <string>

namespace shoal::service {

// READY=1 (with STATUS=`status` when not empty): the service accepts requests. True when the
// service manager was told; false when none asked (NOTIFY_SOCKET unset) or on an error, which
// *error then says.
bool NotifyReady(const std::string& status = "", std::string* error = nullptr);
// STOPPING=1: the service is shutting down (sent before the engine stops).
bool NotifyStopping(std::string* error = nullptr);
// STATUS=`status` alone, for `systemctl status`.
bool NotifyStatus(const std::string& status, std::string* error = nullptr);

// The AF_UNIX stream socket systemd is listening on for this process (sd_listen_fds), made
// close-on-exec, with LISTEN_* removed from the environment so children do not take it. -1
// with *error empty when systemd passed none (bind one yourself); -1 with *error when it
// passed something else than exactly one listening AF_UNIX stream socket (those descriptors
// are closed).
int TakeListenSocket(std::string* error);

}  // namespace shoal::service
