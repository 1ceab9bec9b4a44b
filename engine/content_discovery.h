// ContentDiscovery: content discovery by hash on the LAN (decision 0016). It asks the LAN who
// holds a SHA-256 (a multicast FIND), takes the first holders' unicast HAVE answers, and fetches
// the metainfo from one over TCP; and it answers other hosts' queries for the content this
// engine holds, within a rate. One thread of its own owns the sockets; the methods are
// thread-safe, and Find's callback runs on that thread (it must only post onward).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace shoal::engine {

inline constexpr const char* kDiscoveryGroup = "239.192.152.144";  // beside LSD's .143
inline constexpr std::uint16_t kDiscoveryPort = 6772;              // beside LSD's 6771

struct DiscoveryOptions {
  std::string bind_ip;        // the IPv4 listen address; "" or 0.0.0.0: the default interface
  std::uint16_t bt_port = 0;  // this engine's BitTorrent port, which answers carry
  // Only hosts in these IPv4 ranges (first, last inclusive) are answered or believed: the LAN
  // mode's subnets (download_mode.h LocalNetworkRanges).
  std::vector<std::pair<std::string, std::string>> local_ranges;
  double window_s = 0.5;      // how long a query waits for answers
  double io_timeout_s = 2.0;  // a metainfo request or answer, each way
  int answers_per_s = 10;     // HAVE answers and metainfo served, together (burst: twice)
};

// What a query found: the holder's BitTorrent endpoint "ip:port", its address, and the
// metainfo it served; all empty when nobody held the content (or every holder failed).
struct DiscoveryFound {
  std::string peer;
  std::string holder_ip;
  std::string metainfo;
};

class ContentDiscovery {
 public:
  static constexpr std::size_t kMaxMetainfo = 8 << 20;  // a larger answer is dropped
  static constexpr std::size_t kMaxFinds = 32;          // queries in flight; more find nothing
  static constexpr std::size_t kMaxAnswersPerFind = 4;  // holders tried per query

  // Binds the UDP port, joins the group and starts the thread; null and why on failure.
  static std::unique_ptr<ContentDiscovery> Start(const DiscoveryOptions& options,
                                                 std::string* error);
  ~ContentDiscovery();  // stops and joins the thread; pending Finds are answered "none"
  ContentDiscovery(const ContentDiscovery&) = delete;
  ContentDiscovery& operator=(const ContentDiscovery&) = delete;

  // This engine holds (verified, and shares) the content with this SHA-256 (32 raw bytes).
  void Hold(const std::string& sha256, std::string metainfo);
  void Drop(const std::string& sha256);
  // Asks the LAN; `done` runs once, on the discovery thread.
  void Find(const std::string& sha256, std::function<void(DiscoveryFound)> done);
  // A holder whose content did not match: its answers are ignored from now on.
  void Ban(const std::string& ip);
  bool Banned(const std::string& ip) const;

  // The TCP port of the metainfo endpoint (what answers carry).
  std::uint16_t meta_port() const;

 private:
  struct State;
  explicit ContentDiscovery(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

}  // namespace shoal::engine
