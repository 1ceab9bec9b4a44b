#include "tools/shoal/sim_tracker.h"

#include "tools/shoal/sim_netns.h"

#include <sys/stat.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <thread>

#include "engine/metainfo.h"
#include "tools/shoal/sim_process.h"

namespace shoal::cli {

std::optional<TorrentFacts> ReadTorrentFacts(const std::string& torrent) {
  engine::MetainfoSummary summary;
  std::string error;
  if (hr::Failed(engine::ReadMetainfo(torrent, &summary, &error)) || summary.info_hash_v1.empty()) {
    return std::nullopt;
  }
  return TorrentFacts{summary.info_hash_v1, static_cast<std::uint64_t>(summary.piece_length)};
}

std::string Tracker::AnnounceUrl(const std::string& ip, int port) {
  return "http://" + ip + ":" + std::to_string(port) + "/announce";
}

std::optional<Tracker> Tracker::Start(const std::filesystem::path& dir, const std::string& ip,
                                      int port, const std::string& info_hash,
                                      std::string* error, const std::string& netns) {
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
                            "", (dir / "opentracker.log").string(), error, netns);
  if (!child) return std::nullopt;
  // It is ready once it answers; a failed start exits at once.
  for (int i = 0; i < 50; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(40));
    if (child->Poll()) {
      *error = "opentracker exited at start (see " + (dir / "opentracker.log").string() + ")";
      return std::nullopt;
    }
    if (ListeningIn(netns, ip, port)) break;
  }
  Tracker t;
  t.child_ = std::move(*child);
  t.url_ = AnnounceUrl(ip, port);
  return t;
}

}  // namespace shoal::cli
