// GetProgress cost through the facade with 1 and 1,000 jobs, against the cheapest possible
// read of the same four numbers (a plain struct copy) measured in the same run.
#include <benchmark/benchmark.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>
#include <vector>

#include "shoal/deliveryoptimization.h"
#include "tests/bench/ratio_reporter.h"

namespace {

[[noreturn]] void Die(const char* why) {
  std::fprintf(stderr, "progress_bench: %s\n", why);
  std::exit(1);
}

struct Fixture {
  IBackgroundCopyManager* manager = nullptr;
  std::vector<IBackgroundCopyJob*> jobs;

  explicit Fixture(int n) {
    shoal::Options o;
    o.listen_interface = "127.0.0.1:0";
    o.max_jobs = static_cast<std::uint32_t>(n);
    std::string error;
    if (FAILED(shoal::CreateBackgroundCopyManager(o, &manager, &error))) Die(error.c_str());
    for (int i = 0; i < n; ++i) {
      GUID id;
      IBackgroundCopyJob* job = nullptr;
      if (FAILED(manager->CreateJob(L"bench", BG_JOB_TYPE_DOWNLOAD, &id, &job))) Die("CreateJob");
      jobs.push_back(job);
    }
  }
  ~Fixture() {
    for (auto* j : jobs) {
      j->Cancel();
      j->Release();
    }
    manager->Release();
  }
};

void BM_GetProgress(benchmark::State& state) {
  Fixture f(static_cast<int>(state.range(0)));
  BG_JOB_PROGRESS p;
  std::size_t i = 0;
  for (auto _ : state) {
    f.jobs[i]->GetProgress(&p);
    benchmark::DoNotOptimize(p);
    if (++i == f.jobs.size()) i = 0;
  }
}
BENCHMARK(BM_GetProgress)->Arg(1)->Arg(1000);

// Baseline: copying a BG_JOB_PROGRESS out of an array of 1 or 1,000 (no synchronisation).
void BM_Baseline_StructCopy(benchmark::State& state) {
  std::vector<BG_JOB_PROGRESS> cells(static_cast<std::size_t>(state.range(0)));
  BG_JOB_PROGRESS p;
  std::size_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(cells.data());
    p = cells[i];
    benchmark::DoNotOptimize(p);
    if (++i == cells.size()) i = 0;
  }
}
BENCHMARK(BM_Baseline_StructCopy)->Arg(1)->Arg(1000);

}  // namespace

int main(int argc, char** argv) {
  shoal::bench::RatioReporter reporter;
  for (const char* n : {"1", "1000"}) {
    reporter.Compare(std::string("BM_GetProgress/") + n, std::string("BM_Baseline_StructCopy/") + n,
                     [n](double shoal, double base) {
                       std::printf(
                           "GetProgress with %s job(s): %.2f ns/call, %.1f x a plain struct copy\n",
                           n, shoal, shoal / base);
                     });
  }
  return shoal::bench::RunWithRatios(argc, argv, reporter);
}
