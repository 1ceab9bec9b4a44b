// shoald's cache role (docs/cache.md): the LAN cache node's options read from the settings
// pack (cache_node_*, http_proxy, ca_file), and the hooks through which the node seeds its
// store with the service's engine. Pure functions: thread-safe (the hooks are as thread-safe
// as the backend).
#pragma once

#include <string>

#include "api/src/backend.h"
#include "cache/proxy.h"
#include "shoal/settings.h"

namespace shoal::service {

// The node's options from `settings`; its store is `cache_dir`/node unless cache_node_dir
// names one. False with *error naming the setting for a bad value.
bool CacheNodeOptions(const Settings& settings, const std::string& cache_dir,
                      cache::ProxyOptions* out, std::string* error);

// Seeds through `backend` (AddSeed; its uploads count as bytes to peers), which must outlive
// the node.
cache::SeedHooks EngineSeedHooks(api::Backend& backend);

}  // namespace shoal::service
