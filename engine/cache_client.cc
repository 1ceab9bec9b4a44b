// The job logic's side of the site's cache node (Engine::Impl, engine thread; docs/cache.md
// "Clients"): a plain URL's metainfo asked of the node, its signature checked against the
// configured key, and the node's BitTorrent seed added as a peer. Pieces from the node are the
// CDN pump's (cdn_pump.cc).
#include <netdb.h>
#include <sys/socket.h>

#include <fstream>
#include <utility>
#include <sstream>

#include "engine/download_mode.h"
#include "engine/engine_impl.h"
#include "engine/log.h"
#include "engine/metainfo_signature.h"
#include "engine/node_answer.h"

namespace shoal::engine {
namespace {

// "ip:port" of the node's seed: `host` (the node, "name:port") at `port`, resolved to a
// numeric address (the swarm dials numeric peers only). "" when it does not resolve.
std::string SeedPeer(const std::string& host, int port) {
  if (port == 0) return "";
  std::string name = host.substr(0, host.rfind(':'));
  if (!name.empty() && name.front() == '[') name = name.substr(1, name.size() - 2);
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  if (getaddrinfo(name.c_str(), nullptr, &hints, &res) != 0 || res == nullptr) return "";
  char ip[NI_MAXHOST] = {};
  const bool ok =
      getnameinfo(res->ai_addr, res->ai_addrlen, ip, sizeof ip, nullptr, 0, NI_NUMERICHOST) == 0;
  const bool v6 = res->ai_family == AF_INET6;
  freeaddrinfo(res);
  if (!ok) return "";
  return (v6 ? "[" + std::string(ip) + "]" : std::string(ip)) + ":" + std::to_string(port);
}

}  // namespace

void Engine::Impl::LoadCacheKey() {
  if (options_.cache_public_key.empty()) {
    if (options_.cache_host.empty()) return;  // nodes found over DNS-SD serve pieces only
    Logf(LogLevel::kWarning, "cache",
         "cache_host is set but cache_public_key is not: the node's metainfo is not used "
         "(plain URLs stay plain HTTP; the node still serves pieces)");
    return;
  }
  std::ifstream in(options_.cache_public_key);
  std::stringstream text;
  text << in.rdbuf();
  if (!in || text.str().empty()) {
    Logf(LogLevel::kWarning, "cache",
         "cannot read cache_public_key %s: the node's metainfo is "
         "not used",
         options_.cache_public_key.c_str());
    return;
  }
  cache_key_pem_ = text.str();
  cache_key_fingerprint_ = PublicKeyFingerprint(cache_key_pem_);
}

bool Engine::Impl::CacheDiscoveryWanted() const {
  // As LSD (decision 0011): the LAN mode's own neighbourhood, never from a loopback-only
  // engine (tests, loopback simulations); and as DO, only while no node is configured.
  return options_.cache_host_discovery && options_.cache_host.empty() &&
         options_.download_mode == kDownloadModeLan &&
         LsdRuns(true, options_.download_mode, options_.listen_interface);
}

void Engine::Impl::StartCacheDiscovery() {
  cache_discovery_ranges_ = LocalNetworkRanges();
  std::string why;
  dns_sd_ = DnsSdBrowser::Start(
      [this](const CacheNodeAd& ad) { Post([this, ad] { OnCacheNodeFound(ad); }); },
      [this] { Post([this] { OnCacheDiscoverySettled(); }); }, &why);
  if (!dns_sd_) {
    Logf(LogLevel::kDebug, "dns-sd", "no cache node discovery: %s", why.c_str());
    Post([this] { OnCacheDiscoverySettled(); });
  }
}

bool Engine::Impl::AwaitCacheDiscovery(Job& job, int index) {
  JobFile& f = job.files[index];
  // Without a key a node's metainfo is never used: nothing to wait for.
  if (!cache_discovery_waiting_ || cache_key_pem_.empty() || f.cache.asked ||
      !f.spec.metainfo.empty()) {
    return false;
  }
  f.fetching = true;  // Fetched() takes it back when the wait is over
  cache_discovery_waiters_.emplace_back(job.view->id, index, job.generation);
  return true;
}

void Engine::Impl::OnCacheDiscoverySettled() {
  if (!cache_discovery_waiting_) return;
  cache_discovery_waiting_ = false;
  for (const auto& [id, index, generation] : std::exchange(cache_discovery_waiters_, {})) {
    Job* job = nullptr;
    if (Fetched(id, index, generation, &job) != nullptr) NoPublishedMetainfo(*job, index);
  }
}

void Engine::Impl::OnCacheNodeFound(const CacheNodeAd& ad) {
  // Anyone on the LAN can announce: a node counts only on the local network, and, where a key
  // is configured, only when it announces that key (its metainfo would fail the check anyway;
  // a node of another key is another site's or a stranger's). Its pieces are hash-checked.
  bool local = false;
  for (const auto& [first, last] : cache_discovery_ranges_) {
    local = local || AddressInRange(ad.address, first, last);
  }
  const std::string host = ad.address + ":" + std::to_string(ad.port);
  if (!local) {
    Logf(LogLevel::kInfo, "dns-sd", "ignoring cache node %s: not on the local network",
         host.c_str());
  } else if (!cache_key_fingerprint_.empty() && ad.key != cache_key_fingerprint_) {
    Logf(LogLevel::kInfo, "dns-sd", "ignoring cache node %s: it announces %s, not cache_public_key",
         host.c_str(), ad.key.empty() ? "no key" : "another key");
  } else if (cache_hosts_->Add(host)) {
    Logf(LogLevel::kInfo, "dns-sd", "cache node %s found over DNS-SD%s", host.c_str(),
         cache_key_pem_.empty() ? " (no cache_public_key: its pieces only)" : "");
    OnCacheDiscoverySettled();  // the waiting files may ask it now
  }
}

bool Engine::Impl::AskCacheNode(Job& job, int index) {
  JobFile& f = job.files[index];
  if (!node_fetcher_ || cache_key_pem_.empty() || f.cache.asked || !f.spec.metainfo.empty()) {
    return false;
  }
  const std::string host = cache_hosts_->Pick(f.spec.remote_url, NowS());
  if (host.empty()) return false;
  f.cache.asked = true;
  f.fetching = true;
  const Uuid id = job.view->id;
  const int generation = job.generation;
  // The node's BitTorrent seed is a peer with every piece: where other peers can come, the
  // swarm would take the whole file from it, a copy per client. There the node serves by HTTP,
  // each piece to its one owner (the CDN pump, decision 0015); only a client no peer can
  // reach takes the seed.
  const bool seed_wanted =
      options_.peers.empty() && options_.trackers.empty() && peer_sources_.empty() &&
      !LsdRuns(options_.enable_lsd, options_.download_mode, options_.listen_interface);
  node_fetcher_->Fetch(
      NodeMetainfoUrl(f.spec.remote_url, host) + "&wait=" + std::to_string(kNodeFillWaitS),
      [this, id, index, generation, host, seed_wanted](FetchResult r) {
        // Resolved here, off the engine thread.
        const auto port = r.headers.find("x-shoal-seed-port");
        std::string seed =
            port == r.headers.end() || !seed_wanted
                ? ""
                : SeedPeer(host, ParseSeedPort(port->second));
        Post([this, id, index, generation, host, seed = std::move(seed),
              r = std::move(r)]() mutable {
          if (Job* job = FindJob(id); job != nullptr) job->files[index].cache.seed_peer = seed;
          OnNodeMetainfo(id, index, generation, host, std::move(r));
        });
      });
  return true;
}

void Engine::Impl::OnNodeMetainfo(const Uuid& id, int index, int generation,
                                  const std::string& host, FetchResult r) {
  Job* job = nullptr;
  JobFile* fetched = Fetched(id, index, generation, &job);
  if (fetched == nullptr) return;
  JobFile& f = *fetched;
  const std::string& url = f.spec.remote_url;
  NodeAnswer answer = ReadNodeAnswer(r, cache_key_pem_);
  std::string why = std::move(answer.why);
  if (answer.unreachable) {
    cache_hosts_->SkipHost(host, NowS());
    f.cache.asked = false;  // the next node, if any
  }
  if (answer.signed_ok) {
    std::string error;
    if (AdoptMetainfo(*job, index, std::move(r.body), /*ahead=*/true, "cache node " + host,
                      &error)) {
      Logf(LogLevel::kInfo, "cache", "%s: metainfo from cache node %s%s", url.c_str(),
           host.c_str(),
           f.cache.seed_peer.empty() ? "" : (", seeded at " + f.cache.seed_peer).c_str());
      return;
    }
    why = error;
  }
  f.cache.seed_peer.clear();
  Logf(LogLevel::kInfo, "cache", "%s: no metainfo from cache node %s (%s): going on without it",
       url.c_str(), host.c_str(), why.c_str());
  FetchMetainfo(*job, index);  // the next node, else the sidecar, as without a node
}

}  // namespace shoal::engine
