#include "cache/origin_policy.h"

#include <algorithm>
#include <cctype>
#include <charconv>

namespace shoal::cache {
namespace {

std::string Lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

// Splits "host[:port]" / "[v6][:port]"; port 0 = any. False when malformed.
bool Split(std::string_view pattern, std::string* host, std::uint16_t* port) {
  *port = 0;
  std::string_view h = pattern;
  std::string_view p;
  if (!h.empty() && h.front() == '[') {
    const std::size_t close = h.find(']');
    if (close == std::string_view::npos) return false;
    p = h.substr(close + 1);
    h = h.substr(1, close - 1);
    if (!p.empty() && p.front() != ':') return false;
    if (!p.empty()) p.remove_prefix(1);
  } else if (const std::size_t colon = h.rfind(':'); colon != std::string_view::npos) {
    if (h.find(':') != colon) return false;  // a bare IPv6 address needs brackets
    p = h.substr(colon + 1);
    h = h.substr(0, colon);
  }
  if (!p.empty()) {
    unsigned v = 0;
    const auto [end, ec] = std::from_chars(p.data(), p.data() + p.size(), v);
    if (ec != std::errc() || end != p.data() + p.size() || v == 0 || v > 65535) return false;
    *port = static_cast<std::uint16_t>(v);
  } else if (pattern.back() == ':') {
    return false;
  }
  if (h.empty()) return false;
  *host = Lower(h);
  return true;
}

bool HostMatches(const std::string& pattern_host, const std::string& host) {
  if (pattern_host.rfind("*.", 0) == 0) {
    const std::string_view suffix = std::string_view(pattern_host).substr(1);  // ".debian.org"
    return host.size() > suffix.size() &&
           host.compare(host.size() - suffix.size(), suffix.size(), suffix) == 0;
  }
  return pattern_host == host;
}

}  // namespace

std::string OriginPolicy::CheckPattern(std::string_view pattern) {
  std::string host;
  std::uint16_t port = 0;
  if (pattern.empty() || !Split(pattern, &host, &port)) {
    return "\"" + std::string(pattern) +
           "\" is not HOST, *.DOMAIN or [IPv6], with an optional :PORT";
  }
  const std::string_view name = host.rfind("*.", 0) == 0 ? std::string_view(host).substr(2) : host;
  if (name.empty()) return "\"" + std::string(pattern) + "\" names no host";
  for (char c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '-' && c != ':') {
      return "\"" + std::string(pattern) + "\" has a character no host name has";
    }
  }
  return "";
}

bool OriginPolicy::AllowsHost(std::string_view host, std::uint16_t port) const {
  std::string h = Lower(host);
  if (h.size() >= 2 && h.front() == '[' && h.back() == ']') h = h.substr(1, h.size() - 2);
  boost::system::error_code ec;
  const auto literal = boost::asio::ip::make_address(h, ec);
  if (!ec && !AllowsAddress(literal)) return false;
  if (allowed_hosts.empty()) return true;
  for (const std::string& pattern : allowed_hosts) {
    std::string ph;
    std::uint16_t pp = 0;
    if (!Split(pattern, &ph, &pp)) continue;
    if ((pp == 0 || pp == port) && HostMatches(ph, h)) return true;
  }
  return false;
}

bool OriginPolicy::AllowsAddress(const boost::asio::ip::address& address) const {
  return allow_local || !IsLocalAddress(address);
}

bool IsLocalAddress(const boost::asio::ip::address& address) {
  if (address.is_unspecified() || address.is_loopback() || address.is_multicast()) return true;
  if (address.is_v6()) {
    const auto v6 = address.to_v6();
    if (v6.is_v4_mapped()) {
      return IsLocalAddress(boost::asio::ip::make_address_v4(boost::asio::ip::v4_mapped, v6));
    }
    return v6.is_link_local();
  }
  const std::uint32_t v4 = address.to_v4().to_uint();
  return (v4 >> 24) == 0 || (v4 >> 16) == 0xA9FE;  // 0.0.0.0/8, 169.254.0.0/16
}

}  // namespace shoal::cache
