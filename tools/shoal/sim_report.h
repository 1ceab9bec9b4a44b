// The report of a `shoal sim` run: the side-by-side table on stdout, results.json, and one
// hand-written SVG per round (bytes over time per peer, the origin's egress rate).
// Pure functions over finished results: thread-compatible.
#pragma once

#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "tools/shoal/sim_runner.h"
#include "tools/shoal/sim_scenario.h"

namespace shoal::cli {

struct SimReport {
  Scenario scenario;
  Bound bound;
  std::uint64_t piece_bytes = 0;
  std::string tracker;  // "opentracker at URL" or why there is none
  std::string wan;      // how the WAN link is made (the origin's cap, or tc on the netns site)
  std::vector<RunResult> runs;  // shoal first, then the baselines
};

void PrintReport(const SimReport& report, std::FILE* out);
// results.json (every series included) and <client>.svg under `dir`.
bool WriteReport(const SimReport& report, const std::filesystem::path& dir, std::string* error);
// The SVG text for one round.
std::string RenderSvg(const RunResult& run, const SimReport& report);

}  // namespace shoal::cli
