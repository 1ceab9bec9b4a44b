// The site cache of one `shoal sim` round on loopback: a shoal cache node (`shoald
// --cache-node`, a store and an Ed25519 signing key of its own) for a cache_node scenario's
// shoal round, or apt-cacher-ng (Debian's) as the curl clients' http_proxy for the
// "apt-cacher-ng" round; and what each sent, by its own count. Thread-compatible.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "tools/shoal/sim_cache_counters.h"
#include "tools/shoal/sim_process.h"

namespace shoal::cli {

class SiteCache {
 public:
  // shoald (found beside `self`, in ../sbin, or on PATH) on ip, fetching from this machine's
  // origin (--allow-local-origins), its state, store and key under `dir`. Waits until its
  // HTTP front answers. Nullopt and why on failure.
  static std::optional<SiteCache> StartShoalNode(const std::string& self,
                                                 const std::filesystem::path& dir,
                                                 const std::string& ip, std::string* error);
  // apt-cacher-ng on ip, allowed to reach `origin_port` (both below 32768: apt-cacher-ng 3.7
  // neither binds nor connects above 32767), caching every file named update.bin
  // (PfilePatternEx: its own patterns cover package archives only).
  static std::optional<SiteCache> StartAptCacherNg(const std::filesystem::path& dir,
                                                   const std::string& ip, int origin_port,
                                                   std::string* error);

  // "shoal node IP:PORT" or "apt-cacher-ng IP:PORT".
  const std::string& describe() const { return describe_; }
  // What a client adds to use the cache: shoal get's cache_host and cache_public_key, or
  // curl's --proxy.
  const std::vector<std::string>& client_args() const { return client_args_; }
  // Reads the node's metrics (kept as the last known counters; nothing once it is down). For
  // apt-cacher-ng a no-op: its log is read when it has stopped.
  void Sample();
  // SIGKILL: the node going down mid-run (after a last Sample()).
  void Kill();
  // Stops the cache; apt-cacher-ng's log is read then. Idempotent.
  void Stop();
  // Counters as of the last Sample() (node) or Stop() (apt-cacher-ng); known() is false when
  // none could be read.
  const CacheCounters& counters() const { return counters_; }
  bool known() const { return known_; }

 private:
  bool apt_cacher_ = false;
  std::string ip_;
  int port_ = 0;
  std::filesystem::path dir_;
  std::optional<Child> child_;
  std::string describe_;
  std::vector<std::string> client_args_;
  CacheCounters counters_;
  bool known_ = false;
};

// A TCP port below 32768 (where the kernel's ephemeral range starts) free on `ip` right now;
// 0 when none is. Each call starts after the last port given.
int LowFreePort(const std::string& ip);

// The body of http://ip:port/path when it answers 200 within ~2 s; nullopt otherwise.
std::optional<std::string> HttpGet(const std::string& ip, int port, const std::string& path);

}  // namespace shoal::cli
