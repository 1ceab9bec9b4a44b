// What `shoal sim` needs to know of a .torrent (v1 info-hash, piece length; read by the engine),
// and the LAN tracker it runs: Debian's opentracker in whitelist mode on loopback
// (shared/spec/libtorrent-notes.md §11). Thread-compatible.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

#include "tools/shoal/sim_process.h"

namespace shoal::cli {

struct TorrentFacts {
  std::string info_hash_v1;  // 40 lowercase hex digits: SHA-1 of the bencoded info dictionary
  std::uint64_t piece_length = 0;
};
// Nullopt when the bytes are not valid metainfo with a v1 info-hash.
std::optional<TorrentFacts> ReadTorrentFacts(const std::string& torrent);

class Tracker {
 public:
  // Starts opentracker on ip:port (a FreePort) with `info_hash` whitelisted; its chroot is
  // `dir` (made readable by the unprivileged user it drops to), inside network namespace
  // `netns` unless it is empty. Nullopt (and why) on failure.
  static std::optional<Tracker> Start(const std::filesystem::path& dir, const std::string& ip,
                                      int port, const std::string& info_hash, std::string* error,
                                      const std::string& netns = "");
  static std::string AnnounceUrl(const std::string& ip, int port);
  // "http://ip:port/announce" (libtorrent wants that path for loopback trackers).
  const std::string& announce_url() const { return url_; }

 private:
  Child child_;
  std::string url_;
};

}  // namespace shoal::cli
