// The job logic's side of content discovery by hash (Engine::Impl, engine thread; decision
// 0016): a file with an expected SHA-256 and no published metainfo is asked of the LAN, the
// holder's metainfo adopted and the holder dialled; a whole file that then fails its SHA-256
// (or a CDN piece that fails the holder's piece hashes) bans the holder and the file starts
// over from the CDN; verified content is offered to the LAN's queries.
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "engine/download_mode.h"
#include "engine/engine_impl.h"
#include "engine/log.h"
#include "engine/metainfo.h"

namespace shoal::engine {
namespace {

constexpr std::uint32_t kPeerCachingServer = 0x2;  // BG_JOB_ENABLE_PEERCACHING_SERVER

// "ip:port" -> its port, 0 when there is none.
std::uint16_t PortOf(const std::string& endpoint) {
  const std::size_t colon = endpoint.rfind(':');
  if (colon == std::string::npos) return 0;
  const int port = std::atoi(endpoint.c_str() + colon + 1);
  return port > 0 && port < 65536 ? static_cast<std::uint16_t>(port) : 0;
}

}  // namespace

void Engine::Impl::StartDiscovery() {
  // As LSD (decision 0011), and LAN mode only: Group mode trades group content over TLS and
  // this exchange has no authentication (decision 0016).
  if (!options_.content_discovery || options_.download_mode != kDownloadModeLan ||
      !LsdRuns(true, options_.download_mode, options_.listen_interface)) {
    return;
  }
  DiscoveryOptions d;
  const std::string& listen = options_.listen_interface;
  d.bind_ip = listen.substr(0, listen.rfind(':'));
  if (d.bind_ip.find(':') != std::string::npos) d.bind_ip.clear();  // IPv6: the default v4
  d.bt_port = PortOf(swarm_->ListenEndpoint());
  d.local_ranges = LocalNetworkRanges();
  std::string error;
  discovery_ = ContentDiscovery::Start(d, &error);
  if (!discovery_) {
    Logf(LogLevel::kWarning, "discovery", "content discovery by hash is off: %s", error.c_str());
  }
}

bool Engine::Impl::AskLan(Job& job, int index) {
  JobFile& f = job.files[index];
  if (!discovery_ || f.spec.sha256.size() != 32 || f.lan.asked || !f.spec.metainfo.empty()) {
    return false;
  }
  f.lan.asked = true;
  f.fetching = true;
  const Uuid id = job.view->id;
  const int generation = job.generation;
  discovery_->Find(f.spec.sha256, [this, id, index, generation](DiscoveryFound found) {
    Post([this, id, index, generation, found = std::move(found)]() mutable {
      OnLanMetainfo(id, index, generation, std::move(found));
    });
  });
  return true;
}

void Engine::Impl::OnLanMetainfo(const Uuid& id, int index, int generation, DiscoveryFound found) {
  Job* job = nullptr;
  JobFile* fetched = Fetched(id, index, generation, &job);
  if (fetched == nullptr) return;
  JobFile& f = *fetched;
  const std::string& url = f.spec.remote_url;
  if (!found.metainfo.empty()) {
    std::string error;
    f.lan.peer = found.peer;
    f.lan.holder_ip = found.holder_ip;
    if (AdoptMetainfo(*job, index, std::move(found.metainfo), /*ahead=*/true,
                      "LAN holder " + found.peer, &error)) {
      Logf(LogLevel::kInfo, "discovery", "%s: metainfo by SHA-256 from LAN holder %s", url.c_str(),
           found.peer.c_str());
      return;
    }
    f.lan = LanFileState{true, "", ""};
    discovery_->Ban(found.holder_ip);
    Logf(LogLevel::kWarning, "discovery", "%s: LAN holder %s sent unusable metainfo (%s): banned",
         url.c_str(), found.peer.c_str(), error.c_str());
  }
  f.http.plain = true;  // nobody on the LAN has it: plain HTTP, as without discovery
  Schedule(*job);
}

void Engine::Impl::WholeFileVerified(Job& job, int index) {
  const JobFile& f = job.files[index];
  if (!discovery_ || f.spec.metainfo.empty() || f.spec.sha256.size() != 32 ||
      (job.props.peer_caching_flags & kPeerCachingServer) == 0) {
    return;
  }
  discovery_->Hold(f.spec.sha256, f.spec.metainfo);
}

bool Engine::Impl::WholeFileMismatched(Job& job, int index) {
  JobFile& f = job.files[index];
  if (!discovery_ || f.lan.holder_ip.empty()) return false;
  discovery_->Ban(f.lan.holder_ip);
  Logf(LogLevel::kWarning, "discovery",
       "%s: the metainfo of LAN holder %s does not describe the content of its SHA-256: "
       "holder banned, the file starts over from the CDN",
       f.spec.remote_url.c_str(), f.lan.peer.c_str());
  f.lan = LanFileState{true, "", ""};
  // Everything in flight for the job is dropped (by generation) and asked again by Schedule.
  ++job.generation;
  http_->Stop(job);
  ranged_->Stop(job);
  cdn_->Reset(job);
  for (JobFile& other : job.files) other.fetching = false;
  f.spec.metainfo.clear();
  f.integrity = IntegrityState{};
  HttpTransfers::Restart(job, index);
  if (f.tracked >= 0) job.tracker.ResetTorrent(f.tracked);
  job.tracker.SetFileSize(index, kSizeUnknown);  // the holder's size may have been a lie too
  Publish(job);
  // Until the swarm let go of the torrent the file waits (as for metainfo); then the holder's
  // bytes go and plain HTTP writes the file from its first byte.
  f.fetching = true;
  const Uuid id = job.view->id;
  const int generation = job.generation;
  auto restart = [this, id, index, generation] {
    Job* j = FindJob(id);
    if (j == nullptr) return;
    JobFile& file = j->files[index];
    const int fd = ::open(file.temp_path().c_str(), O_WRONLY | O_TRUNC | O_NOFOLLOW | O_CLOEXEC);
    if (fd >= 0) {
      ::close(fd);
    } else if (errno != ENOENT) {
      Logf(LogLevel::kWarning, "discovery", "cannot truncate %s: %s", file.temp_path().c_str(),
           std::strerror(errno));
    }
    file.http.plain = true;
    if (j->generation != generation || !IsActive(j->state)) return;
    file.fetching = false;
    Schedule(*j);
  };
  if (f.torrent < 0) {
    restart();
    return true;
  }
  const int key = f.torrent;
  f.torrent = -1;
  jobs_.Disown(key);
  on_removed_[key] = std::move(restart);
  swarm_->Remove(key);
  return true;
}

}  // namespace shoal::engine
