// The cache node's HTTP front: a forward proxy for http:// URLs, the Connected Cache
// convention (`/path?cacheHostOrigin=host`), CONNECT tunnels, and the node's own pages
// (/shoal/v1/stats, /shoal/v1/status). Owns its listening socket, a thread per connection,
// the store, and the origin fetches in flight. Thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "cache/freshness.h"
#include "cache/metainfo_service.h"
#include "cache/origin_policy.h"
#include "cache/seeder.h"
#include "cache/store.h"

namespace shoal::cache {

inline constexpr std::uint16_t kDefaultPort = 3144;  // apt-cacher-ng's 3142 + 2

struct ProxyOptions {
  std::string bind_address = "0.0.0.0";
  std::uint16_t port = kDefaultPort;  // 0 = pick a free port
  StoreOptions store;
  FreshnessRules rules;
  std::vector<std::uint16_t> connect_ports = {443};
  OriginPolicy origins;        // which hosts fetches and tunnels may reach (default: any but local)
  int max_connections = 256;   // more get 503
  int idle_timeout_s = 60;     // a connection silent this long is closed
  std::string upstream_proxy;  // the node's own proxy to the origins ("" = direct)
  std::string ca_file;         // CA bundle for https origins ("" = the system's)
  // Ed25519 private key (PEM) signing /shoal/v1/metainfo answers ("" = metainfo service off).
  std::string signing_key;
  // The engine seeding the store to LAN peers (shoald's; no `seed`: the node does not seed).
  SeedHooks seeding;
};

struct ProxyStats {
  std::uint64_t requests = 0, hits = 0, misses = 0, revalidated = 0, passed_through = 0;
  std::uint64_t bytes_from_store = 0;   // body bytes to clients read from stored entries
  std::uint64_t bytes_from_fill = 0;    // body bytes to clients read from fills in progress
  std::uint64_t bytes_from_origin = 0;  // body bytes the node fetched from origins
  std::uint64_t tunnels = 0, bytes_tunneled = 0;
  std::uint64_t origin_fetches = 0;
  std::uint64_t refused = 0;         // requests for origins the policy refuses (403)
  std::uint64_t bytes_to_peers = 0;  // uploaded by the seeding engine (BitTorrent)
  std::uint64_t seeds = 0;           // entries seeded now
  StoreCounters store;
};

class CacheProxy {
 public:
  static std::unique_ptr<CacheProxy> Start(const ProxyOptions& options, std::string* error);
  ~CacheProxy();  // closes every connection, cancels fetches, joins
  CacheProxy(const CacheProxy&) = delete;
  CacheProxy& operator=(const CacheProxy&) = delete;

  std::uint16_t port() const;
  // The public half of the signing key (PEM), "" when the node signs no metainfo.
  std::string PublicKeyPem() const;
  ProxyStats Stats() const;
  std::string StatsJson() const;
  Store& store();
  // Shared origin fetches still running (a fill is committed before it leaves this count).
  int FetchesInFlight() const;

  struct Impl;

 private:
  explicit CacheProxy(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace shoal::cache
