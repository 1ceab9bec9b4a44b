#include "tools/shoal/sim_scenario.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <bit>
#include <cmath>
#include <fstream>
#include <set>

namespace shoal::cli {
namespace {

constexpr double kMiB = 1024.0 * 1024.0;

}  // namespace

std::optional<Scenario> LoadScenario(const std::string& path, std::string* error) {
  std::ifstream in(path);
  if (!in) {
    *error = "cannot read scenario '" + path + "'";
    return std::nullopt;
  }
  const nlohmann::json j = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) {
    *error = path + ": not a JSON object";
    return std::nullopt;
  }
  static const std::set<std::string> kKnown = {
      "name", "peers", "file_mib", "wan_mib_s", "piece_kib", "stagger_s", "churn", "seeder",
      "tracker", "http_delay_s", "no_http", "background", "timeout_s", "baselines", "comment", "cdn_outages",
      "corrupt_peer", "cdn_per_connection_mib_s", "cdn_latency_ms", "peer_down_mib_s",
      "peer_up_mib_s"};
  for (const auto& [key, value] : j.items()) {
    if (!kKnown.contains(key)) {
      *error = path + ": unknown key '" + key + "'";
      return std::nullopt;
    }
  }
  Scenario s;
  try {
    s.name = j.value("name", std::string("unnamed"));
    s.peers = j.value("peers", s.peers);
    s.file_bytes = static_cast<std::uint64_t>(j.value("file_mib", 128.0) * kMiB);
    s.wan_bytes_per_s = static_cast<std::uint64_t>(j.value("wan_mib_s", 16.0) * kMiB);
    s.piece_kib = j.value("piece_kib", 0);
    s.cdn_per_connection_bytes_per_s =
        static_cast<std::uint64_t>(j.value("cdn_per_connection_mib_s", 0.0) * kMiB);
    s.cdn_latency_ms = j.value("cdn_latency_ms", 0u);
    s.peer_down_bytes_per_s = static_cast<std::uint64_t>(j.value("peer_down_mib_s", 0.0) * kMiB);
    s.peer_up_bytes_per_s = static_cast<std::uint64_t>(j.value("peer_up_mib_s", 0.0) * kMiB);
    s.stagger_s = j.value("stagger_s", 0.0);
    s.seeder = j.value("seeder", false);
    s.corrupt_peer = j.value("corrupt_peer", false);
    s.tracker = j.value("tracker", true);
    s.http_delay_s = j.value("http_delay_s", -1);
    s.no_http = j.value("no_http", false);
    s.background = j.value("background", false);
    s.timeout_s = j.value("timeout_s", s.timeout_s);
    if (j.contains("baselines")) s.baselines = j.at("baselines").get<std::vector<std::string>>();
    for (const auto& o : j.value("cdn_outages", nlohmann::json::array())) {
      s.cdn_outages.push_back({o.at("at_s").get<double>(), o.at("for_s").get<double>()});
    }
    for (const auto& c : j.value("churn", nlohmann::json::array())) {
      // "peer": an index, or "seeder" for the pre-seeded peer.
      const auto& who = c.at("peer");
      const int peer = who.is_string() && who.get<std::string>() == "seeder"
                           ? ChurnEvent::kSeeder
                           : who.get<int>();
      s.churn.push_back({peer, c.at("at_s").get<double>()});
    }
  } catch (const nlohmann::json::exception& e) {
    *error = path + ": " + e.what();
    return std::nullopt;
  }
  if (s.peers < 1 || s.peers > 200) {
    *error = path + ": peers must be 1..200 (each gets its own 127.0.0.x)";
  } else if (s.file_bytes == 0 || s.wan_bytes_per_s == 0) {
    *error = path + ": file_mib and wan_mib_s must be positive";
  } else if (s.stagger_s < 0 || s.timeout_s <= 0) {
    *error = path + ": stagger_s must be >= 0 and timeout_s > 0";
  } else {
    for (const auto& c : s.churn) {
      const bool seeder_ok = c.peer == ChurnEvent::kSeeder && s.seeder;
      if ((!seeder_ok && (c.peer < 0 || c.peer >= s.peers)) || c.at_s < 0) {
        *error = path + ": churn peer must be 0.." + std::to_string(s.peers - 1) +
                 " or \"seeder\" (with a seeder), at_s >= 0";
        return std::nullopt;
      }
    }
    for (const auto& o : s.cdn_outages) {
      if (o.at_s < 0 || o.for_s <= 0) {
        *error = path + ": cdn_outages want at_s >= 0 and for_s > 0";
        return std::nullopt;
      }
    }
    for (const auto& b : s.baselines) {
      if (b != "curl" && b != "aria2c") {
        *error = path + ": unknown baseline '" + b + "' (curl, aria2c)";
        return std::nullopt;
      }
    }
    return s;
  }
  return std::nullopt;
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
  const double d = static_cast<double>(s.peer_down_bytes_per_s);
  const double u = static_cast<double>(s.peer_up_bytes_per_s);
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
