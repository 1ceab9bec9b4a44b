// GetProgress cost through the facade with 1 and 1,000 jobs, against the cheapest possible
// read of the same four numbers (a plain struct copy) measured in the same run.
#include <benchmark/benchmark.h>

#include <atomic>
#include <vector>

#include "shoal/deliveryoptimization.h"

namespace {

struct Fixture {
  IBackgroundCopyManager* manager = nullptr;
  std::vector<IBackgroundCopyJob*> jobs;

  explicit Fixture(int n) {
    shoal::Options o;
    o.listen_interface = "127.0.0.1:0";
    std::string error;
    if (FAILED(shoal::CreateBackgroundCopyManager(o, &manager, &error))) std::abort();
    for (int i = 0; i < n; ++i) {
      GUID id;
      IBackgroundCopyJob* job = nullptr;
      if (FAILED(manager->CreateJob(L"bench", BG_JOB_TYPE_DOWNLOAD, &id, &job))) std::abort();
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

BENCHMARK_MAIN();
