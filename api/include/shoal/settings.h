// shoal::Settings: every tunable of an engine, once, with its default, named after Delivery
// Optimization's (or BITS's) policy where one exists; and the loader that fills it from
// defaults < config file < SHOAL_* variables < command-line overrides, saying where each value
// came from. Settings is plain data (thread-compatible); the functions are thread-safe except
// that they read the environment (no setenv on another thread meanwhile).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "shoal/export.h"

namespace shoal {

// One settings pack for the facade, the engine, the CLI and the service alike: embedders set
// it in code (shoal::Options is the same struct), LoadSettings fills it from an operator's
// config. See docs/operations.md for the config keys and SHOAL_* variables of each field.
struct Settings {
  // --- Peers ---
  // "ip:port" for BitTorrent peers; port 0 picks a free one. An empty ip listens on 0.0.0.0.
  std::string listen_interface = "0.0.0.0:0";
  // Local IP for outgoing peer connections; empty = the listen IP when it is not 0.0.0.0.
  std::string outgoing_interface;
  // Peers to connect to for every torrent ("host:port").
  std::vector<std::string> peers;
  // LAN trackers announced for every torrent, beside the .torrent's own.
  std::vector<std::string> trackers;
  // Local Service Discovery (BEP 14) on the LAN: on by default where the download mode lets
  // BitTorrent reach peers (LAN, Group); never in HTTP only, Simple or Bypass, and libtorrent
  // never announces a private torrent. DHT, UPnP and NAT-PMP are never started.
  bool enable_lsd = true;
  // Content discovery by hash (decision 0016): a file with an expected SHA-256 and no
  // published metainfo is asked of the LAN (a multicast query), and the content this engine
  // verified against a SHA-256 is offered to the LAN's queries. LAN mode only (download_mode
  // 1), and not when the listen address is loopback only, as LSD.
  bool content_discovery = true;
  // DODownloadMode: which hosts BitTorrent may reach, trackers and peers alike, whatever a
  // metainfo file names. 1 LAN (the default): the local network (loopback, link-local and
  // the subnets of this host's interfaces), the configured peers and trackers, and the
  // origin's host. 2 Group: as LAN, and only members of the group (group_* below) exchange a
  // byte: every torrent is the group's SSL torrent, peers must present a certificate signed by
  // the group's CA. 0 HTTP only, 99 Simple, 100 Bypass: no BitTorrent traffic at all (no
  // tracker, no peer, no LSD). Other values are refused when the engine starts.
  std::uint32_t download_mode = 1;
  // DOGroupId and the group's credentials, all required in Group mode (download_mode 2) and
  // unused otherwise. The group is a certificate authority: `group_ca_cert` its certificate
  // (PEM, the same file on every member), `group_cert` and `group_key` this member's
  // certificate (signed by that CA; SAN or CN "*" or the content's name) and private key
  // (PEM, unencrypted). Relative paths are under data_dir when it is set.
  std::string group_id;
  std::string group_ca_cert;
  std::string group_cert;
  std::string group_key;

  // --- Sources: where HTTP (the CDN) may join a transfer. Seconds and KB/s as in DO. ---
  // DODelayForegroundDownloadFromHttp: seconds a FOREGROUND job waits for peers before HTTP
  // joins. DO leaves it unset (HTTP at once); shoal waits briefly so peers found on the LAN
  // get the first chance (decision 0002).
  std::uint32_t delay_foreground_download_from_http_s = 2;
  // DODelayBackgroundDownloadFromHttp: the same for every other priority.
  std::uint32_t delay_background_download_from_http_s = 5;
  // DOMinBackgroundQos in KB/s: after the delay, a background job whose peer download rate
  // stays below this pulls from HTTP as well. DO's default is 2500 KB/s.
  std::uint32_t min_background_qos_kbps = 2500;
  // Peers only: HTTP never joins (CDN bytes stay 0). No DO policy (DO's modes are the opposite:
  // HTTP only).
  bool no_http = false;

