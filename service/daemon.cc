#include "service/daemon.h"

#include <pthread.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <condition_variable>
#include <cstdio>
#include <filesystem>
#include <limits>
#include <memory>
#include <mutex>
#include <set>
#include <thread>

#include "api/src/in_process_backend.h"
#include "engine/dns_sd.h"
#include "engine/metainfo_signature.h"
#include "service/cache_role.h"
#include "service/metrics.h"
#include "service/router.h"
#include "service/systemd_notify.h"

namespace shoal::service {
namespace {

int Fail(const std::string& why) {
  std::fprintf(stderr, "shoald: %s\n", why.c_str());
  return 1;
}

// The store's size on disk: every regular file under `dir`, a file with several links (the
// cache node's seeds) once.
std::uint64_t StoreBytes(const std::string& dir) {
  std::uint64_t total = 0;
  std::set<std::pair<dev_t, ino_t>> linked;
  std::error_code ec;
  for (auto it = std::filesystem::recursive_directory_iterator(dir, ec);
       !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
    struct stat st {};
    if (::lstat(it->path().c_str(), &st) != 0 || !S_ISREG(st.st_mode)) continue;
    if (st.st_nlink > 1 && !linked.insert({st.st_dev, st.st_ino}).second) continue;
    total += static_cast<std::uint64_t>(st.st_size);
  }
  return total;
}

MetricsSnapshot Measure(api::Backend& backend, const std::string& store) {
  MetricsSnapshot s;
  s.engine = backend.GetStats();
  for (const auto& job : backend.ListJobs(true)) s.CountJob(job->State());
  s.cache_bytes = StoreBytes(store);
  return s;
}

}  // namespace

int RunDaemon(DaemonConfig config) {
  // Every thread started from here on inherits the mask: only the waiter below takes them.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  ::signal(SIGPIPE, SIG_IGN);

  const ServicePaths& paths = config.paths;
  std::string error;
  // Socket activation (shoald.socket): systemd made the socket and its folder and keeps
  // them; otherwise this process binds its own.
  int listen_fd = TakeListenSocket(&error);
  if (listen_fd < 0 && !error.empty()) return Fail(error);
  const bool activated = listen_fd >= 0;
  const std::string socket_dir = std::filesystem::path(paths.socket).parent_path().string();
  // The system socket is reachable by everyone (identity comes from SO_PEERCRED); the user's
  // only by its user.
  if ((!activated && !PrepareDir(socket_dir, paths.system ? 0755 : 0700, &error)) ||
      !PrepareDir(paths.state_dir, 0700, &error) || !PrepareDir(paths.cache_dir, 0700, &error)) {
    return Fail(error);
  }
  if (!activated) listen_fd = ListenUnix(paths.socket, paths.system ? 0666 : 0600, &error);
  if (listen_fd < 0) return Fail(error);
  auto unlink_socket = [&] {
    if (!activated) ::unlink(paths.socket.c_str());  // ours: bound by this process
  };
  Server server(listen_fd, config.limits);
  config.settings.data_dir = paths.state_dir;
  // max_jobs is per user (the router counts each uid's jobs); the engine holds them all.
  const std::uint32_t max_jobs_per_user = config.settings.max_jobs;
  config.settings.max_jobs = std::numeric_limits<std::uint32_t>::max();
  // A node's engine is the site's cache itself: it looks for no other over DNS-SD.
  if (!config.settings.cache_node_listen.empty()) config.settings.cache_host_discovery = false;
  // Declared after the server, so destroyed first: the server is its event sink.
  std::unique_ptr<api::Backend> backend =
      api::StartInProcessBackend(config.settings, &server, &error);
  if (!backend) {
    unlink_socket();
    return Fail("the engine did not start: " + error);
  }
  Router router(*backend, paths.cache_dir, static_cast<std::int64_t>(::geteuid()),
                max_jobs_per_user);
  // Metrics only when asked for (metrics_listen), refreshed every second.
  Metrics metrics;
  std::unique_ptr<MetricsListener> metrics_listener;
  std::mutex metrics_mu;
  std::condition_variable metrics_stop;
  bool stopped = false;  // guarded by metrics_mu
  std::thread metrics_updater;
  if (!config.settings.metrics_listen.empty()) {
    metrics.Update(Measure(*backend, paths.cache_dir));
    metrics_listener = MetricsListener::Start(config.settings.metrics_listen, &metrics, &error);
    if (!metrics_listener) {
      backend.reset();
      unlink_socket();
      return Fail(error);
    }
    std::fprintf(stderr, "shoald: metrics on http://%s/metrics\n",
                 metrics_listener->Endpoint().c_str());
    metrics_updater = std::thread([&] {
      std::unique_lock<std::mutex> lock(metrics_mu);
      while (!metrics_stop.wait_for(lock, std::chrono::seconds(1), [&] { return stopped; })) {
        lock.unlock();
        metrics.Update(Measure(*backend, paths.cache_dir));
        lock.lock();
      }
    });
  }
  // The cache role: the node's HTTP front beside the local API, seeding through the engine.
  std::unique_ptr<cache::CacheProxy> node;
  if (!config.settings.cache_node_listen.empty()) {
    cache::ProxyOptions o;
    if (CacheNodeOptions(config.settings, paths.cache_dir, &o, &error)) {
      if (config.settings.cache_node_seed) o.seeding = EngineSeedHooks(*backend);
      node = cache::CacheProxy::Start(o, &error);
    }
    if (!node) {
      metrics_listener.reset();
      backend.reset();
      unlink_socket();
      return Fail("the cache node did not start: " + error);
    }
    std::fprintf(stderr, "shoald: cache node on %s:%u (store %s, %s)\n", o.bind_address.c_str(),
                 unsigned{node->port()}, o.store.root.c_str(),
                 o.seeding.seed ? ("seeding on port " + std::to_string(o.seeding.port)).c_str()
                                : "not seeding");
  }
  // Announced over DNS-SD for clients with no cache_host (decision 0019); without a reachable
  // avahi-daemon the node still serves, unannounced.
  std::unique_ptr<engine::DnsSdPublisher> announce;
  if (node && config.settings.cache_node_publish) {
    engine::CacheNodeAd ad;
    ad.port = node->port();
    ad.key = engine::PublicKeyFingerprint(node->PublicKeyPem());
    char host[256] = {};
    gethostname(host, sizeof host - 1);
    announce = engine::DnsSdPublisher::Start(std::string("shoal cache on ") + host, ad, &error);
    if (!announce) std::fprintf(stderr, "shoald: the cache node is not announced: %s\n", error.c_str());
  }
  std::thread waiter([&] {
    int sig = 0;
    sigwait(&stop_signals, &sig);
    std::fprintf(stderr, "shoald: %s, stopping\n", sig == SIGTERM ? "SIGTERM" : "SIGINT");
    NotifyStopping();
    server.Stop();
  });
  std::fprintf(stderr, "shoald: serving %s (%s mode, state %s, store %s, peers on %s)\n",
               paths.socket.c_str(), paths.system ? "system" : "user", paths.state_dir.c_str(),
               paths.cache_dir.c_str(), backend->ListenEndpoint().c_str());
  NotifyReady("serving " + paths.socket);  // Type=notify: the unit is started from here on
  server.Serve(&router);
  waiter.join();
  announce.reset();
  node.reset();  // before the engine it seeds through
  {
    std::lock_guard<std::mutex> lock(metrics_mu);
    stopped = true;
  }
  metrics_stop.notify_all();
  if (metrics_updater.joinable()) metrics_updater.join();
  metrics_listener.reset();
  unlink_socket();
  backend.reset();
  std::fprintf(stderr, "shoald: stopped\n");
  return 0;
}

}  // namespace shoal::service
