#include "engine/download_mode.h"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>

#include <algorithm>
#include <array>
#include <bit>

namespace shoal::engine {

bool IsKnownDownloadMode(std::uint32_t mode) {
  return mode == kDownloadModeHttpOnly || mode == kDownloadModeLan || mode == kDownloadModeGroup ||
         mode == kDownloadModeSimple || mode == kDownloadModeBypass;
}

bool DownloadModeAllowsPeers(std::uint32_t mode) {
  return mode == kDownloadModeLan || mode == kDownloadModeGroup;
}

std::pair<std::string, std::string> SubnetRange(const std::string& address, int prefix) {
  unsigned char bytes[16] = {};
  const bool v6 = address.find(':') != std::string::npos;
  const int bits = v6 ? 128 : 32;
  if (prefix < 0 || prefix > bits ||
      inet_pton(v6 ? AF_INET6 : AF_INET, address.c_str(), bytes) != 1) {
    return {};
  }
  unsigned char first[16], last[16];
  for (int i = 0; i < bits / 8; ++i) {
    const int keep = std::clamp(prefix - 8 * i, 0, 8);
    const auto mask = static_cast<unsigned char>(0xff00 >> keep);
    first[i] = bytes[i] & mask;
    last[i] = bytes[i] | static_cast<unsigned char>(~mask);
  }
  char a[INET6_ADDRSTRLEN] = {}, b[INET6_ADDRSTRLEN] = {};
  inet_ntop(v6 ? AF_INET6 : AF_INET, first, a, sizeof a);
  inet_ntop(v6 ? AF_INET6 : AF_INET, last, b, sizeof b);
  return {a, b};
}

std::vector<std::pair<std::string, std::string>> LocalNetworkRanges() {
  std::vector<std::pair<std::string, std::string>> ranges = {
      {"127.0.0.0", "127.255.255.255"},    // loopback
      {"169.254.0.0", "169.254.255.255"},  // link-local
      {"::1", "::1"},
      {"fe80::", "febf:ffff:ffff:ffff:ffff:ffff:ffff:ffff"},  // link-local
  };
  ifaddrs* list = nullptr;
  if (getifaddrs(&list) != 0) return ranges;
  for (const ifaddrs* i = list; i != nullptr; i = i->ifa_next) {
    if (i->ifa_addr == nullptr || i->ifa_netmask == nullptr || (i->ifa_flags & IFF_LOOPBACK)) {
      continue;
    }
    const int family = i->ifa_addr->sa_family;
    if (family != AF_INET && family != AF_INET6) continue;
    const void* addr =
        family == AF_INET
            ? static_cast<const void*>(&reinterpret_cast<const sockaddr_in*>(i->ifa_addr)->sin_addr)
            : &reinterpret_cast<const sockaddr_in6*>(i->ifa_addr)->sin6_addr;
    const auto* mask = family == AF_INET
                           ? reinterpret_cast<const unsigned char*>(
                                 &reinterpret_cast<const sockaddr_in*>(i->ifa_netmask)->sin_addr)
                           : reinterpret_cast<const unsigned char*>(
                                 &reinterpret_cast<const sockaddr_in6*>(i->ifa_netmask)->sin6_addr);
    int prefix = 0;
    for (int b = 0; b < (family == AF_INET ? 4 : 16); ++b) prefix += std::popcount(mask[b]);
    char text[INET6_ADDRSTRLEN] = {};
    inet_ntop(family, addr, text, sizeof text);
    auto range = SubnetRange(text, prefix);
    if (!range.first.empty()) ranges.push_back(std::move(range));
  }
  freeifaddrs(list);
  return ranges;
}

bool LsdRuns(bool enable_lsd, std::uint32_t mode, const std::string& listen_interface) {
  return enable_lsd && DownloadModeAllowsPeers(mode) && !ListensOnLoopbackOnly(listen_interface);
}

bool ListensOnLoopbackOnly(const std::string& listen_interface) {
  // "ip:port" or "[v6]:port", possibly several, comma-separated: one non-loopback one says no.
  std::size_t start = 0;
  while (start <= listen_interface.size()) {
    const std::size_t end = std::min(listen_interface.find(',', start), listen_interface.size());
    std::string host = listen_interface.substr(start, end - start);
    host = host.substr(0, host.rfind(':'));
    if (host.size() >= 2 && host.front() == '[') host = host.substr(1, host.size() - 2);
    unsigned char a[16];
    const bool v4 = inet_pton(AF_INET, host.c_str(), a) == 1;
    const bool v6 = !v4 && inet_pton(AF_INET6, host.c_str(), a) == 1;
    const bool loopback =
        (v4 && a[0] == 127) || (v6 && IN6_IS_ADDR_LOOPBACK(reinterpret_cast<in6_addr*>(a)));
    if (!loopback) return false;  // an interface, a LAN address or 0.0.0.0 / ::
    start = end + 1;
  }
  return true;
}

std::string UrlHost(const std::string& url) {
  const auto scheme = url.find("://");
  if (scheme == std::string::npos) return "";
  std::string rest = url.substr(scheme + 3);
  rest = rest.substr(0, rest.find_first_of("/?#"));
  if (const auto at = rest.rfind('@'); at != std::string::npos) rest = rest.substr(at + 1);
  if (!rest.empty() && rest.front() == '[') {
    const auto close = rest.find(']');
    return close == std::string::npos ? "" : rest.substr(1, close - 1);
  }
  return rest.substr(0, rest.find(':'));
}

bool AddressInRange(const std::string& address, const std::string& first, const std::string& last) {
  auto bytes = [](const std::string& text, int* family) {
    std::array<unsigned char, 16> b{};
    *family = 0;
    if (inet_pton(AF_INET, text.c_str(), b.data()) == 1) {
      *family = AF_INET;
    } else if (inet_pton(AF_INET6, text.c_str(), b.data()) == 1) {
      *family = AF_INET6;
    }
    return b;
  };
  int fa = 0, f1 = 0, f2 = 0;
  const auto a = bytes(address, &fa), lo = bytes(first, &f1), hi = bytes(last, &f2);
  return fa != 0 && fa == f1 && fa == f2 && lo <= a && a <= hi;
}

}  // namespace shoal::engine
