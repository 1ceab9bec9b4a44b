// The site's cache nodes (DOCacheHost, docs/cache.md "Clients"): which one a request goes to
// now, skipping for a while a node that could not be reached (all its requests) or that refused
// an origin (that origin's), as DO does; and the URLs a node answers: the Connected Cache form
// of an origin URL and the node's metainfo service. Engine-thread only.
#pragma once

#include <map>
#include <string>
#include <vector>

namespace shoal::engine {

inline constexpr int kDefaultCachePort = 3144;  // shoal-cache's documented port

// A job file's use of the cache node (cdn_pump.cc, cache_client.cc).
struct CacheFileState {
  bool asked = false;           // the node's metainfo service was asked (once per run)
  std::string seed_peer;        // "ip:port": the node seeds the content over BitTorrent
  double failing_since_s = -1;  // the node's piece answers fail since then (fallback delay)
};

class CacheHosts {
 public:
  // `hosts`: "host[:port]" (the settings loader checked them), tried in order.
  explicit CacheHosts(const std::vector<std::string>& hosts);
  bool empty() const { return hosts_.empty(); }
  // Appends a node found later (DNS-SD, engine/dns_sd.h), tried after those before it; false
  // when it is listed already.
  bool Add(const std::string& host);

  // The first node ("host:port") neither skipped nor refusing `url`'s origin at `now_s`; ""
  // when none is left (the CDN then).
  std::string Pick(const std::string& url, double now_s) const;
  // `host` could not be reached (connection, timeout, 5xx): skipped for kSkipS.
  void SkipHost(const std::string& host, double now_s);
  // `host` refused `url`'s origin (a 4xx): that origin skipped on it for kSkipS.
  void SkipOrigin(const std::string& host, const std::string& url, double now_s);
  static constexpr double kSkipS = 15 * 60;  // DO's ban

 private:
  std::vector<std::string> hosts_;
  std::map<std::string, double> until_;  // host, or host + " " + origin -> skipped until
};

// "scheme://authority" of an http(s) URL, "" for anything else.
std::string OriginOf(const std::string& url);
// http://origin[:port]/path?q on node `host` (host:port): http://host/path?q&cacheHostOrigin=
// origin[:port], with &cacheHostScheme=https for https. "" when `url` is not http(s).
std::string ConnectedCacheUrl(const std::string& url, const std::string& host);
// The node's metainfo for `url`, filling it from the origin first when not held yet.
std::string NodeMetainfoUrl(const std::string& url, const std::string& host);

}  // namespace shoal::engine
