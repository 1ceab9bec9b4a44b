// ServiceBackend: the Backend over shoald's local API (docs/local-api.md, decision 0010). Calls
// go over one connection (ServiceClient); a reader thread holds GET /v1/events open, pushes
// each event to the BackendEvents sink and refreshes the job handles' own cells from the
// snapshots it carries (until the shared progress page replaces them). Complete receives the
// content as descriptors and materialises it at the job's paths with this process's rights.
// While the service is down every call returns DO_E_NO_SERVICE (0x80D01001) and the reader
// reconnects in the background. Thread-safe.
#pragma once

#include <memory>
#include <string>

#include "api/src/backend.h"

namespace shoal::api {

// A backend over the service at `socket_path`, or null with *error when nothing answers there.
std::unique_ptr<Backend> ConnectServiceBackend(const std::string& socket_path,
                                               BackendEvents* events, std::string* error);

}  // namespace shoal::api
