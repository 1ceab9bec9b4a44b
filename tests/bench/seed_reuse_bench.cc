// The second job of content the engine seeds (decision 0017) against the cold job that fetched
// it, in the same engine and run: seconds from Resume to TRANSFERRED and the bytes the loopback
// origin sent for each. Rounds alternate fresh engines; medians printed, with their ratio.
//   seed_reuse_bench [MiB] [rounds]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "engine/engine.h"
#include "engine/metainfo.h"
#include "origin/http_origin.h"
#include "tests/support/fixtures.h"

namespace {

using Clock = std::chrono::steady_clock;
using shoal::engine::Engine;
using shoal::engine::JobState;

[[noreturn]] void Die(const std::string& why) {
  std::fprintf(stderr, "seed_reuse_bench: %s\n", why.c_str());
  std::exit(1);
}

// Seconds from Resume until the job is TRANSFERRED, then Complete.
double Fetch(Engine& e, const std::string& url, const std::string& out,
             const std::string& metainfo) {
  std::shared_ptr<const shoal::engine::JobView> job;
  if (e.CreateJob("bench", &job) != shoal::hr::kOk) Die("CreateJob");
  if (e.AddFiles(job->id, {{url, out, metainfo}}) != shoal::hr::kOk) Die("AddFiles");
  const auto start = Clock::now();
  if (e.Resume(job->id) != shoal::hr::kOk) Die("Resume");
  while (job->state.load() != JobState::kTransferred) {
    if (job->state.load() == JobState::kError) Die("the job failed");
    std::this_thread::sleep_for(std::chrono::microseconds(200));
  }
  const double s = std::chrono::duration<double>(Clock::now() - start).count();
  if (e.Complete(job->id) != shoal::hr::kOk) Die("Complete");
  return s;
}

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  const int mib = argc > 1 ? std::atoi(argv[1]) : 64;
  const int rounds = argc > 2 ? std::atoi(argv[2]) : 5;
  shoal::testing::TempDir dir;
  const std::string root = dir / "origin";
  std::filesystem::create_directories(root);
  shoal::testing::WriteRandomFile(root + "/c.bin", static_cast<std::size_t>(mib) << 20, 3);
  std::string error;
  shoal::origin::HttpOriginOptions oo;
  oo.root = root;
  auto origin = shoal::origin::HttpOrigin::Start(oo, &error);
  if (!origin) Die(error);
  const std::string url = origin->BaseUrl() + "/c.bin";
  shoal::engine::MetainfoSpec spec;
  spec.path = root + "/c.bin";
  spec.web_seeds = {url};
  std::string torrent;
  if (shoal::engine::CreateMetainfo(spec, &torrent, &error) != shoal::hr::kOk) Die(error);

  std::vector<double> cold, warm;
  std::uint64_t cold_bytes = 0, warm_bytes = 0;
  for (int r = 0; r < rounds; ++r) {
    shoal::engine::EngineOptions o;
    o.listen_interface = "127.0.0.1:0";
    o.delay_foreground_download_from_http_s = 0;
    o.delay_background_download_from_http_s = 0;
    auto e = Engine::Start(o, nullptr, &error);
    if (!e) Die(error);
    const std::string round = dir / ("r" + std::to_string(r));
    std::filesystem::create_directories(round);
    const std::uint64_t before = origin->BytesServed("/c.bin");
    cold.push_back(Fetch(*e, url, round + "/first.bin", torrent));
    const std::uint64_t between = origin->BytesServed("/c.bin");
    warm.push_back(Fetch(*e, url, round + "/second.bin", torrent));
    cold_bytes = between - before;
    warm_bytes = origin->BytesServed("/c.bin") - between;
  }
  const double c = Median(cold), w = Median(warm);
  std::printf("%d MiB, %d rounds (medians)\n", mib, rounds);
  std::printf("cold job:             %.3f s, %llu origin bytes\n", c,
              static_cast<unsigned long long>(cold_bytes));
  std::printf("job of seeded content: %.3f s, %llu origin bytes\n", w,
              static_cast<unsigned long long>(warm_bytes));
  std::printf("ratio: %.3f x the cold job's time\n", w / c);
  return 0;
}
