#include "engine/download_mode.h"

namespace shoal::engine {

bool IsKnownDownloadMode(std::uint32_t mode) {
  return mode == kDownloadModeHttpOnly || mode == kDownloadModeLan || mode == kDownloadModeGroup ||
         mode == kDownloadModeSimple || mode == kDownloadModeBypass;
}

bool DownloadModeAllowsPeers(std::uint32_t mode) {
  return mode == kDownloadModeLan || mode == kDownloadModeGroup;
}

const std::vector<std::pair<std::string, std::string>>& LocalNetworkRanges() {
  static const std::vector<std::pair<std::string, std::string>> kRanges = {
      {"127.0.0.0", "127.255.255.255"},  // loopback
      {"10.0.0.0", "10.255.255.255"},    // RFC 1918
      {"172.16.0.0", "172.31.255.255"},
      {"192.168.0.0", "192.168.255.255"},
      {"169.254.0.0", "169.254.255.255"},  // link-local
      {"::1", "::1"},
      {"fc00::", "fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"},  // unique local
      {"fe80::", "febf:ffff:ffff:ffff:ffff:ffff:ffff:ffff"},  // link-local
  };
  return kRanges;
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

}  // namespace shoal::engine
