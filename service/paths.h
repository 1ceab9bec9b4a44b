// The safe creation of shoald's folders and socket (decision 0010): each folder made with the
// right mode and owner, never a symlink followed, never a socket unlinked that another live
// instance serves or that is not ours. Thread-safe (stateless functions; ListenUnix sets the
// umask briefly, so call it before starting threads).
#pragma once

#include <string>

#include "api/src/service_paths.h"

namespace shoal::service {

using api::ServicePaths;

// Creates (or checks) `dir` as a real directory owned by us with `mode`, and its parents.
bool PrepareDir(const std::string& dir, unsigned mode, std::string* error);

// Binds and listens on `path`: refuses when another instance answers there or when the path is
// anything but a stale socket of ours (which is replaced). Returns the listening descriptor
// (close-on-exec), -1 with *error. The socket's mode is then set to `mode`.
int ListenUnix(const std::string& path, unsigned mode, std::string* error);

}  // namespace shoal::service
