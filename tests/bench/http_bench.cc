// One large file over plain HTTP from a loopback origin: shoal's HTTP source (an engine job
// with no metainfo, and the source alone) against `curl -o` from the same origin, alternating,
// in the same run. Prints each round and the throughput ratios (1.00 = as fast as curl).
//   http_bench [MiB] [rounds]
#include <fcntl.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <future>
#include <string>
#include <vector>

#include "engine/engine.h"
#include "origin/http_origin.h"
#include "tests/support/fixtures.h"

namespace {

using Clock = std::chrono::steady_clock;
namespace fs = std::filesystem;

double Seconds(Clock::time_point since) {
  return std::chrono::duration<double>(Clock::now() - since).count();
}

// curl's own client, as a user would run it. Returns seconds, or -1 on failure.
double Curl(const std::string& url, const std::string& out) {
  const std::string cmd = "curl -s -f -o '" + out + "' '" + url + "'";
  const auto start = Clock::now();
  if (std::system(cmd.c_str()) != 0) return -1;
  return Seconds(start);
}

// From Resume to TRANSFERRED (the rename at Complete is not transfer time).
double Shoal(shoal::engine::Engine& engine, const std::string& url, const std::string& out) {
  using shoal::engine::JobState;
  std::shared_ptr<const shoal::engine::JobView> job;
  if (engine.CreateJob("bench", &job) != 0) return -1;
  shoal::engine::FileSpec spec{url, out, ""};
  spec.http_only = true;
  if (engine.AddFiles(job->id, {spec}) != 0) return -1;
  const auto start = Clock::now();
  if (engine.Resume(job->id) != 0) return -1;
  const bool ok = shoal::testing::WaitFor(
      [&] { return !shoal::engine::IsActive(job->state.load()); }, std::chrono::minutes(10));
  const double s = Seconds(start);
  if (!ok || job->state.load() != JobState::kTransferred) return -1;
  engine.Complete(job->id);
  return s;
}

// The HTTP source alone, without the engine around it: attributes any gap to one or the other.
double SourceOnly(shoal::engine::HttpSource& source, const std::string& url,
                  const std::string& out) {
  const int fd = ::open(out.c_str(), O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
  if (fd < 0) return -1;
  std::promise<bool> done;
  shoal::engine::HttpRequest req;
  req.url = url;
  req.path = out;
  req.fd = fd;
  shoal::engine::HttpCallbacks cb;
  cb.on_head = [](std::uint64_t, bool) {};
  cb.on_progress = [](std::uint64_t) {};
  cb.on_done = [&](const shoal::engine::HttpOutcome& o) { done.set_value(o.code == 0); };
  const auto start = Clock::now();
  auto transfer = source.Start(std::move(req), std::move(cb));
  const bool ok = done.get_future().get();
  return ok ? Seconds(start) : -1;
}

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  const std::size_t mib = argc > 1 ? std::stoul(argv[1]) : 512;
  const int rounds = argc > 2 ? std::stoi(argv[2]) : 3;
  shoal::testing::TempDir root;
  shoal::testing::TempDir out;
  std::fprintf(stderr, "generating %zu MiB...\n", mib);
  shoal::testing::WriteRandomFile(root / "big.bin", mib << 20);

  shoal::origin::HttpOriginOptions o;
  o.root = root.path().string();
  std::string error;
  auto origin = shoal::origin::HttpOrigin::Start(o, &error);
  if (!origin) {
    std::fprintf(stderr, "%s\n", error.c_str());
    return 1;
  }
  shoal::engine::EngineOptions eo;
  eo.listen_interface = "127.0.0.1:0";
  auto engine = shoal::engine::Engine::Start(eo, nullptr, &error);
  if (!engine) {
    std::fprintf(stderr, "%s\n", error.c_str());
    return 1;
  }
  const std::string url = origin->BaseUrl() + "/big.bin";
  // Warm the origin's page cache so neither side pays for the first read.
  Curl(url, out / "warm.bin");
  fs::remove(out / "warm.bin");

  auto source = shoal::engine::MakeCurlHttpSource({});
  std::vector<double> curl_s, shoal_s, source_s;
  std::printf("%-24s %10s %12s\n", "plain HTTP, loopback", "seconds", "MiB/s");
  for (int r = 0; r < rounds; ++r) {
    const double c = Curl(url, out / "curl.bin");
    fs::remove(out / "curl.bin");
    const double s = Shoal(*engine, url, out / "shoal.bin");
    fs::remove(out / "shoal.bin");
    const double h = SourceOnly(*source, url, out / "source.bin");
    fs::remove(out / "source.bin");
    if (c <= 0 || s <= 0 || h <= 0) {
      std::fprintf(stderr, "round %d failed (curl %.2f, shoal %.2f)\n", r, c, s);
      return 1;
    }
    curl_s.push_back(c);
    shoal_s.push_back(s);
    source_s.push_back(h);
    std::printf("%-24s %10.2f %12.1f\n", "curl -o", c, mib / c);
    std::printf("%-24s %10.2f %12.1f\n", "shoal (engine job)", s, mib / s);
    std::printf("%-24s %10.2f %12.1f\n", "HttpSource alone", h, mib / h);
  }
  const double ratio = Median(curl_s) / Median(shoal_s);
  std::printf("throughput ratio shoal/curl (medians of %d rounds, %zu MiB): %.2f\n", rounds, mib,
              ratio);
  std::printf("throughput ratio HttpSource alone/curl: %.2f\n", Median(curl_s) / Median(source_s));
  return 0;
}
