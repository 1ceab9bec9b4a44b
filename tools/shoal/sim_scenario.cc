#include "tools/shoal/sim_scenario.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <stdexcept>

namespace shoal::cli {
namespace {

constexpr double kMiB = 1024.0 * 1024.0;
constexpr double kMaxMib = 1 << 20;  // 1 TiB, or 1 TiB/s: far above any real site
constexpr double kMaxSeconds = 1e6;  // ~11.6 days
using Json = nlohmann::json;

// Each reader leaves *out alone when `key` is absent, and fails (the key and its range in the
// message) for a value of the wrong type or out of range, so nothing out of range is ever
// converted to an integer (undefined behaviour for a float).
bool ReadInt(const Json& j, const char* key, std::int64_t min, std::int64_t max, int* out,
             std::string* error) {
  const auto it = j.find(key);
  if (it == j.end()) return true;
  std::int64_t v = min - 1;
  if (it->is_number_unsigned()) {
    if (it->get<std::uint64_t>() <= static_cast<std::uint64_t>(max)) v = it->get<std::int64_t>();
  } else if (it->is_number_integer()) {
    v = it->get<std::int64_t>();
  }
  if (v < min || v > max) {
    *error = std::string(key) + " must be an integer in " + std::to_string(min) + ".." +
             std::to_string(max);
    return false;
  }
  *out = static_cast<int>(v);
  return true;
}

// A number in [min, max] (or (min, max] when `min_exclusive`).
bool ReadDouble(const Json& j, const char* key, double min, bool min_exclusive, double max,
                double* out, std::string* error) {
  const auto it = j.find(key);
  if (it == j.end()) return true;
  const double v = it->is_number() ? it->get<double>() : std::nan("");
  if (!(std::isfinite(v) && (min_exclusive ? v > min : v >= min) && v <= max)) {
    char range[64];
    std::snprintf(range, sizeof range, "%s%g, %g]", min_exclusive ? "(" : "[", min, max);
    *error = std::string(key) + " must be a number in " + range;
    return false;
  }
  *out = v;
  return true;
}

// MiB (or MiB/s) to whole bytes; `positive`: the result must be at least one byte.
bool ReadMib(const Json& j, const char* key, bool positive, std::uint64_t* bytes,
             std::string* error) {
  double mib = static_cast<double>(*bytes) / kMiB;
  if (!ReadDouble(j, key, 0, positive, kMaxMib, &mib, error)) return false;
  *bytes = static_cast<std::uint64_t>(mib * kMiB);  // in range: at most 2^40
  if (positive && *bytes == 0) {
    *error = std::string(key) + " must be at least one byte";
    return false;
  }
  return true;
}

bool ReadNumbers(const Json& j, Scenario* s, std::string* error) {
  int latency_ms = static_cast<int>(s->cdn_latency_ms);
  int wan_latency_ms = 0;
  double lan_mbit = static_cast<double>(s->lan_bits_per_s) / 1e6;
  const bool ok =
      ReadInt(j, "peers", 1, 200, &s->peers, error) &&
      ReadMib(j, "file_mib", true, &s->file_bytes, error) &&
      ReadMib(j, "wan_mib_s", true, &s->wan_bytes_per_s, error) &&
      ReadMib(j, "cdn_per_connection_mib_s", false, &s->cdn_per_connection_bytes_per_s, error) &&
      ReadMib(j, "peer_down_mib_s", false, &s->peer_down_bytes_per_s, error) &&
      ReadMib(j, "peer_up_mib_s", false, &s->peer_up_bytes_per_s, error) &&
      ReadInt(j, "piece_kib", 0, 1 << 16, &s->piece_kib, error) &&
      ReadInt(j, "cdn_latency_ms", 0, 60'000, &latency_ms, error) &&
      ReadInt(j, "wan_latency_ms", 0, 60'000, &wan_latency_ms, error) &&
      ReadDouble(j, "lan_mbit_s", 0, false, 1e6, &lan_mbit, error) &&
      ReadInt(j, "http_delay_s", -1, 86'400, &s->http_delay_s, error) &&
      ReadDouble(j, "stagger_s", 0, false, kMaxSeconds, &s->stagger_s, error) &&
      ReadDouble(j, "timeout_s", 0, true, kMaxSeconds, &s->timeout_s, error) &&
      ReadDouble(j, "node_down_at_s", 0, false, kMaxSeconds, &s->node_down_at_s, error);
  s->cdn_latency_ms = static_cast<std::uint32_t>(latency_ms);
  s->wan_latency_ms = static_cast<std::uint32_t>(wan_latency_ms);
  s->lan_bits_per_s = static_cast<std::uint64_t>(lan_mbit * 1e6);
  if (!ok) return false;
  for (const char* list : {"cdn_outages", "churn"}) {
    if (j.contains(list) && !j.at(list).is_array()) {
      *error = std::string(list) + " must be a list";
      return false;
    }
  }
  for (const Json& o : j.value("cdn_outages", Json::array())) {
    Outage outage{-1, -1};
    if (!o.is_object() || !o.contains("at_s") || !o.contains("for_s")) {
      *error = "each of cdn_outages needs at_s and for_s";
      return false;
    }
    if (!ReadDouble(o, "at_s", 0, false, kMaxSeconds, &outage.at_s, error) ||
        !ReadDouble(o, "for_s", 0, true, kMaxSeconds, &outage.for_s, error)) {
      *error = "cdn_outages: " + *error;
      return false;
    }
    s->cdn_outages.push_back(outage);
  }
  for (const Json& c : j.value("churn", Json::array())) {
    if (!c.is_object() || !c.contains("peer") || !c.contains("at_s")) {
      *error = "each churn event needs peer and at_s";
      return false;
    }
    // "peer": an index, or "seeder" for the pre-seeded peer.
    ChurnEvent event;
    const Json& who = c.at("peer");
    if (who.is_string() && who.get<std::string>() == "seeder") {
      event.peer = ChurnEvent::kSeeder;
    } else if (!ReadInt(c, "peer", 0, s->peers - 1, &event.peer, error)) {
      *error = "churn: " + *error + " or \"seeder\" (with a seeder)";
      return false;
    }
    if (!ReadDouble(c, "at_s", 0, false, kMaxSeconds, &event.at_s, error)) {
      *error = "churn: " + *error;
      return false;
    }
    if (event.peer == ChurnEvent::kSeeder && !s->seeder) {
      *error = "churn: peer \"seeder\" needs \"seeder\": true";
      return false;
    }
    s->churn.push_back(event);
  }
  if (j.contains("waves") && !j.at("waves").is_array()) {
    *error = "waves must be a list";
    return false;
  }
  int arrivals = 0;
  for (const Json& w : j.value("waves", Json::array())) {
    Wave wave;
    if (!w.is_object() || !w.contains("at_s") || !w.contains("peers")) {
      *error = "each wave needs at_s and peers";
      return false;
    }
    if (!ReadDouble(w, "at_s", 0, false, kMaxSeconds, &wave.at_s, error) ||
        !ReadInt(w, "peers", 1, s->peers - arrivals, &wave.peers, error)) {
      *error = "waves: " + *error + " (the waves' peers sum to peers)";
      return false;
    }
    arrivals += wave.peers;
    s->waves.push_back(wave);
  }
  if (!s->waves.empty() && (arrivals != s->peers || s->stagger_s > 0)) {
    *error = arrivals != s->peers
                 ? "waves: their peers must sum to peers (" + std::to_string(s->peers) + ")"
                 : "waves and stagger_s exclude each other";
    return false;
  }
  return true;
}

// The cache-node keys' rules: nullptr when they hold, else the message.
const char* CacheNodeConflict(const Scenario& s, bool node_down_given) {
  if (node_down_given && !s.cache_node) return "node_down_at_s needs \"cache_node\": true";
  if (!s.cache_node) return nullptr;
  // The node hands out metainfo of its own (v2, its piece size): a group torrent, a seeder
  // or a corrupt peer of the sim's v1 torrent would be in another swarm.
  if (s.group || s.seeder || s.corrupt_peer || !s.outsider.empty() || s.far_peer) {
    return "cache_node excludes group, seeder, corrupt_peer, outsider and far_peer";
  }
  if (s.no_http) return "cache_node excludes no_http (the node's HTTP front is the fallback)";
  if (s.netns) return "cache_node runs on loopback only (not with \"netns\": true)";
  if (s.lsd || !s.peer_list) {
    return "cache_node needs peer_list (the node's metainfo names no tracker) and no lsd";
  }
  return nullptr;
}

}  // namespace

std::optional<Scenario> LoadScenario(const std::string& path, std::string* error) {
  std::ifstream in(path);
  std::stringstream text;
  if (!in || !(text << in.rdbuf())) {
    *error = "cannot read scenario '" + path + "'";
    return std::nullopt;
  }
  return ParseScenario(text.str(), path, error);
}

std::optional<Scenario> ParseScenario(const std::string& text, const std::string& origin,
                                      std::string* error) {
  const Json j = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) {
    *error = origin + ": not a JSON object";
    return std::nullopt;
  }
  static const std::set<std::string> kKnown = {"name",           "peers",
                                               "file_mib",       "wan_mib_s",
                                               "piece_kib",      "stagger_s",
                                               "churn",          "seeder",
                                               "tracker",        "http_delay_s",
                                               "no_http",        "background",
                                               "timeout_s",      "baselines",
                                               "comment",        "cdn_outages",
                                               "corrupt_peer",   "cdn_per_connection_mib_s",
                                               "cdn_latency_ms", "peer_down_mib_s",
                                               "peer_up_mib_s",  "peer_list",
                                               "netns",          "lan_mbit_s",
                                               "wan_latency_ms", "lsd",
                                               "far_peer",       "waves",
                                               "group",          "outsider",
                                               "outsider_seeds", "cache_node",
                                               "node_down_at_s"};
  for (const auto& [key, value] : j.items()) {
    if (!kKnown.contains(key)) {
      *error = origin + ": unknown key '" + key + "'";
      return std::nullopt;
    }
  }
  Scenario s;
  try {
    s.name = j.value("name", std::string("unnamed"));
    // A flag of the wrong type names its key (nlohmann's own message does not).
    auto flag = [&j](const char* key, bool otherwise) {
      const auto it = j.find(key);
      if (it == j.end()) return otherwise;
      if (!it->is_boolean()) throw std::invalid_argument(std::string(key) + " must be true or false");
      return it->get<bool>();
    };
    s.seeder = flag("seeder", false);
    s.corrupt_peer = flag("corrupt_peer", false);
    s.tracker = flag("tracker", true);
    s.peer_list = flag("peer_list", true);
    s.no_http = flag("no_http", false);
    s.background = flag("background", false);
    s.netns = flag("netns", false);
    s.lsd = flag("lsd", s.netns);
    s.far_peer = flag("far_peer", false);
    s.group = flag("group", false);
    s.outsider = j.value("outsider", std::string());
    s.outsider_seeds = flag("outsider_seeds", false);
    s.cache_node = flag("cache_node", false);
    if (!s.peer_list && !s.tracker && !s.lsd) {
      *error =
          origin + ": peer_list false needs the tracker (or lsd), or shoal's peers find no one";
      return std::nullopt;
    }
    if (j.contains("baselines")) s.baselines = j.at("baselines").get<std::vector<std::string>>();
    if (!ReadNumbers(j, &s, error)) {
      *error = origin + ": " + *error;
      return std::nullopt;
    }
  } catch (const nlohmann::json::exception& e) {
    *error = origin + ": " + e.what();
    return std::nullopt;
  } catch (const std::invalid_argument& e) {
    *error = origin + ": " + e.what();
    return std::nullopt;
  }
  if (!s.netns && (s.lsd || s.far_peer || s.wan_latency_ms > 0 || j.contains("lan_mbit_s"))) {
    *error = origin + ": lsd, far_peer, wan_latency_ms and lan_mbit_s need \"netns\": true";
    return std::nullopt;
  }
  if (!s.outsider.empty() && s.outsider != "foreign-ca" && s.outsider != "no-cert") {
    *error = origin + ": outsider must be \"foreign-ca\" or \"no-cert\"";
    return std::nullopt;
  }
  if ((!s.outsider.empty() || s.outsider_seeds) && !(s.group && s.netns)) {
    *error = origin + ": outsider needs \"group\": true and \"netns\": true";
    return std::nullopt;
  }
  if (s.outsider_seeds && s.outsider.empty()) {
    *error = origin + ": outsider_seeds needs an outsider";
    return std::nullopt;
  }
  for (const auto& b : s.baselines) {
    if (b != "curl" && b != "aria2c" && b != "apt-cacher-ng") {
      *error = origin + ": unknown baseline '" + b + "' (curl, aria2c, apt-cacher-ng)";
      return std::nullopt;
    }
    if (b == "apt-cacher-ng" && s.netns) {
      *error = origin + ": the apt-cacher-ng baseline runs on loopback only";
      return std::nullopt;
    }
  }
  if (const char* why = CacheNodeConflict(s, j.contains("node_down_at_s")); why != nullptr) {
    *error = origin + ": " + why;
    return std::nullopt;
  }
  return s;
}

double ArrivalS(const Scenario& s, int peer) {
  int first = 0;
  for (const Wave& w : s.waves) {
    if (peer < first + w.peers) return w.at_s;
    first += w.peers;
  }
  return peer * s.stagger_s;
}

Bound ComputeBound(const Scenario& s, std::uint64_t piece_bytes) {
  Bound b;
  const double f = static_cast<double>(s.file_bytes);
  b.pieces = piece_bytes > 0 ? (s.file_bytes + piece_bytes - 1) / piece_bytes : 1;
  const unsigned n = static_cast<unsigned>(s.peers);
  b.piece_overhead = static_cast<double>(std::bit_width(n) - 1) / static_cast<double>(b.pieces);
  b.origin_term_s = f / static_cast<double>(s.wan_bytes_per_s);
  if (s.seeder) {
    b.assumption =
        "a pre-seeded peer on an uncapped LAN: every term of T_min is ~0, so no bound and no eta";
    return b;
  }
  b.defined = true;
  // An uncapped peer link (0) makes its term vanish.
  // On the emulated site each peer's link is shaped too: it caps both ways.
  const double lan = s.netns ? static_cast<double>(s.lan_bits_per_s) / 8 : 0;
  auto cap = [lan](std::uint64_t c) {
    const double v = static_cast<double>(c);
    return (v > 0 && lan > 0) ? std::min(v, lan) : std::max(v, lan);
  };
  const double d = cap(s.peer_down_bytes_per_s);
  const double u = cap(s.peer_up_bytes_per_s);
  const double u_s = static_cast<double>(s.wan_bytes_per_s);
  const double download_term = d > 0 ? f / d : 0;
  const double aggregate_term = u > 0 ? n * f / (u_s + n * u) : 0;
  b.t_min_s = std::max({b.origin_term_s, download_term, aggregate_term});
  b.t_lb_s = b.t_min_s * (1 + b.piece_overhead);
  b.assumption =
      (d > 0 || u > 0)
          ? "T_min = max(F/u_s, F/d_min, N*F/(u_s + N*u)) with the scenario's per-peer caps "
            "(an uncapped link's term vanishes); x (1 + floor(log2 N)/M) for M pieces"
          : "LAN and peer links uncapped (u_i, d_i -> infinity), so T_min = F/u_s with u_s = the "
            "WAN cap; x (1 + floor(log2 N)/M) for M pieces";
  return b;
}

}  // namespace shoal::cli
