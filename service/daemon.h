// RunDaemon: shoald's life — its folders and socket made safely, one engine (the in-process
// backend) whose events feed the server, the router over both, serving until SIGTERM or
// SIGINT, then a clean stop (connections closed, the engine's state stored, the socket
// removed). Call once per process, from the main thread.
#pragma once

#include <string>

#include "service/paths.h"
#include "service/server.h"
#include "shoal/settings.h"

namespace shoal::service {

struct DaemonConfig {
  ServicePaths paths;
  Settings settings;  // data_dir is replaced by paths.state_dir
  ServerLimits limits;
};

// Returns the exit code: 0 after a clean stop, 1 when it could not start (and says why on
// stderr).
int RunDaemon(DaemonConfig config);

}  // namespace shoal::service
