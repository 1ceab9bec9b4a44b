// Engine start time with N persisted jobs (default 1,000, each with one file) against the
// same engine starting on an empty data directory, in the same run. Also the cost of
// persisting: creating the N jobs with a data directory against without one.
//   restart_bench [jobs] [rounds]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "engine/engine.h"
#include "tests/support/fixtures.h"

namespace {

using Clock = std::chrono::steady_clock;
using shoal::engine::Engine;

double Seconds(Clock::time_point since) {
  return std::chrono::duration<double>(Clock::now() - since).count();
}

shoal::engine::EngineOptions Options(const std::string& data_dir, std::uint32_t jobs) {
  shoal::engine::EngineOptions o;
  o.listen_interface = "127.0.0.1:0";
  o.data_dir = data_dir;
  o.max_jobs = jobs + 1;
  return o;
}

// Seconds to create `n` suspended jobs with one file each.
double CreateJobs(Engine& e, int n, const std::string& dir) {
  const auto start = Clock::now();
  for (int i = 0; i < n; ++i) {
    std::shared_ptr<const shoal::engine::JobView> job;
    if (e.CreateJob("job " + std::to_string(i), &job) != shoal::hr::kOk) std::abort();
    shoal::engine::FileSpec f;
    f.remote_url = "http://127.0.0.1:9/f" + std::to_string(i) + ".bin";
    f.local_path = dir + "/f" + std::to_string(i) + ".bin";
    f.http_only = true;
    if (e.AddFiles(job->id, {f}) != shoal::hr::kOk) std::abort();
  }
  return Seconds(start);
}

// Median seconds from Start until every job is listed, then the engine is stopped.
double StartTime(const std::string& data_dir, std::uint32_t jobs, int rounds) {
  std::vector<double> t;
  for (int r = 0; r < rounds; ++r) {
    std::string error;
    const auto start = Clock::now();
    auto e = Engine::Start(Options(data_dir, jobs), nullptr, &error);
    if (!e || e->ListJobs().size() != jobs) {
      std::fprintf(stderr, "start failed: %s\n", error.c_str());
      std::exit(1);
    }
    t.push_back(Seconds(start));
  }
  std::sort(t.begin(), t.end());
  return t[t.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  const int n = argc > 1 ? std::atoi(argv[1]) : 1000;
  const int rounds = argc > 2 ? std::atoi(argv[2]) : 5;
  shoal::testing::TempDir dir;
  const std::string empty = dir / "empty";
  const std::string full = dir / "full";
  double create_durable = 0;
  double create_memory = 0;
  {
    std::string error;
    auto e = Engine::Start(Options(full, n), nullptr, &error);
    create_durable = CreateJobs(*e, n, dir.path().string());
    auto m = Engine::Start(Options("", n), nullptr, &error);
    create_memory = CreateJobs(*m, n, dir.path().string());
  }
  const double base = StartTime(empty, 0, rounds);
  const double loaded = StartTime(full, n, rounds);
  std::printf("start, empty data dir:      %.3f s (median of %d)\n", base, rounds);
  std::printf("start, %d persisted jobs: %.3f s (median of %d)\n", n, loaded, rounds);
  std::printf("ratio: %.2f x the empty start, %.3f ms per job\n", loaded / base,
              (loaded - base) * 1000 / n);
  std::printf("create %d jobs: %.3f s durable, %.3f s in memory (%.2f x)\n", n, create_durable,
              create_memory, create_durable / create_memory);
  return 0;
}
