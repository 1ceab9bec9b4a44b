// Which origins the cache node may reach for its clients (docs/cache.md, "Which origins"):
// an optional allow-list of host patterns, and never the node's own loopback, link-local,
// unspecified or multicast addresses unless the administrator allows local origins. Checked on
// the host a request names and again on every address actually connected to, so a name that
// resolves to 127.0.0.1 is refused as well. Immutable after construction: thread-safe.
#pragma once

#include <boost/asio/ip/address.hpp>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace shoal::cache {

struct OriginPolicy {
  // "deb.debian.org", "*.debian.org" (any name below it), "10.0.0.5", "[fd00::1]", each
  // optionally ":PORT". Empty: any host.
  std::vector<std::string> allowed_hosts;
  // Loopback, link-local (169.254/16, fe80::/10), unspecified and multicast addresses: the
  // node's own services and cloud metadata endpoints, which LAN clients cannot reach directly.
  bool allow_local = false;

  // Whether a pattern is well formed ("" = yes, else why not): for configuration errors.
  static std::string CheckPattern(std::string_view pattern);
  bool AllowsHost(std::string_view host, std::uint16_t port) const;
  bool AllowsAddress(const boost::asio::ip::address& address) const;
};

// Whether `address` is one a LAN client should not reach through the node (see allow_local).
bool IsLocalAddress(const boost::asio::ip::address& address);

}  // namespace shoal::cache