  // --- The site's cache node (docs/cache.md, "Clients") ---
  // DOCacheHost: cache nodes, "host[:port]" (port 3144 when absent), tried in order. With one
  // configured, a plain URL (no metainfo given) gets signed metainfo from the node, so LAN
  // peers trade its pieces, and the node serves pieces (Connected Cache URLs) before the CDN.
  // A node that cannot be reached is skipped for a while and the next one (or the CDN) used.
  std::vector<std::string> cache_host;
  // The node's Ed25519 public key (PEM file): its metainfo is used only when the signature
  // checks against it. Empty: the node's metainfo is never used (its pieces still are).
  std::string cache_public_key;
  // With no cache_host: find the site's nodes over DNS-SD (mDNS, `_shoal-cache._tcp`, through
  // the machine's avahi-daemon), as DO's newer clients do when DOCacheHost is unset. LAN mode
  // only, not on a loopback-only listen address (as LSD). With cache_public_key set, a node
  // announcing another key is ignored; without, a found node serves pieces only.
  bool cache_host_discovery = true;
  // DODelayCacheServerFallbackForeground: seconds a FOREGROUND job keeps retrying a failing
  // node before the CDN takes over (DO: unset, i.e. at once). Background: every other job.
  std::uint32_t delay_cache_server_fallback_foreground_s = 0;
  std::uint32_t delay_cache_server_fallback_background_s = 0;

  // --- Bandwidth: KB/s (1024 bytes/s), 0 = unlimited (DO's 0 means "dynamic"). ---
  // DOMaxForegroundDownloadBandwidth and DOMaxBackgroundDownloadBandwidth cap all FOREGROUND
  // jobs, and all other jobs, together (each class's limit is shared evenly by its active
  // jobs), over peers and HTTP alike. While a FOREGROUND job is active the others trickle.
  std::uint32_t max_foreground_download_kbps = 0;
  std::uint32_t max_background_download_kbps = 0;
  // DOMaxUploadBandwidth: caps uploads to peers, LAN peers included.
  std::uint32_t max_upload_kbps = 0;

  // --- Seeding and the cache of finished content ---
  // Keep serving content to peers after a job is Complete: for the engine's lifetime, and
  // with a data_dir across restarts within the two cache limits below.
  bool seed_after_complete = true;
  // DOMaxCacheAge: seconds finished content is served after it completed (DO: 3 days).
  std::uint32_t max_cache_age_s = 259200;
  // DOAbsoluteMaxCacheSize, in bytes (DO counts GB): the newest finished files that fit are
  // served, older ones are dropped from the cache (never deleted). 0 = no size limit.
  std::uint64_t absolute_max_cache_size_bytes = 0;
  // DOMaxCacheSize: without an absolute limit, finished content served may take this
  // percentage of the disk holding it (DO: 20). 0 = no limit.
  std::uint32_t max_cache_size_percent = 20;

  // --- Limits (BITS's defaults for non-admin callers) ---
  // BITS MaxJobsPerUser: live jobs; CreateJob beyond it gets BG_E_TOO_MANY_JOBS_PER_USER.
  std::uint32_t max_jobs = 300;
  // BITS MaxFilesPerJob: AddFile beyond it gets BG_E_TOO_MANY_FILES_IN_JOB.
  std::uint32_t max_files_per_job = 200;

  // --- HTTP ---
  // Extra CA bundle for HTTPS (metainfo and content), trusted beside the system store (empty =
  // the system store only).
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

  // --- Durability ---
  // Where jobs persist (jobs.db, a lock) so they outlive the process: see
  // docs/operations.md. Empty = not durable: jobs and their temp files end with the engine.
  // shoal::DefaultDataDir() gives the documented default, $XDG_STATE_HOME/shoal.
  std::string data_dir;
  // Seconds between saves of progress (state changes are saved at once).
  std::uint32_t persist_interval_s = 2;
  // BITS JobInactivityTimeout, with DO's 30 days: an unfinished job (any state but
  // TRANSFERRED) not modified for this long is cancelled and its temp files deleted. 0 = never.
  std::uint32_t job_inactivity_timeout_s = 30 * 86400;

