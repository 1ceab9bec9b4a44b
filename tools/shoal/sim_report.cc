#include "tools/shoal/sim_report.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <sstream>

namespace shoal::cli {
namespace {

constexpr double kMiB = 1024.0 * 1024.0;

// NaN (printed "-", written null) when the denominator is 0: no run, nothing sent.
double Ratio(double a, double b) { return b > 0 ? a / b : std::nan(""); }

std::string Fixed(double v, int digits = 2) {
  if (!std::isfinite(v)) return "-";
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.*f", digits, v);
  return buf;
}

double PeerCaching(const RunResult& r) {
  std::uint64_t peers = 0, http = 0;  // http: from the CDN or from a cache server
  for (const auto& p : r.peers) {
    if (!p.sources_known) return -1;
    peers += p.from_peers;
    http += p.from_http + p.from_cache_server;
  }
  return peers + http > 0 ? 100.0 * static_cast<double>(peers) / static_cast<double>(peers + http)
                          : 0;
}

const RunResult* Shoal(const SimReport& rep) {
  for (const auto& r : rep.runs) {
    if (r.client == "shoal" && r.available) return &r;
  }
  return nullptr;
}

// What the round's cache sent, by its own counters: HTTP bodies and BitTorrent uploads.
double CacheEgress(const RunResult& r) {
  return static_cast<double>(r.cache_counters.to_clients + r.cache_counters.to_peers);
}

nlohmann::json SeriesJson(const Series& s) {
  auto a = nlohmann::json::array();
  for (const auto& [t, b] : s) a.push_back({std::round(t * 1000) / 1000, b});
  return a;
}

}  // namespace

void PrintReport(const SimReport& rep, std::FILE* out) {
  const Scenario& sc = rep.scenario;
  const double f = static_cast<double>(sc.file_bytes);
  std::fprintf(out, "\nscenario %s: %d peers x %.1f MiB, WAN cap %.1f MiB/s shared, LAN %s%s\n",
               sc.name.c_str(), sc.peers, f / kMiB, static_cast<double>(sc.wan_bytes_per_s) / kMiB,
               sc.netns ? "links shaped, discovery by LSD" : "uncapped", sc.seeder ? ", one pre-seeded peer" : "");
  std::fprintf(out, "tracker: %s\n", rep.tracker.c_str());
  if (sc.netns) std::fprintf(out, "site: network namespaces; WAN: %s\n", rep.wan.c_str());
  if (rep.bound.defined) {
    std::fprintf(out, "bound: T_lb = %.2f s (F/u_s = %.2f s, M = %llu pieces of %llu KiB, +%.2f%%)\n",
                 rep.bound.t_lb_s, rep.bound.origin_term_s,
                 static_cast<unsigned long long>(rep.bound.pieces),
                 static_cast<unsigned long long>(rep.piece_bytes / 1024),
                 100 * rep.bound.piece_overhead);
  } else {
    std::fprintf(out, "bound: none (%s)\n", rep.bound.assumption.c_str());
  }
  const RunResult* shoal = Shoal(rep);
  std::fprintf(out, "\n%-13s %9s %8s %8s %9s %8s %7s %6s %10s %10s %s\n", "client", "makespan",
               "p50", "p99", "origin/F", "cache/F", "peer%", "eta", "time/shoal", "orig/shoal",
               "result");
  if (rep.bound.defined) {
    std::fprintf(out, "%-13s %8.2fs %8s %8s %9.2f %8s %7s %6.2f %10s %10s %s\n", "bound",
                 rep.bound.t_lb_s, "-", "-", 1.0, "-", "-", 1.0,
                 shoal ? Fixed(Ratio(rep.bound.t_lb_s, shoal->makespan_s)).c_str() : "-",
                 shoal ? Fixed(Ratio(f, static_cast<double>(shoal->origin_bytes))).c_str() : "-",
                 "physics");
  }
  for (const auto& r : rep.runs) {
    if (!r.available) {
      std::fprintf(out, "%-13s not run: %s\n", r.client.c_str(), r.unavailable_reason.c_str());
      continue;
    }
    const double ppc = PeerCaching(r);
    const std::string result = r.Correct() ? "ok, byte-exact"
                               : r.timed_out ? "TIMED OUT"
                               : r.interrupted ? "interrupted" : "FAILED";
    std::fprintf(out, "%-13s %8.2fs %7.2fs %7.2fs %9.2f %8s %7s %6s %10s %10s %s\n",
                 r.client.c_str(), r.makespan_s, r.p50_s, r.p99_s,
                 Ratio(static_cast<double>(r.origin_bytes), f),
                 r.cache_known ? Fixed(CacheEgress(r) / f).c_str() : "-",
                 ppc < 0 ? "n/a" : Fixed(ppc, 1).c_str(),
                 rep.bound.defined ? Fixed(Ratio(rep.bound.t_lb_s, r.makespan_s)).c_str() : "-",
                 shoal ? Fixed(Ratio(r.makespan_s, shoal->makespan_s)).c_str() : "-",
                 shoal ? Fixed(Ratio(static_cast<double>(r.origin_bytes),
                                     static_cast<double>(shoal->origin_bytes))).c_str()
                       : "-",
                 result.c_str());
  }
  for (const auto& r : rep.runs) {
    if (!r.available || r.cache.empty()) continue;
    std::fprintf(out, "\n%s: %s", r.client.c_str(), r.cache.c_str());
    if (!r.cache_known) {
      std::fprintf(out, ", its counters unread\n");
      continue;
    }
    const CacheCounters& c = r.cache_counters;
    std::fprintf(out, ", by its own counters: %.1f MiB to clients (HTTP) + %.1f MiB to peers "
                 "(BitTorrent) = %.2f x F; %.1f MiB from the origin%s\n",
                 static_cast<double>(c.to_clients) / kMiB, static_cast<double>(c.to_peers) / kMiB,
                 CacheEgress(r) / f, static_cast<double>(c.from_origin) / kMiB,
                 r.cache_down_s >= 0
                     ? (", killed at " + Fixed(r.cache_down_s) + " s (counters as of then)").c_str()
                     : "");
  }
  for (const auto& r : rep.runs) {
    if (!r.available) continue;
    std::fprintf(out, "\n%s per peer:\n  %-4s %-17s %7s %8s %11s %11s %11s %6s %s\n",
                 r.client.c_str(), "peer", "address", "start", "done", "peers MiB", "cache MiB",
                 "CDN MiB", "peer%", "");
    for (const auto& p : r.peers) {
      const std::string state = p.killed ? "killed (churn)"
                                : !p.failure.empty() ? p.failure
                                                     : (p.byte_exact ? "byte-exact" : "?");
      const double got = static_cast<double>(p.from_peers + p.from_cache_server + p.from_http);
      std::fprintf(out, "  %-4d %-17s %6.2fs %7s %11s %11s %11s %6s %s\n", p.id,
                   p.address.c_str(), p.start_s,
                   p.done_s >= 0 ? (Fixed(p.done_s) + "s").c_str() : "-",
                   p.sources_known ? Fixed(static_cast<double>(p.from_peers) / kMiB, 1).c_str() : "n/a",
                   p.sources_known ? Fixed(static_cast<double>(p.from_cache_server) / kMiB, 1).c_str()
                                   : "n/a",
                   p.sources_known ? Fixed(static_cast<double>(p.from_http) / kMiB, 1).c_str() : "n/a",
                   p.sources_known ? Fixed(100 * Ratio(static_cast<double>(p.from_peers), got), 1).c_str()
                                   : "n/a",
                   state.c_str());
    }
    if (!sc.outsider.empty() && r.client == "shoal") {
      std::fprintf(out, "  outsider %s (%s, no CDN%s): %.1f MiB verified\n", "10.77.0.7",
                   sc.outsider.c_str(), sc.outsider_seeds ? ", seeding the file" : "",
                   static_cast<double>(r.outsider_bytes) / kMiB);
    }
    if (sc.far_peer && r.client == "shoal") {
      std::fprintf(out, "  far peer %s (other subnet, no CDN): %.1f MiB verified\n",
                   "10.77.1.10", static_cast<double>(r.far_bytes) / kMiB);
    }
  }
  std::fflush(out);
}

bool WriteReport(const SimReport& rep, const std::filesystem::path& dir, std::string* error) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  const double f = static_cast<double>(rep.scenario.file_bytes);
  nlohmann::json j;
  j["scenario"] = {{"name", rep.scenario.name},
                   {"peers", rep.scenario.peers},
                   {"file_bytes", rep.scenario.file_bytes},
                   {"wan_bytes_per_s", rep.scenario.wan_bytes_per_s},
                   {"stagger_s", rep.scenario.stagger_s},
                   {"waves", rep.scenario.waves.size()},
                   {"group", rep.scenario.group},
                   {"outsider", rep.scenario.outsider},
                   {"seeder", rep.scenario.seeder},
                   {"churn", rep.scenario.churn.size()},
                   {"cache_node", rep.scenario.cache_node},
                   {"node_down_at_s", rep.scenario.node_down_at_s}};
  j["piece_bytes"] = rep.piece_bytes;
  j["tracker"] = rep.tracker;
  j["scenario"]["netns"] = rep.scenario.netns;
  if (rep.scenario.netns) j["wan"] = rep.wan;
  j["bound"] = {{"defined", rep.bound.defined},     {"t_min_s", rep.bound.t_min_s},
                {"t_lb_s", rep.bound.t_lb_s},       {"origin_term_s", rep.bound.origin_term_s},
                {"pieces", rep.bound.pieces},       {"piece_overhead", rep.bound.piece_overhead},
                {"assumption", rep.bound.assumption}};
  j["runs"] = nlohmann::json::array();
  for (const auto& r : rep.runs) {
    nlohmann::json jr = {{"client", r.client}, {"available", r.available}};
    if (!r.available) {
      jr["unavailable_reason"] = r.unavailable_reason;
      j["runs"].push_back(jr);
      continue;
    }
    const double ppc = PeerCaching(r);
    jr.update({{"correct", r.Correct()},
               {"timed_out", r.timed_out},
               {"interrupted", r.interrupted},
               {"helpers", r.helpers},
               {"far_bytes", r.far_bytes},
               {"far_from_peers", r.far_from_peers},
               {"outsider_bytes", r.outsider_bytes},
               {"outsider_from_peers", r.outsider_from_peers},
               {"makespan_s", r.makespan_s},
               {"p50_s", r.p50_s},
               {"p99_s", r.p99_s},
               {"origin_bytes", r.origin_bytes},
               {"origin_ratio", Ratio(static_cast<double>(r.origin_bytes), f)},
               {"percent_peer_caching", ppc < 0 ? nlohmann::json() : nlohmann::json(ppc)},
               {"eta", rep.bound.defined ? nlohmann::json(Ratio(rep.bound.t_lb_s, r.makespan_s))
                                         : nlohmann::json()},
               // field.md §c: η also at the p50 and p99 completion times
               {"eta_p50", rep.bound.defined ? nlohmann::json(Ratio(rep.bound.t_lb_s, r.p50_s))
                                             : nlohmann::json()},
               {"eta_p99", rep.bound.defined ? nlohmann::json(Ratio(rep.bound.t_lb_s, r.p99_s))
                                             : nlohmann::json()},
               {"origin_series", SeriesJson(r.origin)}});
    if (!r.cache.empty()) {
      const CacheCounters& c = r.cache_counters;
      jr["cache"] = {{"what", r.cache},
                     {"known", r.cache_known},
                     {"to_clients", c.to_clients},
                     {"to_peers", c.to_peers},
                     {"from_origin", c.from_origin},
                     {"egress_ratio", r.cache_known ? nlohmann::json(CacheEgress(r) / f)
                                                    : nlohmann::json()},
                     {"down_at_s", r.cache_down_s}};
      // [t, to_clients, to_peers, from_origin], one row per sample that changed.
      auto series = nlohmann::json::array();
      for (const auto& [t, k] : r.cache_series) {
        const nlohmann::json row = {std::round(t * 1000) / 1000, k.to_clients, k.to_peers,
                                    k.from_origin};
        if (series.empty() || series.back()[1] != row[1] || series.back()[2] != row[2]) {
          series.push_back(row);
        }
      }
      jr["cache"]["series"] = series;
    }
    jr["peers"] = nlohmann::json::array();
    for (const auto& p : r.peers) {
      jr["peers"].push_back({{"id", p.id},
                             {"address", p.address},
                             {"start_s", p.start_s},
                             {"done_s", p.done_s},
                             {"killed", p.killed},
                             {"byte_exact", p.byte_exact},
                             {"monotonic", p.monotonic},
                             {"bytes", p.bytes},
                             {"total", p.total},
                             {"from_peers", p.sources_known ? nlohmann::json(p.from_peers) : nlohmann::json()},
                             {"from_http", p.sources_known ? nlohmann::json(p.from_http) : nlohmann::json()},
                             {"from_cache_server",
                              p.sources_known ? nlohmann::json(p.from_cache_server) : nlohmann::json()},
                             {"failure", p.failure},
                             {"series", SeriesJson(p.samples)}});
    }
    j["runs"].push_back(jr);
    std::ofstream(dir / (r.client + ".svg")) << RenderSvg(r, rep);
  }
  std::ofstream out(dir / "results.json");
  out << j.dump(1) << "\n";
  if (!out) {
    *error = "cannot write " + (dir / "results.json").string();
    return false;
  }
  return true;
}

