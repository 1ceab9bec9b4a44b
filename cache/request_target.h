// What a request to the cache node asks for, from its method and target alone: a URL to fetch
// through the cache (absolute-form `http://host/path`, the forward-proxy convention, or
// `/path?cacheHostOrigin=host`, the Connected Cache one), a CONNECT tunnel, or one of the
// node's own pages. Pure functions over untrusted input: thread-safe, and a fuzz target.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace shoal::cache {

struct RequestTarget {
  enum class Kind { kFetch, kTunnel, kLocal, kError };
  Kind kind = Kind::kError;
  std::string url;   // kFetch: the origin URL, also the store's key (host lowercased)
  std::string host;  // kTunnel and kFetch: the host (lowercased) and port to connect to
  std::uint16_t port = 0;
  std::string path;   // kLocal: the node's own path ("/shoal/v1/stats")
  std::string query;  // kLocal: its query string, undecoded
  int status = 400;   // kError: the status to answer with, and why
  std::string message;
};

// `method` as sent ("GET", "HEAD", "CONNECT", ...); `connect_ports` lists the ports CONNECT
// may reach (443 by default in ProxyOptions). Targets longer than 8 KiB, with control bytes,
// userinfo, schemes other than http (https only through cacheHostScheme=https) or hosts with
// characters outside [A-Za-z0-9.-:[]] are errors.
RequestTarget ResolveTarget(std::string_view method, std::string_view target,
                            const std::vector<std::uint16_t>& connect_ports);

// The percent-decoded value of `name` in a query string ("" when absent or malformed).
std::string QueryValue(std::string_view query, std::string_view name);

}  // namespace shoal::cache
