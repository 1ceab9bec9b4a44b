// shoald's figures against the in-process engine in the same run: jobs created per second,
// GetProgress per call from a client process (the handle's own cells, refreshed by the event
// stream) and in process (the JobView), restart time with 1,000 stored jobs, and the service's
// memory idle and with 1,000 jobs. Prints one "[figure]" line each.
#include <chrono>
#include <cstdio>
#include <fstream>
#include <string>
#include <thread>

#include "api/src/in_process_backend.h"
#include "api/src/service_backend.h"
#include "tests/integration/service_fixture.h"

namespace {

using Clock = std::chrono::steady_clock;
constexpr int kJobs = 1000;

class NoEvents final : public shoal::api::BackendEvents {
 public:
  void OnJobEvent(const shoal::api::BackendEvent&) override {}
};

[[noreturn]] void Die(const std::string& why) {
  std::fprintf(stderr, "service_bench: %s\n", why.c_str());
  std::exit(1);
}

long RssKib(int pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  }
  return -1;
}

double Seconds(Clock::time_point since) {
  return std::chrono::duration<double>(Clock::now() - since).count();
}

double CreatePerSecond(shoal::api::Backend& b) {
  const auto t0 = Clock::now();
  for (int i = 0; i < kJobs; ++i) {
    std::shared_ptr<const shoal::api::JobHandle> job;
    if (b.CreateJob("bench", &job) != 0) Die("CreateJob failed");
  }
  return kJobs / Seconds(t0);
}

double ProgressNs(const shoal::api::JobHandle& h) {
  constexpr int kCalls = 20'000'000;
  std::uint64_t sink = 0;
  const auto t0 = Clock::now();
  for (int i = 0; i < kCalls; ++i) sink += h.Progress().bytes_transferred;
  const double ns = Seconds(t0) * 1e9 / kCalls;
  if (sink == 42) std::printf(" ");
  return ns;
}

}  // namespace

int main() {
  shoal::testing::TempDir dir;
  shoal::testing::ServiceProcess service(dir.path().string(), {"--set", "max_jobs=5000"});
  std::string error;
  if (!service.Start(&error)) Die(error);
  std::this_thread::sleep_for(std::chrono::seconds(1));
  const long idle_kib = RssKib(service.pid());
  NoEvents events;
  auto client = shoal::api::ConnectServiceBackend(service.socket(), &events, &error);
  if (!client) Die(error);
  const double service_rate = CreatePerSecond(*client);
  const long loaded_kib = RssKib(service.pid());

  shoal::Settings settings;
  settings.listen_interface = "127.0.0.1:0";
  settings.max_jobs = 5000;
  settings.data_dir = dir / "inproc";
  auto local = shoal::api::StartInProcessBackend(settings, &events, &error);
  if (!local) Die(error);
  const double local_rate = CreatePerSecond(*local);

  const auto service_job = client->ListJobs(false).at(0);
  const auto local_job = local->ListJobs(false).at(0);
  const double service_ns = ProgressNs(*service_job);
  const double local_ns = ProgressNs(*local_job);

  client.reset();
  if (service.Terminate() != 0) Die("shoald did not stop cleanly: " + service.Log());
  const auto t0 = Clock::now();
  if (!service.Start(&error)) Die(error);
  client = shoal::api::ConnectServiceBackend(service.socket(), &events, &error);
  if (!client) Die(error);
  const std::size_t restored = client->ListJobs(false).size();
  const double restart_s = Seconds(t0);

  std::printf("[figure] jobs created per second: %.0f through shoald, %.0f in process (%.1fx)\n",
              service_rate, local_rate, local_rate / service_rate);
  std::printf(
      "[figure] GetProgress ns/call: %.2f client process (own cells), %.2f in process "
      "(%.2fx)\n",
      service_ns, local_ns, service_ns / local_ns);
  std::printf("[figure] restart with %zu stored jobs: %.2f s until they are listed\n", restored,
              restart_s);
  std::printf("[figure] shoald RSS: %ld KiB idle, %ld KiB with %d jobs\n", idle_kib, loaded_kib,
              kJobs);
  return restored == static_cast<std::size_t>(kJobs) ? 0 : 1;
}
