#include "tools/shoal/sim_tracker.h"

#include <openssl/sha.h>
#include <sys/stat.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <thread>

#include "tools/shoal/sim_process.h"

namespace shoal::cli {
namespace {

// Returns the end of the bencoded value starting at `pos`, or npos if malformed.
std::size_t SkipValue(const std::string& b, std::size_t pos, int depth = 0) {
  if (pos >= b.size() || depth > 64) return std::string::npos;
  const char c = b[pos];
  if (c == 'i') {
    const std::size_t e = b.find('e', pos);
    return e == std::string::npos ? e : e + 1;
  }
  if (c == 'l' || c == 'd') {
    ++pos;
    while (pos < b.size() && b[pos] != 'e') {
      pos = SkipValue(b, pos, depth + 1);
      if (pos == std::string::npos) return pos;
    }
    return pos < b.size() ? pos + 1 : std::string::npos;
  }
  if (c >= '0' && c <= '9') {
    const std::size_t colon = b.find(':', pos);
    if (colon == std::string::npos) return colon;
    const std::uint64_t len = std::stoull(b.substr(pos, colon - pos));
    return colon + 1 + len <= b.size() ? colon + 1 + len : std::string::npos;
  }
  return std::string::npos;
}

// Finds `key` among a dictionary's keys (at `pos`); returns the value's [begin, end).
bool FindKey(const std::string& b, std::size_t pos, const std::string& key, std::size_t* begin,
             std::size_t* end) {
  if (pos >= b.size() || b[pos] != 'd') return false;
  ++pos;
  while (pos < b.size() && b[pos] != 'e') {
    const std::size_t key_end = SkipValue(b, pos);
    if (key_end == std::string::npos) return false;
    const std::size_t colon = b.find(':', pos);
    const std::string k = b.substr(colon + 1, key_end - colon - 1);
    const std::size_t value_end = SkipValue(b, key_end);
    if (value_end == std::string::npos) return false;
    if (k == key) {
      *begin = key_end;
      *end = value_end;
      return true;
    }
    pos = value_end;
  }
  return false;
}

}  // namespace

std::optional<TorrentFacts> ReadTorrentFacts(const std::string& torrent) {
  std::size_t ib = 0, ie = 0, pb = 0, pe = 0;
  try {
    if (!FindKey(torrent, 0, "info", &ib, &ie)) return std::nullopt;
    if (!FindKey(torrent, ib, "piece length", &pb, &pe) || torrent[pb] != 'i') return std::nullopt;
    TorrentFacts f;
    f.piece_length = std::stoull(torrent.substr(pb + 1, pe - pb - 2));
    unsigned char digest[SHA_DIGEST_LENGTH];
    SHA1(reinterpret_cast<const unsigned char*>(torrent.data() + ib), ie - ib, digest);
    char hex[3];
    for (unsigned char d : digest) {
      std::snprintf(hex, sizeof(hex), "%02x", d);
      f.info_hash_v1 += hex;
    }
    return f;
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

std::string Tracker::AnnounceUrl(const std::string& ip, int port) {
  return "http://" + ip + ":" + std::to_string(port) + "/announce";
}

std::optional<Tracker> Tracker::Start(const std::filesystem::path& dir, const std::string& ip,
                                      int port, const std::string& info_hash,
                                      std::string* error) {
  if (!HaveTool("opentracker")) {
    *error = "opentracker is not installed (tools/bootstrap.sh installs it)";
    return std::nullopt;
  }
  std::filesystem::create_directories(dir);
  const std::filesystem::path whitelist = dir / "whitelist";
  std::ofstream(whitelist) << info_hash << "\n";
  // opentracker chroots into `dir` (as root), then drops to `nobody` and reads the whitelist:
  // the new root and the file must be readable by `nobody`; the parents need not be.
  ::chmod(dir.c_str(), 0755);
  ::chmod(whitelist.c_str(), 0644);
  const std::string p = std::to_string(port);
  auto child = Child::Spawn({"opentracker", "-i", ip, "-p", p, "-P", p, "-d", dir.string(),
                             // read after the chroot into `dir`, so relative to it
                             "-w", "whitelist", "-u", "nobody"},
                            "", (dir / "opentracker.log").string(), error);
  if (!child) return std::nullopt;
  // It is ready once it answers; a failed start exits at once.
  for (int i = 0; i < 50; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(40));
    if (child->Poll()) {
      *error = "opentracker exited at start (see " + (dir / "opentracker.log").string() + ")";
      return std::nullopt;
    }
    if (Listening(ip, port)) break;
  }
  Tracker t;
  t.child_ = std::move(*child);
  t.url_ = AnnounceUrl(ip, port);
  return t;
}

}  // namespace shoal::cli
