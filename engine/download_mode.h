// DODownloadMode as the engine applies it (EngineOptions::download_mode): whether BitTorrent
// runs at all, which address ranges count as the local network, and the host of a URL, for the
// session's IP filter (torrent_session.cc). Thread-safe (pure functions).
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace shoal::engine {

inline constexpr std::uint32_t kDownloadModeHttpOnly = 0;
inline constexpr std::uint32_t kDownloadModeLan = 1;
inline constexpr std::uint32_t kDownloadModeGroup = 2;
inline constexpr std::uint32_t kDownloadModeSimple = 99;
inline constexpr std::uint32_t kDownloadModeBypass = 100;

// A mode this engine implements (0, 1, 2, 99, 100).
bool IsKnownDownloadMode(std::uint32_t mode);
// Whether the mode lets BitTorrent reach peers and trackers at all (LAN and Group).
bool DownloadModeAllowsPeers(std::uint32_t mode);

// The local network's address ranges, first and last address inclusive, IPv4 and IPv6:
// loopback, RFC 1918, link-local, unique local (fc00::/7) and link-local (fe80::/10) IPv6.
const std::vector<std::pair<std::string, std::string>>& LocalNetworkRanges();

// The host of "scheme://[user@]host[:port]/...", brackets of an IPv6 literal removed; "" when
// there is none.
std::string UrlHost(const std::string& url);

}  // namespace shoal::engine
