// The benchmarks' report: Google Benchmark's console table, then one line per pair of cases of
// the same run compared by the reading thread's CPU time (wall time on a loaded machine adds
// whatever else ran on the core). Thread-compatible (the benchmark runner's thread).
#pragma once

#include <benchmark/benchmark.h>

#include <cstdio>
#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace shoal::bench {

class RatioReporter : public benchmark::ConsoleReporter {
 public:
  // After the run, prints(measured ns, baseline ns) when both cases ran.
  using Printer = std::function<void(double measured, double baseline)>;
  void Compare(std::string measured, std::string baseline, Printer print) {
    pairs_.push_back({std::move(measured), std::move(baseline), std::move(print)});
  }

  void ReportRuns(const std::vector<Run>& runs) override {
    ConsoleReporter::ReportRuns(runs);
    for (const Run& r : runs) {
      if (r.run_type == Run::RT_Iteration) ns_[r.benchmark_name()] = r.GetAdjustedCPUTime();
    }
  }

  void PrintRatios() const {
    for (const Pair& p : pairs_) {
      const auto m = ns_.find(p.measured);
      const auto b = ns_.find(p.baseline);
      if (m == ns_.end() || b == ns_.end() || b->second <= 0) continue;
      p.print(m->second, b->second);
    }
  }

 private:
  struct Pair {
    std::string measured, baseline;
    Printer print;
  };
  std::vector<Pair> pairs_;
  std::map<std::string, double> ns_;
};

// Runs the benchmarks named on the command line with `reporter`, then prints its ratios.
inline int RunWithRatios(int argc, char** argv, RatioReporter& reporter) {
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks(&reporter);
  reporter.PrintRatios();
  benchmark::Shutdown();
  return 0;
}

}  // namespace shoal::bench
