#include "service/cache_role.h"

#include <charconv>

namespace shoal::service {
namespace {

bool ParsePort(const std::string& text, std::uint16_t* port) {
  const char* end = text.data() + text.size();
  auto [p, ec] = std::from_chars(text.data(), end, *port);
  return !text.empty() && ec == std::errc() && p == end;
}

}  // namespace

bool CacheNodeOptions(const Settings& s, const std::string& cache_dir, cache::ProxyOptions* out,
                      std::string* error) {
  cache::ProxyOptions o;
  const std::string& listen = s.cache_node_listen;
  const std::size_t colon = listen.rfind(':');
  std::string host = colon == std::string::npos ? "0.0.0.0" : listen.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  if (!ParsePort(colon == std::string::npos ? listen : listen.substr(colon + 1), &o.port) ||
      host.empty()) {
    *error = "cache_node_listen: \"" + listen + "\" is not ip:port or a port";
    return false;
  }
  o.bind_address = host;
  o.store.root = s.cache_node_dir.empty() ? cache_dir + "/node" : s.cache_node_dir;
  o.store.high_watermark_bytes = s.cache_node_high_watermark_bytes;
  o.store.low_watermark_bytes = s.cache_node_low_watermark_bytes != 0
                                    ? s.cache_node_low_watermark_bytes
                                    : s.cache_node_high_watermark_bytes / 4 * 3;
  o.store.max_age_s = s.cache_node_max_age_s;
  o.signing_key = s.cache_node_signing_key;
  o.upstream_proxy = s.http_proxy;
  o.ca_file = s.ca_file;
  for (const std::string& pattern : s.cache_node_allow_origins) {
    const std::string why = cache::OriginPolicy::CheckPattern(pattern);
    if (!why.empty()) {
      *error = "cache_node_allow_origins: " + why;
      return false;
    }
  }
  o.origins.allowed_hosts = s.cache_node_allow_origins;
  o.origins.allow_local = s.cache_node_allow_local_origins;
  o.connect_ports.clear();
  for (const std::string& p : s.cache_node_connect_ports) {
    std::uint16_t port = 0;
    if (!ParsePort(p, &port) || port == 0) {
      *error = "cache_node_connect_ports: \"" + p + "\" is not a port (1 to 65535)";
      return false;
    }
    o.connect_ports.push_back(port);
  }
  *out = std::move(o);
  return true;
}

cache::SeedHooks EngineSeedHooks(api::Backend& backend) {
  cache::SeedHooks h;
  h.seed = [&backend](const std::string& metainfo, const std::string& dir, std::string* error) {
    const hr::HResult r = backend.AddSeed(metainfo, dir, error);
    if (hr::Failed(r) && error->empty()) *error = hr::Describe(r);
    return hr::Succeeded(r);
  };
  h.unseed = [&backend](const std::string& dir) { backend.RemoveSeed(dir); };
  h.bytes_to_peers = [&backend] { return backend.GetStats().bytes.to_peers; };
  const std::string endpoint = backend.ListenEndpoint();
  ParsePort(endpoint.substr(endpoint.rfind(':') + 1), &h.port);
  return h;
}

}  // namespace shoal::service
