// The first minute of a lone client: no peer at all, content at 1, 3 and 16 MiB, fetched by an
// engine started for the job (as `shoal get` does; default policy: BITS NORMAL) against
// `curl -o` from the same loopback origin, alternating, in the same run. Two kinds of content:
// with a sidecar (`<url>.torrent` next to it on the origin: the engine fetches it, then the
// CDN's pieces) and without (the sidecar's 404, then plain HTTP). Prints, per size and kind,
// the medians of curl's time, shoal's (engine start to Complete's return), the ratio and the
// gap, and the engine's stop (which a CLI pays on exit too); the target is a gap of 0.2 s.
// Exits 1 only when a transfer failed. With --lsd the engine listens on 0.0.0.0, as `shoal get`
// does by default, so LSD runs (decision 0021: the CDN serves 256 KiB at a time in LSD's window);
// the bench then first moves itself into a network namespace of its own (root) whose only LAN is a
// veth pair inside it, so no multicast leaves the machine.
//   first_minute_bench [rounds] [--lsd]
#include <sched.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <string>
#include <vector>

#include "engine/engine.h"
#include "engine/metainfo.h"
#include "origin/http_origin.h"
#include "tests/support/fixtures.h"

namespace {

using Clock = std::chrono::steady_clock;
namespace fs = std::filesystem;

double Seconds(Clock::time_point since) {
  return std::chrono::duration<double>(Clock::now() - since).count();
}

double Curl(const std::string& url, const std::string& out) {
  const std::string cmd = "curl -s -f -o '" + out + "' '" + url + "'";
  const auto start = Clock::now();
  if (std::system(cmd.c_str()) != 0) return -1;
  return Seconds(start);
}

// Wakes the bench the moment the job leaves the active states (no polling interval).
class Ended final : public shoal::engine::JobObserver {
 public:
  void OnJobEvent(const shoal::engine::Uuid&, shoal::engine::JobEvent event) override {
    using shoal::engine::JobEvent;
    if (event != JobEvent::kTransferred && event != JobEvent::kError) return;
    std::lock_guard<std::mutex> lock(mu_);
    ended_ = true;
    cv_.notify_all();
  }
  bool Wait(std::chrono::seconds timeout) {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, timeout, [this] { return ended_; });
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool ended_ = false;
};

struct Run {
  double total_s = -1;  // engine start to Complete's return (the file at its path)
  double stop_s = -1;   // the engine's destructor
};

// A network namespace with loopback and a LAN of its own: a veth pair whose both ends are in it
// (this kernel has no dummy interfaces), so LSD's multicast reaches no other machine.
bool IsolateNetwork(std::string* error) {
  if (::unshare(CLONE_NEWNET) != 0) {
    *error = "unshare(CLONE_NEWNET) failed (run as root)";
    return false;
  }
  const char* cmd =
      "ip link set lo up && ip link add lan0 type veth peer name lan1 && "
      "ip addr add 10.213.0.2/24 dev lan0 && ip link set lan1 up && ip link set lan0 up";
  if (std::system(cmd) != 0) {
    *error = std::string("could not set up the namespace: ") + cmd;
    return false;
  }
  return true;
}

Run Shoal(const std::string& url, const std::string& out, bool lsd) {
  using shoal::engine::JobState;
  Run run;
  const auto start = Clock::now();
  shoal::engine::EngineOptions eo;
  // Loopback only: LSD does not run and the client is solitary (decision 0014); 0.0.0.0 is the
  // CLI's default: LSD runs, the client is lone but never solitary.
  eo.listen_interface = lsd ? "0.0.0.0:0" : "127.0.0.1:0";
  std::string error;
  Ended ended;
  auto engine = shoal::engine::Engine::Start(eo, &ended, &error);
  if (!engine) return run;
  std::shared_ptr<const shoal::engine::JobView> job;
  if (engine->CreateJob("bench", &job) != 0) return run;
  if (engine->AddFiles(job->id, {{url, out}}) != 0) return run;
  if (engine->Resume(job->id) != 0) return run;
  if (!ended.Wait(std::chrono::seconds(120)) || job->state.load() != JobState::kTransferred) {
    return run;
  }
  if (engine->Complete(job->id) != 0) return run;
  run.total_s = Seconds(start);
  const auto stop = Clock::now();
  engine.reset();
  run.stop_s = Seconds(stop);
  return run;
}

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  int rounds = 5;
  bool lsd = false;
  for (int i = 1; i < argc; ++i) {
    if (std::string(argv[i]) == "--lsd") {
      lsd = true;
    } else {
      rounds = std::max(1, std::atoi(argv[i]));
    }
  }
  if (std::string error; lsd && !IsolateNetwork(&error)) {
    // A figure, not a test: `make bench` as another user goes on without it, saying so.
    std::printf("first_minute_bench --lsd: NOT MEASURED: %s\n", error.c_str());
    return 0;
  }
  shoal::testing::TempDir root;
  shoal::testing::TempDir out;
  shoal::origin::HttpOriginOptions o;
  o.root = root.path().string();
  std::string error;
  auto origin = shoal::origin::HttpOrigin::Start(o, &error);
  if (!origin) {
    std::fprintf(stderr, "%s\n", error.c_str());
    return 1;
  }
  int missed = 0;
  std::printf("lone client, %s, median of %d rounds; target: gap to curl <= 0.2 s\n",
              lsd ? "listening on 0.0.0.0 (LSD on, own namespace)" : "loopback (LSD off)", rounds);
  std::printf("%-18s %9s %9s %8s %8s %8s\n", "content", "curl s", "shoal s", "ratio", "gap s",
              "stop s");
  for (const bool sidecar : {true, false}) {
    for (const std::size_t mib : {1, 3, 16}) {
      const std::string name = std::string(sidecar ? "s" : "p") + std::to_string(mib) + ".bin";
      shoal::testing::WriteRandomFile(root / name, mib << 20, static_cast<unsigned>(mib));
      if (sidecar) {
        shoal::engine::MetainfoSpec spec;
        spec.path = root / name;
        spec.web_seeds = {origin->BaseUrl() + "/" + name};
        std::string torrent;
        if (shoal::engine::CreateMetainfo(spec, &torrent, &error) != 0) {
          std::fprintf(stderr, "%s\n", error.c_str());
          return 1;
        }
        std::ofstream(root / (name + ".torrent"), std::ios::binary) << torrent;
      }
      const std::string url = origin->BaseUrl() + "/" + name;
      Curl(url, out / "warm.bin");  // the origin's page cache, for both sides
      fs::remove(out / "warm.bin");
      std::vector<double> curl_s, shoal_s, gap_s, stop_s;
      for (int r = 0; r < rounds; ++r) {
        const double c = Curl(url, out / "curl.bin");
        fs::remove(out / "curl.bin");
        const Run s = Shoal(url, out / "shoal.bin", lsd);
        fs::remove(out / "shoal.bin");
        if (c <= 0 || s.total_s <= 0) {
          std::fprintf(stderr, "%s round %d failed (curl %.3f, shoal %.3f)\n", name.c_str(), r, c,
                       s.total_s);
          return 1;
        }
        curl_s.push_back(c);
        shoal_s.push_back(s.total_s);
        gap_s.push_back(s.total_s - c);
        stop_s.push_back(s.stop_s);
      }
      const double gap = Median(gap_s);
      const std::string label =
          std::to_string(mib) + " MiB, " + (sidecar ? "sidecar" : "plain HTTP");
      std::printf("%-18s %9.3f %9.3f %8.1f %8.3f %8.3f %s\n", label.c_str(), Median(curl_s),
                  Median(shoal_s), Median(shoal_s) / Median(curl_s), gap, Median(stop_s),
                  gap <= 0.2 ? "(within 0.2 s)" : "(MISSES the 0.2 s target)");
      std::fflush(stdout);
      missed += gap <= 0.2 ? 0 : 1;
    }
  }
  // A figure, not a test: a missed target is reported, and `make bench` goes on.
  std::printf("%d of 6 within 0.2 s of curl\n", 6 - missed);
  return 0;
}
