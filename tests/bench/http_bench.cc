// One large file over plain HTTP from a loopback origin: shoal's HTTP source (an engine job
// with no metainfo, and the source alone) against `curl -o` from the same origin, alternating,
// in the same run; first from shoal's own origin, then from nginx (the reference).
// Prints each round, the throughput ratios (1.00 = as fast as curl) and, against nginx, the
// ratio of CPU time (which the other load on a shared machine moves far less than wall time).
//   http_bench [MiB] [rounds] [nginx]      ("nginx": skip the rounds against shoal's origin)
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

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

// CPU seconds (user + system) of this process (`who` = RUSAGE_SELF) or of its waited-for
// children (RUSAGE_CHILDREN), so far.
double CpuSeconds(int who) {
  rusage u{};
  ::getrusage(who, &u);
  auto s = [](const timeval& t) { return static_cast<double>(t.tv_sec) + t.tv_usec / 1e6; };
  return s(u.ru_utime) + s(u.ru_stime);
}

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

// nginx serving `root` on a free loopback port, as a child process, for as long as it lives:
// the reference origin (sendfile, as a CDN edge serves). Empty url() if it is missing.
class Nginx {
 public:
  explicit Nginx(const fs::path& root, const fs::path& dir) {
    if (::access("/usr/sbin/nginx", X_OK) != 0) return;
    const int port = FreePort();
    if (port <= 0) return;
    std::FILE* conf = std::fopen((dir / "nginx.conf").c_str(), "w");
    if (conf == nullptr) return;
    std::fprintf(conf,
                 "daemon off; master_process off; worker_processes 1;\n"
                 "pid %s/nginx.pid; error_log %s/error.log;\n"
                 "events { worker_connections 64; }\n"
                 "http { access_log off; sendfile on; default_type application/octet-stream;\n"
                 "  server { listen 127.0.0.1:%d; root %s; } }\n",
                 dir.c_str(), dir.c_str(), port, root.c_str());
    std::fclose(conf);
    pid_ = ::fork();
    if (pid_ == 0) {
      const std::string prefix = dir.string() + "/", file = (dir / "nginx.conf").string();
      ::execl("/usr/sbin/nginx", "nginx", "-p", prefix.c_str(), "-c", file.c_str(),
              static_cast<char*>(nullptr));
      ::_exit(127);
    }
    const std::string base = "http://127.0.0.1:" + std::to_string(port);
    if (pid_ > 0 &&
        shoal::testing::WaitFor([&] { return Connects(port); }, std::chrono::seconds(10))) {
      url_ = base;
    }
  }
  ~Nginx() {
    if (pid_ > 0) {
      ::kill(pid_, SIGTERM);
      ::waitpid(pid_, nullptr, 0);
    }
  }
  const std::string& url() const { return url_; }

 private:
  static int FreePort() {
    const int s = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    int port = -1;
    if (::bind(s, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 &&
        ::getsockname(s, reinterpret_cast<sockaddr*>(&a), &len) == 0) {
      port = ntohs(a.sin_port);
    }
    ::close(s);
    return port;
  }
  static bool Connects(int port) {
    const int s = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons(static_cast<std::uint16_t>(port));
    const bool ok = ::connect(s, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
    ::close(s);
    return ok;
  }
  pid_t pid_ = -1;
  std::string url_;
};

// curl against shoal (an engine job, and the HTTP source alone) from one origin, alternating.
// Returns false if a round failed.
bool Compare(const char* origin_name, bool external_origin, const std::string& url, std::size_t mib,
             int rounds, shoal::engine::Engine& engine, shoal::engine::HttpSource& source,
             const shoal::testing::TempDir& out) {
  // Warm the origin's page cache so neither side pays for the first read.
  Curl(url, out / "warm.bin");
  fs::remove(out / "warm.bin");
  std::vector<double> curl_s, shoal_s, source_s, curl_cpu, shoal_cpu;
  std::printf("%-24s %10s %12s %8s   (origin: %s)\n", "plain HTTP, loopback", "seconds", "MiB/s",
              "CPU s", origin_name);
  for (int r = 0; r < rounds; ++r) {
    // Each file removed, and the disk let settle, before the next transfer starts; the order
    // turns every round, so neither side always follows the same one.
    auto settled = [&](const char* name) {
      fs::remove(out / name);
      ::sync();
    };
    double c = 0, s = 0, h = 0;
    auto run_curl = [&] {
      const double cpu = CpuSeconds(RUSAGE_CHILDREN);
      c = Curl(url, out / "curl.bin");
      curl_cpu.push_back(CpuSeconds(RUSAGE_CHILDREN) - cpu);
      settled("curl.bin");
    };
    auto run_shoal = [&] {
      const double cpu = CpuSeconds(RUSAGE_SELF);
      s = Shoal(engine, url, out / "shoal.bin");
      shoal_cpu.push_back(CpuSeconds(RUSAGE_SELF) - cpu);
      settled("shoal.bin");
      h = SourceOnly(source, url, out / "source.bin");
      settled("source.bin");
    };
    if (r % 2 == 0) {
      run_curl();
      run_shoal();
    } else {
      run_shoal();
      run_curl();
    }
    if (c <= 0 || s <= 0 || h <= 0) {
      std::fprintf(stderr, "%s: round %d failed (curl %.2f, shoal %.2f)\n", origin_name, r, c, s);
      return false;
    }
    curl_s.push_back(c);
    shoal_s.push_back(s);
    source_s.push_back(h);
    std::printf("%-24s %10.2f %12.1f %8.2f\n", "curl -o", c, mib / c, curl_cpu.back());
    std::printf("%-24s %10.2f %12.1f %8.2f\n", "shoal (engine job)", s, mib / s, shoal_cpu.back());
    std::printf("%-24s %10.2f %12.1f\n", "HttpSource alone", h, mib / h);
  }
  std::printf("%s: throughput ratio shoal/curl (medians of %d rounds, %zu MiB): %.2f\n",
              origin_name, rounds, mib, Median(curl_s) / Median(shoal_s));
  std::printf("%s: throughput ratio HttpSource alone/curl: %.2f\n", origin_name,
              Median(curl_s) / Median(source_s));
  // Wall time on a shared machine swings with the other load; CPU time per byte does not. It
  // is like for like only when the origin runs in another process (nginx): shoal's own origin
  // runs in this one and its sending is counted with shoal.
  if (external_origin) {
    std::printf("%s: CPU ratio curl/shoal (medians; > 1: shoal costs less): %.2f\n", origin_name,
                Median(curl_cpu) / Median(shoal_cpu));
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  const std::size_t mib = argc > 1 ? std::stoul(argv[1]) : 512;
  const int rounds = argc > 2 ? std::stoi(argv[2]) : 3;
  const bool nginx_only = argc > 3 && std::string(argv[3]) == "nginx";
  shoal::testing::TempDir root;
  shoal::testing::TempDir out;
  shoal::testing::TempDir nginx_dir;
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
  auto source = shoal::engine::MakeCurlHttpSource({});
  if (!nginx_only && !Compare("shoal's origin", false, origin->BaseUrl() + "/big.bin", mib, rounds,
                              *engine, *source, out)) {
    return 1;
  }
  const Nginx nginx(root.path(), nginx_dir.path());
  if (nginx.url().empty()) {
    std::printf("nginx: not installed or did not start (tools/bootstrap.sh installs it)\n");
    return 1;
  }
  return Compare("nginx", true, nginx.url() + "/big.bin", mib, rounds, *engine, *source, out) ? 0
                                                                                              : 1;
}
