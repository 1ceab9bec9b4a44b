// Every tunable of an engine, with its default, named after Delivery Optimization's policies
// where one exists. Plain data: thread-compatible.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace shoal::engine {

// Where HTTP (the CDN, as a BEP 19 web seed) may join a transfer. Seconds and KB/s as in DO.
struct SourcePolicy {
  // DODelayForegroundDownloadFromHttp: seconds a FOREGROUND job waits for peers before HTTP
  // joins. DO leaves it unset (HTTP at once); shoal waits briefly so peers found on the LAN
  // get the first chance (decision 0002).
  std::uint32_t delay_foreground_download_from_http_s = 2;
  // DODelayBackgroundDownloadFromHttp: the same for every other priority.
  std::uint32_t delay_background_download_from_http_s = 5;
  // DOMinBackgroundQos in KB/s: after the delay, a background job whose peer download rate
  // stays below this pulls from HTTP as well. DO's default is 2500 KB/s.
  std::uint32_t min_background_qos_kbps = 2500;
  // Peers only: HTTP never joins (CDN bytes stay 0).
  bool no_http = false;
};

struct EngineOptions {
  // "ip:port" for BitTorrent peers; port 0 picks a free one. An empty ip listens on 0.0.0.0.
  std::string listen_interface = "0.0.0.0:0";
  // Local IP for outgoing peer connections; empty = the listen IP when it is not 0.0.0.0.
  std::string outgoing_interface;
  // Peers to connect to for every torrent ("host:port").
  std::vector<std::string> peers;
  // LAN trackers announced for every torrent, beside the .torrent's own.
  std::vector<std::string> trackers;
  // Local Service Discovery (BEP 14) on the LAN. DHT, UPnP and NAT-PMP are never started.
  bool enable_lsd = false;
  // DODownloadMode (engine/download_mode.h): which hosts BitTorrent may reach, trackers and
  // peers alike, whatever a metainfo file names. 1 LAN (the default): the local network
  // (loopback, RFC 1918, link-local, IPv6 ULA and link-local), the configured peers and
  // trackers, and the origin's host. 2 Group: as LAN for now. 0 HTTP only, 99 Simple,
  // 100 Bypass: no BitTorrent traffic at all (no tracker, no peer, no LSD). Others: refused.
  std::uint32_t download_mode = 1;
  SourcePolicy policy;
  // Keep serving content to peers after a job is Complete: for the engine's lifetime, and
  // with a data_dir across restarts within the two cache limits below.
  bool seed_after_complete = true;
  // Rates in KB/s (1024 bytes/s), 0 = unlimited. DOMaxForegroundDownloadBandwidth and
  // DOMaxBackgroundDownloadBandwidth cap all FOREGROUND jobs, and all other jobs, together
  // (each class's limit is shared evenly by its active jobs), over peers and HTTP alike.
  // DOMaxUploadBandwidth caps uploads to peers, LAN peers included.
  std::uint32_t max_foreground_download_kbps = 0;
  std::uint32_t max_background_download_kbps = 0;
  std::uint32_t max_upload_kbps = 0;
  // DOMaxCacheAge: seconds finished content is served after it completed (DO: 3 days).
  std::uint32_t max_cache_age_s = 259200;
  // DOAbsoluteMaxCacheSize, in bytes: the newest finished files that fit are served after a
  // restart, older ones are dropped from the cache (never deleted). 0 = no size limit.
  std::uint64_t absolute_max_cache_size_bytes = 0;
  // Limits (BITS defaults for non-admin callers).
  std::uint32_t max_jobs = 300;
  std::uint32_t max_files_per_job = 200;
  // Extra CA bundle for HTTPS (metainfo and plain-HTTP content), trusted beside the system
  // store (empty = system store only).
  std::string ca_file;
  // Seconds allowed for a metainfo sidecar fetch.
  std::uint32_t http_timeout_s = 30;
  // Plain-HTTP content: seconds to connect, and seconds without a body byte before the
  // transfer counts as a (transient) timeout.
  std::uint32_t http_connect_timeout_s = 15;
  std::uint32_t http_stall_timeout_s = 60;
  // Redirects followed per request (more is ERROR_HTTP_REDIRECT_FAILED, as is a loop).
  std::uint32_t http_max_redirects = 10;
  // Proxy for every HTTP request (sidecars, CDN pieces, plain HTTP), as libcurl takes it
  // ("http://host:port", "socks5h://host:port"...); empty: the standard proxy environment.
  // `http_no_proxy` lists hosts that bypass it ("host,.domain,10.0.0.0/8").
  std::string http_proxy;
  std::string http_no_proxy;
  // Where jobs persist (jobs.db, a lock) so they outlive the process: see
  // docs/operations.md. Empty = not durable: jobs and their temp files end with the engine.
  // DefaultDataDir() (job_store.h) gives the documented default, $XDG_STATE_HOME/shoal.
  std::string data_dir;
  // Seconds between saves of progress (state changes are saved at once).
  std::uint32_t persist_interval_s = 2;
  // An unfinished job (any state but TRANSFERRED) not modified for this long is cancelled and
  // its temp files deleted, as DO does after 30 days (BITS's JobInactivityTimeout). 0 = never.
  std::uint32_t job_inactivity_timeout_s = 30 * 86400;
};

}  // namespace shoal::engine
