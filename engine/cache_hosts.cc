#include "engine/cache_hosts.h"

#include <algorithm>
#include <cctype>
#include <cstdio>

namespace shoal::engine {
namespace {

std::string WithPort(const std::string& host) {
  const auto close = host.rfind(']');
  const auto colon = host.rfind(':');
  const bool has_port = colon != std::string::npos && (close == std::string::npos || colon > close);
  return has_port ? host : host + ":" + std::to_string(kDefaultCachePort);
}

std::string Escape(const std::string& s) {
  std::string out;
  for (const unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~' || c == '/' || c == ':') {
      out += static_cast<char>(c);
    } else {
      char buf[4];
      std::snprintf(buf, sizeof buf, "%%%02X", c);
      out += buf;
    }
  }
  return out;
}

}  // namespace

CacheHosts::CacheHosts(const std::vector<std::string>& hosts) {
  for (const std::string& h : hosts) hosts_.push_back(WithPort(h));
}

bool CacheHosts::Add(const std::string& host) {
  const std::string h = WithPort(host);
  if (std::find(hosts_.begin(), hosts_.end(), h) != hosts_.end()) return false;
  hosts_.push_back(h);
  return true;
}

std::string CacheHosts::Pick(const std::string& url, double now_s) const {
  const std::string origin = OriginOf(url);
  auto skipped = [&](const std::string& key) {
    const auto it = until_.find(key);
    return it != until_.end() && now_s < it->second;
  };
  for (const std::string& h : hosts_) {
    if (!skipped(h) && !skipped(h + " " + origin)) return h;
  }
  return "";
}

void CacheHosts::SkipHost(const std::string& host, double now_s) { until_[host] = now_s + kSkipS; }

void CacheHosts::SkipOrigin(const std::string& host, const std::string& url, double now_s) {
  until_[host + " " + OriginOf(url)] = now_s + kSkipS;
}

std::string OriginOf(const std::string& url) {
  const auto sep = url.find("://");
  if (sep == std::string::npos) return "";
  const std::string scheme = url.substr(0, sep);
  if (scheme != "http" && scheme != "https") return "";
  const auto end = url.find_first_of("/?#", sep + 3);
  return url.substr(0, end);
}

std::string ConnectedCacheUrl(const std::string& url, const std::string& host) {
  const std::string origin = OriginOf(url);
  if (origin.empty()) return "";
  const bool https = origin.rfind("https://", 0) == 0;
  const std::string authority = origin.substr(https ? 8 : 7);
  std::string rest = url.substr(origin.size());
  rest = rest.substr(0, rest.find('#'));
  if (rest.empty() || rest[0] == '?') rest = "/" + rest;
  rest += rest.find('?') == std::string::npos ? "?" : "&";
  rest += "cacheHostOrigin=" + authority;
  if (https) rest += "&cacheHostScheme=https";
  return "http://" + host + rest;
}

std::string NodeMetainfoUrl(const std::string& url, const std::string& host) {
  return "http://" + host + "/shoal/v1/metainfo?fill=1&url=" + Escape(url);
}

}  // namespace shoal::engine
