// The emulated site of `shoal sim` with "netns": true: network namespaces joined by veth
// pairs and shaped with tc. A router namespace holds the LAN bridge (10.77.0.1/24) and a
// second subnet's bridge (10.77.1.1/24); the WAN namespace behind it holds the origin and the
// tracker; each peer has a namespace of its own. NetSite owns every namespace it makes and
// deletes them when destroyed (their links go with them). Thread-compatible; RunInNetns is
// thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace shoal::cli {

struct NetSiteSpec {
  int peers = 0;          // the LAN peers, 10.77.0.10 + i
  int lan_helpers = 0;    // more LAN hosts for helper peers, 10.77.0.9 - k (seeder, corrupt)
  bool far_peer = false;  // a host on the other subnet, 10.77.1.10
  std::uint64_t wan_bytes_per_s = 0;          // the WAN link, each way (tbf), 0 = unshaped
  std::uint64_t lan_bits_per_s = 1000000000;  // each peer's link, each way (tbf), 0 = unshaped
  std::uint32_t wan_latency_ms = 0;           // netem delay on the WAN link, where netem exists
};

class NetSite {
 public:
  // Needs root (CAP_NET_ADMIN) and iproute2's ip and tc. Deletes the namespaces of earlier runs
  // that died (the pid in their name is gone) before making its own. Nullptr and why on failure
  // (what was made by then is deleted again).
  static std::unique_ptr<NetSite> Build(const NetSiteSpec& spec, std::string* error);
  ~NetSite();
  NetSite(const NetSite&) = delete;
  NetSite& operator=(const NetSite&) = delete;

  static constexpr const char* kOriginIp = "198.51.100.2";
  static constexpr const char* kTrackerIp = "198.51.100.3";
  const std::string& wan_ns() const { return wan_ns_; }
  const std::string& router_ns() const { return router_ns_; }
  std::string PeerNs(int i) const;
  static std::string PeerIp(int i);
  std::string HelperNs(int k) const;
  static std::string HelperIp(int k);
  std::string FarNs() const;
  static std::string FarIp();
  // Whether the kernel has netem: then the WAN latency is in the link, else the caller models
  // it (the origin's per-response latency).
  bool netem() const { return netem_; }

 private:
  NetSite() = default;
  bool Run(const std::vector<std::string>& argv, std::string* error);
  bool AddNs(const std::string& name, std::string* error);
  bool AddHost(const std::string& ns, const std::string& port, const std::string& bridge,
               const std::string& cidr, const std::string& gateway, std::uint64_t bits_per_s,
               std::string* error);
  std::string prefix_;
  std::string router_ns_, wan_ns_;
  std::vector<std::string> made_;  // namespaces to delete, in order made
  bool netem_ = false;
};

// Runs fn on a thread that has joined the named network namespace (sockets it makes, threads
// it starts, live there); false and why when the namespace cannot be joined.
bool RunInNetns(const std::string& ns, const std::function<void()>& fn, std::string* error);
// Listening(ip, port) from inside `ns` ("" = here).
bool ListeningIn(const std::string& ns, const std::string& ip, int port);

}  // namespace shoal::cli