  // --- The service (shoald) ---
  // Where shoald serves Prometheus metrics (GET /metrics): "ip:port", or a bare port for
  // 127.0.0.1. Empty = no metrics listener (the default).
  std::string metrics_listen;
  // The cache role (docs/cache.md): where shoald serves the LAN cache node's HTTP front,
  // "ip:port" or a bare port for 0.0.0.0 (the documented port is 3144). Empty = not a cache
  // node (the default). Its origin fetches use http_proxy and ca_file; its seeds max_upload_kbps.
  std::string cache_node_listen;
  // The node's store (content and index); empty = the service's cache dir + "/node".
  std::string cache_node_dir;
  // Eviction: above the high watermark, least recently used first down to the low one (0 = 3/4
  // of the high); entries stored longer ago than max_age leave too. 0 = no limit.
  std::uint64_t cache_node_high_watermark_bytes = 0;
  std::uint64_t cache_node_low_watermark_bytes = 0;
  std::uint32_t cache_node_max_age_s = 0;
  // Ed25519 private key (PEM, PKCS#8) signing the node's metainfo; empty = no metainfo.
  std::string cache_node_signing_key;
  // Hosts the node fetches from (HOST, *.DOMAIN, [IPv6], each with an optional :PORT); empty =
  // any host. The node's own local addresses only with cache_node_allow_local_origins.
  std::vector<std::string> cache_node_allow_origins;
  bool cache_node_allow_local_origins = false;
  // Ports CONNECT may reach.
  std::vector<std::string> cache_node_connect_ports = {"443"};
  // Seed everything in the node's store to LAN peers over BitTorrent, with the node's
  // deterministic metainfo (the signing key is not needed for it).
  bool cache_node_seed = true;
  // Announce the node over DNS-SD (`_shoal-cache._tcp`, its HTTP port and the fingerprint of
  // its signing key) through the machine's avahi-daemon, for clients with no cache_host.
  bool cache_node_publish = true;
};

// Where one setting's effective value came from.
struct SettingOrigin {
  enum class Layer { kDefault, kFile, kEnvironment, kCommandLine };
  Layer layer = Layer::kDefault;
  // "default", the config file's path, the variable's name (SHOAL_LISTEN) or the flag
  // (--listen).
  std::string where = "default";
};

// What LoadSettings read: the config file (empty: none) and every setting's origin by key.
struct SettingsProvenance {
  std::string config_file;
  std::map<std::string, SettingOrigin> origins;
};

// A value given on a command line: the setting's config key, its value as text in the
// syntax of the SHOAL_* variables (lists comma-separated, booleans 1/0/true/false/yes/no/on/
// off), and the flag as the user typed it, named in errors and in the origin.
struct SettingOverride {
  std::string key;
  std::string value;
  std::string flag;
};

// What LoadSettings reads, lowest layer first (the Settings passed in are the defaults).
struct SettingsSources {
  // The config file: this path when not empty; else $SHOAL_CONFIG when it is set ("" = no
  // file); else the first of `default_files` that exists. A named file must exist.
  std::string config_file;
  bool read_config_file = true;            // false: no file at all
  std::vector<std::string> default_files;  // empty: DefaultConfigFiles()
  bool read_environment = true;            // the SHOAL_* variable of each setting
  std::vector<SettingOverride> overrides;  // applied in order, last wins
};

// The config files looked for when none is named, in order (the first that exists is read,
// alone): $XDG_CONFIG_HOME/shoal/config.json (else ~/.config/shoal/config.json), then
// /etc/shoal/shoal.json.
SHOAL_API std::vector<std::string> DefaultConfigFiles();

struct SettingsError {
  enum class Kind {
    kNone,
    kNotFound,   // a named config file does not exist or cannot be read
    kMalformed,  // the file is not a JSON object
    kInvalid,    // an unknown key, a wrong type, an out-of-range or unparsable value
  };
  Kind kind = Kind::kNone;
  std::string message;  // names the key and its source (file path, variable, flag)
};

// Fills `settings` from `sources` on top of the values it holds on entry (the "default"
// layer). Strict: any bad input fails, naming the key and where it was given; on failure
// `settings` and `provenance` are untouched. `provenance` and `error` may be null.
SHOAL_API bool LoadSettings(const SettingsSources& sources, Settings* settings,
                            SettingsProvenance* provenance, SettingsError* error);

// One row per setting, in a stable order, for printing (`shoal config`) and docs.
struct SettingDescription {
  std::string key;            // the config file's key (snake_case)
  std::string env;            // its SHOAL_* variable
  std::string policy;         // the DO/BITS policy it follows, "" if none
  std::string type;           // "string", "bool", "uint32", "uint64" or "list"
  std::string doc;            // one line: meaning and unit
  std::string default_value;  // JSON text
  std::string value;          // JSON text: the value in `settings`
  SettingOrigin origin;       // from `provenance`; "default" without one
};
SHOAL_API std::vector<SettingDescription> DescribeSettings(
    const Settings& settings = Settings(), const SettingsProvenance* provenance = nullptr);

}  // namespace shoal
