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

// The local network's address ranges, first and last address inclusive, IPv4 and IPv6, as LAN
// mode reads it when the session starts: loopback, link-local (169.254/16, fe80::/10), and
// the subnet of every address on this host's non-loopback interfaces (getifaddrs): a peer on
// another subnet behind the same router is not local (DORestrictPeerSelectionBy = subnet).
std::vector<std::pair<std::string, std::string>> LocalNetworkRanges();
// [first, last] of the subnet holding `address` with `prefix` bits ("10.1.2.3", 24 ->
// 10.1.2.0..10.1.2.255); empty strings for an unparsable address or prefix.
std::pair<std::string, std::string> SubnetRange(const std::string& address, int prefix);

// Whether numeric `address` lies in [first, last] (one family, as LocalNetworkRanges gives
// them); false for an unparsable address or one of the other family.
bool AddressInRange(const std::string& address, const std::string& first, const std::string& last);

// Whether LSD runs: enabled, a mode that allows peers, and a listen interface that is not
// loopback only (LSD finds peers on the LAN; engines listening on 127.0.0.x, tests and
// loopback simulations, do not multicast to each other).
bool LsdRuns(bool enable_lsd, std::uint32_t mode, const std::string& listen_interface);
// Whether every address of `listen_interface` ("ip:port" or "[v6]:port", comma-separated) is
// a loopback one: peers there share 127.0.0.x, elsewhere each host has its own address.
bool ListensOnLoopbackOnly(const std::string& listen_interface);

// The host of "scheme://[user@]host[:port]/...", brackets of an IPv6 literal removed; "" when
// there is none.
std::string UrlHost(const std::string& url);

}  // namespace shoal::engine
