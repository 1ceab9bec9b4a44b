// InProcessBackend: the Backend over an engine in this process. Job handles read the engine's
// published JobView; the engine's observer callbacks are forwarded to the BackendEvents sink
// as values. The only facade file that sees engine::Engine, JobView or JobObserver.
// Thread-safe.
#pragma once

#include <memory>
#include <string>

#include "api/src/backend.h"
#include "engine/options.h"

namespace shoal::api {

// Starts an engine with `options` that pushes its events to `events` (which must outlive the
// backend). On failure returns null and says why.
std::unique_ptr<Backend> StartInProcessBackend(const engine::EngineOptions& options,
                                               BackendEvents* events, std::string* error);

}  // namespace shoal::api
