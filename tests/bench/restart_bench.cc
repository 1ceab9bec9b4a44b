// Engine start time with N persisted jobs (default 1,000, each with one file) against the
// same engine starting on an empty data directory, in the same run. Also the cost of
// persisting: creating the N jobs with a data directory against without one. And the time a
// restarted engine takes to serve cached content again (default 256 MiB): from resume data
// (the file unchanged since the last shutdown) against hashing it (the file touched), in
// alternating rounds (decision 0006).
//   restart_bench [jobs] [rounds] [cached MiB]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include <sys/stat.h>

#include <fcntl.h>
#include <thread>

#include "engine/engine.h"
#include "engine/job_store.h"
#include "engine/metainfo.h"
#include "tests/support/fixtures.h"

namespace {

using Clock = std::chrono::steady_clock;
using shoal::engine::Engine;

double Seconds(Clock::time_point since) {
  return std::chrono::duration<double>(Clock::now() - since).count();
}

std::int64_t WallNowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
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

// Seconds from Start until the stored seed is checked, by resume data or by hashing (which one
// must match `resumed`), then the engine is stopped (saving resume data).
double SeedStart(const std::string& data_dir, bool resumed) {
  std::string error;
  const auto start = Clock::now();
  auto e = Engine::Start(Options(data_dir, 0), nullptr, &error);
  if (!e) {
    std::fprintf(stderr, "start failed: %s\n", error.c_str());
    std::exit(1);
  }
  for (;;) {
    const shoal::engine::EngineStats s = e->GetStats();
    if (s.checks_resumed + s.checks_hashed > 0) {
      if ((s.checks_resumed > 0) != resumed) {
        std::fprintf(stderr, "expected a start %s\n", resumed ? "from resume data" : "by hashing");
        std::exit(1);
      }
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return Seconds(start);
}

// Cached content as a restarted engine finds it: a whole file and its row in `seeds`.
void StageSeed(const std::string& data_dir, const std::string& dir, int mib) {
  const std::string path = dir + "/cached.bin";
  shoal::testing::WriteRandomFile(path, static_cast<std::size_t>(mib) << 20, 5);
  shoal::engine::MetainfoSpec spec;
  spec.path = path;
  spec.web_seeds = {"http://127.0.0.1:9/cached.bin"};
  std::string torrent, error, warnings;
  if (shoal::engine::CreateMetainfo(spec, &torrent, &error) != shoal::hr::kOk) {
    std::fprintf(stderr, "metainfo: %s\n", error.c_str());
    std::exit(1);
  }
  auto store = shoal::engine::OpenSqliteJobStore(data_dir, &warnings, &error);
  if (!store || !store->PutSeed({torrent, dir, "cached.bin", WallNowNs()}, &error)) {
    std::fprintf(stderr, "store: %s\n", error.c_str());
    std::exit(1);
  }
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

  const int mib = argc > 3 ? std::atoi(argv[3]) : 256;
  const std::string cache = dir / "cache";
  const std::string cache_state = dir / "cache-state";
  std::filesystem::create_directories(cache);
  std::filesystem::create_directories(cache_state);
  StageSeed(cache_state, cache, mib);
  SeedStart(cache_state, false);  // first start: no resume data yet; warms the page cache
  std::vector<double> hashed, resumed;
  const timespec now[2] = {{0, UTIME_NOW}, {0, UTIME_NOW}};
  for (int r = 0; r < rounds; ++r) {
    resumed.push_back(SeedStart(cache_state, true));
    ::utimensat(AT_FDCWD, (cache + "/cached.bin").c_str(), now, 0);  // same bytes, new mtime
    hashed.push_back(SeedStart(cache_state, false));
  }
  std::sort(hashed.begin(), hashed.end());
  std::sort(resumed.begin(), resumed.end());
  const double h = hashed[hashed.size() / 2];
  const double res = resumed[resumed.size() / 2];
  std::printf("serve %d MiB of cached content again: %.3f s from resume data, %.3f s hashing "
              "it (medians of %d): %.1f x faster\n", mib, res, h, rounds, h / res);
  return 0;
}
