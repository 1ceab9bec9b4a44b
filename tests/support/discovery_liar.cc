// A lying holder for content discovery tests (decision 0016): answers the LAN's queries for
// SHA256 with METAINFO, which describes other content, and says its BitTorrent port is BT_PORT
// (a seeder of that other content, or nothing). Prints "ready" once it answers; runs until
// SIGTERM or SIGINT.
//   usage: discovery_liar BIND_IP BT_PORT SHA256_HEX METAINFO
#include <signal.h>

#include <cstdio>
#include <fstream>
#include <sstream>

#include "engine/content_discovery.h"
#include "engine/download_mode.h"

int main(int argc, char** argv) {
  using namespace shoal::engine;
  std::string sha256;
  if (argc != 5 || std::string(argv[3]).size() != 64) {
    std::fprintf(stderr, "usage: discovery_liar BIND_IP BT_PORT SHA256_HEX METAINFO\n");
    return 2;
  }
  for (int i = 0; i < 64; i += 2) {
    sha256 += static_cast<char>(std::stoi(std::string(argv[3] + i, 2), nullptr, 16));
  }
  std::ifstream in(argv[4], std::ios::binary);
  std::stringstream metainfo;
  metainfo << in.rdbuf();
  sigset_t stop;
  sigemptyset(&stop);
  sigaddset(&stop, SIGTERM);
  sigaddset(&stop, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop, nullptr);  // before the discovery thread starts
  DiscoveryOptions options;
  options.bind_ip = argv[1];
  options.bt_port = static_cast<std::uint16_t>(std::stoi(argv[2]));
  options.local_ranges = LocalNetworkRanges();
  std::string error;
  auto discovery = ContentDiscovery::Start(options, &error);
  if (!discovery || metainfo.str().empty()) {
    std::fprintf(stderr, "discovery_liar: %s\n", discovery ? "no metainfo" : error.c_str());
    return 1;
  }
  discovery->Hold(sha256, metainfo.str());
  std::printf("ready\n");
  std::fflush(stdout);
  int sig = 0;
  sigwait(&stop, &sig);
  return 0;
}
