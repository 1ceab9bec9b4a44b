// The settings registry (one entry per field of shoal::Settings) and its typed parsers. The
// defaults live in the struct alone: the table reads them from a default-constructed Settings.
#include "api/src/settings_table.h"

#include <charconv>
#include <nlohmann/json.hpp>
#include <sstream>

#include "api/src/core.h"

namespace shoal::api {
namespace {

using nlohmann::json;
using S = Settings;

// libtorrent takes rates as int bytes/s: a cap above this (in KB/s) would overflow it.
constexpr std::uint64_t kMaxRateKbps = std::numeric_limits<int>::max() / 1024;

bool IsEndpoint(const std::string& text) { return ValidEndpoint(text); }
// "host", "host:port", "[v6]" or "[v6]:port"; a port is 1 to 65535.
bool IsHostPort(const std::string& text) {
  std::string host = text, port;
  if (!text.empty() && text[0] == '[') {
    const auto close = text.find(']');
    if (close == std::string::npos || close == 1) return false;
    host = text.substr(1, close - 1);
    if (close + 1 < text.size()) {
      if (text[close + 1] != ':') return false;
      port = text.substr(close + 2);
      if (port.empty()) return false;
    }
    if (host.find_first_not_of("0123456789abcdefABCDEF:.") != std::string::npos) return false;
  } else {
    const auto colon = text.find(':');
    if (colon != std::string::npos) {
      host = text.substr(0, colon);
      port = text.substr(colon + 1);
      if (port.empty()) return false;
    }
    if (host.empty() ||
        host.find_first_not_of("abcdefghijklmnopqrstuvwxyz"
                               "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-") != std::string::npos) {
      return false;
    }
  }
  if (port.empty()) return true;
  if (port.size() > 5 || port.find_first_not_of("0123456789") != std::string::npos) return false;
  const int n = std::stoi(port);
  return n >= 1 && n <= 65535;
}
bool IsMetricsEndpoint(const std::string& text) {
  return text.empty() || ValidEndpoint(text) || ValidEndpoint("127.0.0.1:" + text);
}

bool IsCacheNodeEndpoint(const std::string& text) {
  return text.empty() || ValidEndpoint(text) || ValidEndpoint("0.0.0.0:" + text);
}

std::vector<SettingEntry> MakeTable() {
  std::vector<SettingEntry> t = {
      {"listen_interface", "SHOAL_LISTEN", "", &S::listen_interface,
       "BitTorrent listen address ip:port; port 0 picks a free one"},
      {"outgoing_interface", "SHOAL_OUTGOING_INTERFACE", "", &S::outgoing_interface,
       "local IP for outgoing peer connections; empty: the listen IP"},
      {"peers", "SHOAL_PEERS", "", &S::peers, "peers (host:port) to connect to for every torrent"},
      {"trackers", "SHOAL_TRACKERS", "", &S::trackers, "LAN trackers for every torrent"},
      {"enable_lsd", "SHOAL_LSD", "", &S::enable_lsd, "Local Service Discovery (BEP 14)"},
      {"content_discovery", "SHOAL_CONTENT_DISCOVERY", "", &S::content_discovery,
       "ask the LAN for content by SHA-256, and answer for verified content"},
      {"download_mode", "SHOAL_DOWNLOAD_MODE", "DODownloadMode", &S::download_mode,
       "0 HTTP only, 1 LAN, 2 Group, 99 Simple, 100 Bypass: hosts BitTorrent may reach", 0, 100},
      {"group_id", "SHOAL_GROUP_ID", "DOGroupId", &S::group_id,
       "Group mode: the group's name (DO: a GUID); every member must use the same"},
      {"group_ca_cert", "SHOAL_GROUP_CA_CERT", "", &S::group_ca_cert,
       "Group mode: the group CA's certificate (PEM path; relative: under data_dir)"},
      {"group_cert", "SHOAL_GROUP_CERT", "", &S::group_cert,
       "Group mode: this member's certificate, signed by the group CA (PEM path)"},
      {"group_key", "SHOAL_GROUP_KEY", "", &S::group_key,
       "Group mode: this member's private key (PEM path, unencrypted)"},
      {"delay_foreground_download_from_http_s", "SHOAL_DELAY_FOREGROUND_HTTP",
       "DODelayForegroundDownloadFromHttp", &S::delay_foreground_download_from_http_s,
       "seconds a FOREGROUND job waits for peers before the CDN joins"},
      {"delay_background_download_from_http_s", "SHOAL_DELAY_BACKGROUND_HTTP",
       "DODelayBackgroundDownloadFromHttp", &S::delay_background_download_from_http_s,
       "seconds any other job waits for peers before the CDN joins"},
      {"min_background_qos_kbps", "SHOAL_MIN_BACKGROUND_QOS", "DOMinBackgroundQos",
       &S::min_background_qos_kbps,
       "KB/s: a background job whose peers are slower pulls from the CDN too"},
      {"no_http", "SHOAL_NO_HTTP", "", &S::no_http, "peers only: the CDN is never used"},
      {"cache_host", "SHOAL_CACHE_HOST", "DOCacheHost", &S::cache_host,
       "cache nodes host[:port] (port 3144 when absent), tried in order; empty: none"},
      {"cache_public_key", "SHOAL_CACHE_PUBLIC_KEY", "", &S::cache_public_key,
       "the cache node's Ed25519 public key (PEM file) its metainfo is checked against"},
      {"cache_host_discovery", "SHOAL_CACHE_HOST_DISCOVERY", "", &S::cache_host_discovery,
       "with no cache_host: find cache nodes over DNS-SD (mDNS, through avahi-daemon)"},
      {"delay_cache_server_fallback_foreground_s", "SHOAL_DELAY_CACHE_SERVER_FALLBACK_FOREGROUND_S",
       "DODelayCacheServerFallbackForeground", &S::delay_cache_server_fallback_foreground_s,
       "seconds a FOREGROUND job retries a failing cache node before the CDN takes over"},
      {"delay_cache_server_fallback_background_s", "SHOAL_DELAY_CACHE_SERVER_FALLBACK_BACKGROUND_S",
       "DODelayCacheServerFallbackBackground", &S::delay_cache_server_fallback_background_s,
       "seconds any other job retries a failing cache node before the CDN takes over"},
      {"max_foreground_download_kbps", "SHOAL_MAX_FOREGROUND_DOWNLOAD",
       "DOMaxForegroundDownloadBandwidth", &S::max_foreground_download_kbps,
       "KB/s for all FOREGROUND jobs together, peers and CDN; 0 = unlimited", 0, kMaxRateKbps},
      {"max_background_download_kbps", "SHOAL_MAX_BACKGROUND_DOWNLOAD",
       "DOMaxBackgroundDownloadBandwidth", &S::max_background_download_kbps,
       "KB/s for all other jobs together, peers and CDN; 0 = unlimited", 0, kMaxRateKbps},
      {"max_upload_kbps", "SHOAL_MAX_UPLOAD", "DOMaxUploadBandwidth", &S::max_upload_kbps,
       "KB/s uploaded to peers, LAN peers included; 0 = unlimited", 0, kMaxRateKbps},
      {"seed_after_complete", "SHOAL_SEED_AFTER_COMPLETE", "", &S::seed_after_complete,
       "keep serving finished content to peers"},
      {"max_cache_age_s", "SHOAL_MAX_CACHE_AGE_S", "DOMaxCacheAge", &S::max_cache_age_s,
       "seconds finished content is served after its Complete"},
      {"absolute_max_cache_size_bytes", "SHOAL_ABSOLUTE_MAX_CACHE_SIZE_BYTES",
       "DOAbsoluteMaxCacheSize", &S::absolute_max_cache_size_bytes,
       "bytes of finished content served, newest first; 0 = no limit (DO counts GB)"},
      {"max_cache_size_percent", "SHOAL_MAX_CACHE_SIZE_PERCENT", "DOMaxCacheSize",
       &S::max_cache_size_percent,
       "percent of the disk holding finished content it may take while "
       "absolute_max_cache_size_bytes is 0; 0 = no limit",
       0, 100},
      {"max_jobs", "SHOAL_MAX_JOBS", "MaxJobsPerUser (BITS)", &S::max_jobs,
       "live jobs; CreateJob beyond it fails", 1},
      {"max_files_per_job", "SHOAL_MAX_FILES_PER_JOB", "MaxFilesPerJob (BITS)",
       &S::max_files_per_job, "files in one job; AddFile beyond it fails", 1},
      {"ca_file", "SHOAL_CA_FILE", "", &S::ca_file,
       "extra CA bundle for HTTPS, trusted beside the system store"},
      {"http_timeout_s", "SHOAL_HTTP_TIMEOUT_S", "", &S::http_timeout_s,
       "seconds allowed for a metainfo sidecar fetch", 1},
      {"http_connect_timeout_s", "SHOAL_HTTP_CONNECT_TIMEOUT_S", "", &S::http_connect_timeout_s,
       "seconds to connect for plain-HTTP content", 1},
      {"http_stall_timeout_s", "SHOAL_HTTP_STALL_TIMEOUT_S", "", &S::http_stall_timeout_s,
       "seconds without a body byte before a plain-HTTP transfer times out (transient)", 1},
      {"http_max_redirects", "SHOAL_HTTP_MAX_REDIRECTS", "", &S::http_max_redirects,
       "redirects followed per request (never https to http)"},
      {"http_proxy", "SHOAL_HTTP_PROXY", "", &S::http_proxy,
       "proxy for every HTTP request (libcurl form); empty: the standard proxy environment"},
      {"http_no_proxy", "SHOAL_HTTP_NO_PROXY", "", &S::http_no_proxy,
       "hosts that bypass http_proxy (host,.domain,10.0.0.0/8)"},
      {"data_dir", "SHOAL_DATA_DIR", "", &S::data_dir,
       "where jobs persist across restarts; empty: jobs end with the engine"},
      {"persist_interval_s", "SHOAL_PERSIST_INTERVAL_S", "", &S::persist_interval_s,
       "seconds between saves of progress (state changes are saved at once)", 1},
      {"job_inactivity_timeout_s", "SHOAL_JOB_INACTIVITY_TIMEOUT_S",
       "JobInactivityTimeout (BITS; DO's 30 days)", &S::job_inactivity_timeout_s,
       "seconds an unmodified unfinished job lives before it is cancelled; 0 = never"},
      {"metrics_listen", "SHOAL_METRICS_LISTEN", "", &S::metrics_listen,
       "shoald's Prometheus metrics listener, ip:port or a port (127.0.0.1); empty: off"},
      {"cache_node_listen", "SHOAL_CACHE_NODE_LISTEN", "", &S::cache_node_listen,
       "the cache role: the node's HTTP front, ip:port or a port (0.0.0.0; 3144); empty: off"},
      {"cache_node_dir", "SHOAL_CACHE_NODE_DIR", "", &S::cache_node_dir,
       "the cache node's store; empty: the service's cache dir + /node"},
      {"cache_node_high_watermark_bytes", "SHOAL_CACHE_NODE_HIGH_WATERMARK", "",
       &S::cache_node_high_watermark_bytes,
       "the node evicts least recently used content above this many bytes; 0 = no limit"},
      {"cache_node_low_watermark_bytes", "SHOAL_CACHE_NODE_LOW_WATERMARK", "",
       &S::cache_node_low_watermark_bytes,
       "where the node's eviction stops; 0 = 3/4 of the high watermark"},
      {"cache_node_max_age_s", "SHOAL_CACHE_NODE_MAX_AGE_S", "", &S::cache_node_max_age_s,
       "seconds the node keeps an entry after storing it; 0 = no limit"},
      {"cache_node_signing_key", "SHOAL_CACHE_NODE_SIGNING_KEY", "", &S::cache_node_signing_key,
       "Ed25519 private key (PEM) signing the node's metainfo; empty: no metainfo"},
      {"cache_node_allow_origins", "SHOAL_CACHE_NODE_ALLOW_ORIGINS", "",
       &S::cache_node_allow_origins,
       "hosts the node fetches from (HOST, *.DOMAIN, [IPv6], optional :PORT); empty: any"},
      {"cache_node_allow_local_origins", "SHOAL_CACHE_NODE_ALLOW_LOCAL_ORIGINS", "",
       &S::cache_node_allow_local_origins,
       "the node may fetch from its own machine's loopback and link-local addresses"},
      {"cache_node_connect_ports", "SHOAL_CACHE_NODE_CONNECT_PORTS", "",
       &S::cache_node_connect_ports, "ports the node's CONNECT tunnels may reach"},
      {"cache_node_seed", "SHOAL_CACHE_NODE_SEED", "", &S::cache_node_seed,
       "seed the node's store to LAN peers over BitTorrent (max_upload_kbps caps it)"},
      {"cache_node_publish", "SHOAL_CACHE_NODE_PUBLISH", "", &S::cache_node_publish,
       "announce the node over DNS-SD (_shoal-cache._tcp, through avahi-daemon)"},
  };
  t[0].valid = IsEndpoint;
  t[0].expects = "ip:port";
  for (SettingEntry& e : t) {
    if (std::string_view(e.key) == "cache_host") {
      e.valid = IsHostPort;  // each item of the list
      e.expects = "host[:port] items";
    } else if (std::string_view(e.key) == "metrics_listen") {
      e.valid = IsMetricsEndpoint;
      e.expects = "ip:port, a port, or empty";
    } else if (std::string_view(e.key) == "cache_node_listen") {
      e.valid = IsCacheNodeEndpoint;
      e.expects = "ip:port, a port, or empty";
    }
  }
  return t;
}

bool ParseUnsigned(const std::string& text, std::uint64_t* out) {
  const char* end = text.data() + text.size();
  auto [p, ec] = std::from_chars(text.data(), end, *out);
  return !text.empty() && ec == std::errc() && p == end;
}

bool ParseBool(const std::string& text, bool* out) {
  for (const char* yes : {"1", "true", "yes", "on"}) {
    if (text == yes) return *out = true, true;
  }
  for (const char* no : {"0", "false", "no", "off"}) {
    if (text == no) return *out = false, true;
  }
  return false;
}

std::vector<std::string> SplitList(const std::string& text) {
  std::vector<std::string> out;
  std::stringstream in(text);
  std::string item;
  while (std::getline(in, item, ',')) {
    const auto b = item.find_first_not_of(" \t");
    if (b == std::string::npos) continue;
    const auto e = item.find_last_not_of(" \t");
    out.push_back(item.substr(b, e - b + 1));
  }
  return out;
}

// The number's range: the entry's, within its type's.
std::uint64_t MaxOf(const SettingEntry& e) {
  if (std::holds_alternative<std::uint32_t S::*>(e.field)) {
    return std::min<std::uint64_t>(e.max, std::numeric_limits<std::uint32_t>::max());
  }
  return e.max;
}

// Stores a checked value. False with `why`.
bool Store(const SettingEntry& e, Settings* s, std::uint64_t n, std::string* why) {
  if (n < e.min || n > MaxOf(e)) {
    *why = std::to_string(n) + " is out of range (" + std::to_string(e.min) + " to " +
           std::to_string(MaxOf(e)) + ")";
    return false;
  }
  if (auto* f = std::get_if<std::uint32_t S::*>(&e.field)) {
    s->** f = static_cast<std::uint32_t>(n);
  } else {
    s->*std::get<std::uint64_t S::*>(e.field) = n;
  }
  return true;
}

bool Store(const SettingEntry& e, Settings* s, const std::string& v, std::string* why) {
  if (e.valid != nullptr && !e.valid(v)) {
    *why = "\"" + v + "\": expected " + e.expects;
    return false;
  }
  s->*std::get<std::string S::*>(e.field) = v;
  return true;
}

// Sets the entry from a JSON value. False with `why`.
bool ParseSettingJson(const SettingEntry& e, const json& v, Settings* s, std::string* why) {
  switch (e.field.index()) {
    case 0:
      if (!v.is_string()) return *why = "expected a string", false;
      return Store(e, s, v.get<std::string>(), why);
    case 1:
      if (!v.is_boolean()) return *why = "expected true or false", false;
      s->*std::get<bool S::*>(e.field) = v.get<bool>();
      return true;
    case 2:
    case 3:
      if (!v.is_number_unsigned()) return *why = "expected a non-negative integer", false;
      return Store(e, s, v.get<std::uint64_t>(), why);
    default: {
      if (!v.is_array()) return *why = "expected a list of strings", false;
      std::vector<std::string> items;
      for (const json& item : v) {
        if (!item.is_string()) return *why = "expected a list of strings", false;
        items.push_back(item.get<std::string>());
        if (e.valid != nullptr && !e.valid(items.back())) {
          return *why = "\"" + items.back() + "\": expected " + e.expects, false;
        }
      }
      s->*std::get<std::vector<std::string> S::*>(e.field) = std::move(items);
      return true;
    }
  }
}

}  // namespace

const std::vector<SettingEntry>& SettingTable() {
  static const std::vector<SettingEntry> table = MakeTable();
  return table;
}

const SettingEntry* FindSetting(std::string_view key) {
  for (const SettingEntry& e : SettingTable()) {
    if (key == e.key) return &e;
  }
  return nullptr;
}

const char* TypeName(const SettingEntry& entry) {
  static constexpr const char* kNames[] = {"string", "bool", "uint32", "uint64", "list"};
  return kNames[entry.field.index()];
}

std::string ValueJson(const SettingEntry& entry, const Settings& s) {
  // Replaced, not thrown: a SHOAL_* variable may hold any bytes.
  return std::visit(
      [&](auto field) {
        return json(s.*field).dump(-1, ' ', false, json::error_handler_t::replace);
      },
      entry.field);
}

bool ParseSettingText(const SettingEntry& e, const std::string& text, Settings* s,
                      std::string* why) {
  switch (e.field.index()) {
    case 0:
      return Store(e, s, text, why);
    case 1:
      if (!ParseBool(text, &(s->*std::get<bool S::*>(e.field)))) {
        return *why = "\"" + text + "\": expected 1/0, true/false, yes/no or on/off", false;
      }
      return true;
    case 2:
    case 3: {
      std::uint64_t n = 0;
      if (!ParseUnsigned(text, &n)) {
        return *why = "\"" + text + "\": expected a non-negative integer", false;
      }
      return Store(e, s, n, why);
    }
    default: {
      std::vector<std::string> items = SplitList(text);
      for (const std::string& item : items) {
        if (e.valid != nullptr && !e.valid(item)) {
          return *why = "\"" + item + "\": expected " + e.expects, false;
        }
      }
      s->*std::get<std::vector<std::string> S::*>(e.field) = std::move(items);
      return true;
    }
  }
}

bool ApplyConfigText(std::string_view text, const std::string& path, Settings* s,
                     std::map<std::string, SettingOrigin>* origins, SettingsError* error) {
  json j;
  try {
    j = json::parse(text.begin(), text.end());
  } catch (const json::exception& e) {
    error->kind = SettingsError::Kind::kMalformed;
    error->message = path + ": " + e.what();
    return false;
  }
  if (!j.is_object()) {
    error->kind = SettingsError::Kind::kMalformed;
    error->message = path + ": the top level is not a JSON object";
    return false;
  }
  for (const auto& [key, value] : j.items()) {
    const SettingEntry* e = FindSetting(key);
    std::string why = "unknown setting";
    if (e == nullptr || !ParseSettingJson(*e, value, s, &why)) {
      error->kind = SettingsError::Kind::kInvalid;
      error->message = path + ": \"" + key + "\": " + why;
      return false;
    }
    (*origins)[key] = {SettingOrigin::Layer::kFile, path};
  }
  return true;
}

}  // namespace shoal::api
