// PeerSource: the seam through which the engine learns of LAN peers beyond what the swarm finds
// by itself (the configured list, trackers and LSD inside the session). Discovery of the LAN
// side (peers/: DNS-SD, content discovery by hash) implements it; the engine asks every source
// for endpoints when a job file joins the swarm and at each reconnect round (5 s), and the swarm
// dials them within the download mode's IP filter. Implementations must be thread-safe (the
// engine thread calls Peers(); a source may learn peers on threads of its own) and cheap to ask.
#pragma once

#include <string>
#include <vector>

namespace shoal::engine {

class PeerSource {
 public:
  virtual ~PeerSource() = default;
  // Numeric "ip:port" / "[v6]:port" endpoints worth dialling for the engine's torrents now.
  virtual std::vector<std::string> Peers() = 0;
};

}  // namespace shoal::engine
