// DNS-SD (RFC 6763 over mDNS) of the site's cache nodes, through the machine's avahi-daemon
// (libavahi-client; decision 0019): a node publishes `_shoal-cache._tcp` with its HTTP port and
// the fingerprint of its signing key; a client with no cache_host browses the type and takes
// the nodes it resolves as cache hosts. The TXT codec is pure (thread-safe); DnsSdBrowser and
// DnsSdPublisher run on a thread of Avahi's own, and are created and destroyed on one thread.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace shoal::engine {

inline constexpr const char* kCacheNodeServiceType = "_shoal-cache._tcp";

// One node's announcement, as resolved.
struct CacheNodeAd {
  std::string address;    // numeric IP the service resolved to (IPv4)
  std::uint16_t port = 0;  // its HTTP front
  // Lower-case hex SHA-256 of its Ed25519 public key (engine/metainfo_signature.h
  // PublicKeyFingerprint); "" when the node signs no metainfo.
  std::string key;
};

// The TXT strings a node publishes: "txtvers=1" and, with a key, "key=<64 hex>".
std::vector<std::string> CacheNodeTxt(const CacheNodeAd& ad);
// Reads `txt` (untrusted: any peer on the LAN may announce) into ad->key. False, with *why,
// for an announcement shoal must not use: no txtvers=1, a key that is not 64 hex digits, a
// key given twice. Unknown keys are ignored (room for later versions).
bool ParseCacheNodeTxt(const std::vector<std::string>& txt, CacheNodeAd* ad, std::string* why);

class DnsSdBrowser {
 public:
  // Called on Avahi's thread for each node resolved (again when it re-announces).
  using OnFound = std::function<void(const CacheNodeAd&)>;
  // Called once on Avahi's thread when the first answers are in (Avahi's ALL_FOR_NOW) or
  // the daemon cannot be reached: what a job waiting for them may go on with.
  using OnSettled = std::function<void()>;
  // Browses from now until destroyed. Null with *why when there is no D-Bus system bus (no
  // daemon to ask); a daemon that is not running yet is waited for (on_settled then runs
  // at once, and nodes found later still arrive).
  static std::unique_ptr<DnsSdBrowser> Start(OnFound on_found, OnSettled on_settled,
                                             std::string* why);
  ~DnsSdBrowser();
  DnsSdBrowser(const DnsSdBrowser&) = delete;
  DnsSdBrowser& operator=(const DnsSdBrowser&) = delete;

  struct Impl;

 private:
  explicit DnsSdBrowser(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

class DnsSdPublisher {
 public:
  // Publishes `name` (renamed "name #2"... on a collision) of kCacheNodeServiceType on every
  // interface with ad.port and CacheNodeTxt(ad), until destroyed; re-published when the
  // daemon restarts. Null with *why when there is no D-Bus system bus.
  static std::unique_ptr<DnsSdPublisher> Start(const std::string& name, const CacheNodeAd& ad,
                                               std::string* why);
  ~DnsSdPublisher();
  DnsSdPublisher(const DnsSdPublisher&) = delete;
  DnsSdPublisher& operator=(const DnsSdPublisher&) = delete;

  struct Impl;

 private:
  explicit DnsSdPublisher(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace shoal::engine