std::string RenderSvg(const RunResult& run, const SimReport& rep) {
  constexpr double kW = 820, kLeft = 60, kPlotW = 720, kTop1 = 40, kH1 = 260, kTop2 = 360, kH2 = 150;
  const double f = static_cast<double>(rep.scenario.file_bytes);
  double t_max = std::max(1.0, run.origin.empty() ? 1.0 : run.origin.back().first);
  for (const auto& p : run.peers) {
    if (!p.samples.empty()) t_max = std::max(t_max, p.samples.back().first);
  }
  // Origin egress rate over 0.5 s windows.
  std::vector<std::pair<double, double>> rate;
  double rate_max = static_cast<double>(rep.scenario.wan_bytes_per_s) * 1.1;
  for (std::size_t i = 0, j = 0; i < run.origin.size(); ++i) {
    while (j + 1 < i && run.origin[i].first - run.origin[j + 1].first >= 0.5) ++j;
    const double dt = run.origin[i].first - run.origin[j].first;
    if (dt <= 0) continue;
    const double r = static_cast<double>(run.origin[i].second - run.origin[j].second) / dt;
    rate.emplace_back(run.origin[i].first, r);
    rate_max = std::max(rate_max, r);
  }
  auto x = [&](double t) { return kLeft + kPlotW * t / t_max; };
  std::ostringstream s;
  s << "<svg xmlns='http://www.w3.org/2000/svg' width='" << kW << "' height='560' "
    << "font-family='sans-serif' font-size='12'>\n<rect width='100%' height='100%' fill='white'/>\n"
    << "<text x='" << kLeft << "' y='20' font-size='14'>" << run.client << ": " << rep.scenario.name
    << ", " << rep.scenario.peers << " peers x " << Fixed(f / kMiB, 0) << " MiB; makespan "
    << Fixed(run.makespan_s) << " s, origin " << Fixed(static_cast<double>(run.origin_bytes) / f)
    << " x F</text>\n";
  for (const auto& [top, h, label] : {std::tuple{kTop1, kH1, "verified MiB per peer"},
                                      std::tuple{kTop2, kH2, "origin egress MiB/s"}}) {
    s << "<rect x='" << kLeft << "' y='" << top << "' width='" << kPlotW << "' height='" << h
      << "' fill='none' stroke='#999'/>\n<text x='" << kLeft + 4 << "' y='" << top + 14 << "'>"
      << label << "</text>\n";
  }
  for (int k = 0; k <= 5; ++k) {
    const double t = t_max * k / 5;
    s << "<text x='" << x(t) - 10 << "' y='" << kTop2 + kH2 + 16 << "'>" << Fixed(t, 1)
      << " s</text>\n";
  }
  s << "<text x='4' y='" << kTop1 + 10 << "'>" << Fixed(f / kMiB, 0) << "</text>\n<text x='4' y='"
    << kTop2 + 10 << "'>" << Fixed(rate_max / kMiB, 0) << "</text>\n";
  if (rep.bound.defined && rep.bound.t_lb_s < t_max) {
    s << "<line x1='" << x(rep.bound.t_lb_s) << "' y1='" << kTop1 << "' x2='" << x(rep.bound.t_lb_s)
      << "' y2='" << kTop2 + kH2 << "' stroke='#c00' stroke-dasharray='4'/><text x='"
      << x(rep.bound.t_lb_s) + 3 << "' y='" << kTop1 + 28 << "' fill='#c00'>T_lb</text>\n";
  }
  static const char* kColors[] = {"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
                                  "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"};
  for (const auto& p : run.peers) {
    s << "<polyline fill='none' stroke='" << kColors[p.id % 10] << "' points='";
    for (const auto& [t, b] : p.samples) {
      s << Fixed(x(t), 1) << "," << Fixed(kTop1 + kH1 - kH1 * static_cast<double>(b) / f, 1) << " ";
    }
    s << "'><title>peer " << p.id << "</title></polyline>\n";
  }
  s << "<polyline fill='none' stroke='black' points='";
  for (const auto& [t, r] : rate) {
    s << Fixed(x(t), 1) << "," << Fixed(kTop2 + kH2 - kH2 * r / rate_max, 1) << " ";
  }
  s << "'/>\n</svg>\n";
  return s.str();
}

}  // namespace shoal::cli
