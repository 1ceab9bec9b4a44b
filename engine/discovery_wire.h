// The wire format of content discovery by hash (decision 0016): the LAN query "who holds the
// content with this SHA-256?", a holder's unicast answer, and the request for the metainfo
// over TCP. Text lines like BEP 14's, so a capture reads plainly. Thread-safe (pure
// functions); Parse takes untrusted bytes (tests/fuzz/discovery_wire_fuzz.cc).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace shoal::engine {

enum class DiscoveryKind { kFind, kHave, kMeta };

struct DiscoveryMessage {
  DiscoveryKind kind = DiscoveryKind::kFind;
  std::string sha256;       // 32 raw bytes
  std::uint64_t nonce = 0;  // the query's, echoed by its answers; pairs them, drops strays
  // kHave only: the holder's BitTorrent port and the TCP port of its metainfo endpoint, both
  // on the answer's source address.
  std::uint16_t bt_port = 0;
  std::uint16_t meta_port = 0;
  friend bool operator==(const DiscoveryMessage&, const DiscoveryMessage&) = default;
};

// A datagram or request never exceeds this; longer input is refused unread.
inline constexpr std::size_t kDiscoveryMessageMax = 512;

std::string EncodeDiscovery(const DiscoveryMessage& m);
// The message in `bytes`, or nothing (and why) when it is not one: unknown kind or version,
// a required field missing, duplicated or malformed, a port 0, more than kDiscoveryMessageMax.
std::optional<DiscoveryMessage> ParseDiscovery(std::string_view bytes, std::string* why);

}  // namespace shoal::engine
