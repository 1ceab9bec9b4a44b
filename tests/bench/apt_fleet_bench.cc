// apt on N client machines fetching one package set from one WAN-capped origin (issue 12), in
// one run, each way after the other against the same origin:
//   plain         every machine from the mirror (N x the set over the WAN);
//   apt-cacher-ng every machine through apt-cacher-ng (Debian's package) as its HTTP proxy;
//   shoal node    every machine through the shoal cache node (shoald --cache-node) as its HTTP
//                 proxy (no shoal on the machines: what curl, wget and apt get from the node);
//   shoal swarm   every machine runs its own shoald (cache_host = the node, its key, the other
//                 machines as configured peers) and apt the shoal method: the node's signed
//                 metainfo, pieces from the other machines first, the node second.
// Each machine is its own folder of apt state, cache and sources (apt-get -o Dir::...), all
// running `apt-get update` and `install --download-only` of every package at once. Prints, per
// way: makespan, origin .deb bytes / set, bytes the proxy or node sent / set (for the node: to
// clients and to peers, by its own counters), apt's exit codes, and every .deb checked
// byte-exact; then each makespan as a ratio to plain's. With `size_mib`, every package is that
// large (issue 11's one larger plain-URL file: `apt_fleet_bench 8 1 16 64`); else packages
// grow from 0.2 MiB by 40 kB each. With APT_FLEET_TRACE=1 (or =DIR, which keeps the logs) the
// swarm's shoalds log at debug level and each machine's sources are counted from its log.
//   apt_fleet_bench [machines=8] [packages=24] [wan_mib_per_s=16] [size_mib]
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "origin/http_origin.h"
#include "tests/support/apt_repo.h"
#include "tests/support/child_process.h"
#include "tests/support/fixtures.h"

namespace {

using Clock = std::chrono::steady_clock;
namespace fs = std::filesystem;
namespace t = shoal::testing;

// Thrown by Die and caught in main, so the children (apt-cacher-ng, the shoalds, the node)
// are killed by their destructors on the way out; std::exit would leave them running.
struct Fatal {
  std::string why;
};

[[noreturn]] void Die(const std::string& why) { throw Fatal{why}; }

sockaddr_in Loopback(std::uint16_t port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(port);
  return a;
}

// A free port below 32768, where the kernel's ephemeral ports start: apt-cacher-ng 3.7 neither
// binds a port above 32767 ("Error resolving address for binding") nor connects to one
// (503 "Connection refused"). Each call moves on, so two calls give two ports.
std::uint16_t FreePort() {
  static std::uint16_t next = 23142;
  for (std::uint16_t port = next; port < 32000; port += 7) {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    const sockaddr_in a = Loopback(port);
    const bool free = ::bind(fd, reinterpret_cast<const sockaddr*>(&a), sizeof a) == 0;
    ::close(fd);
    if (free) {
      next = port + 7;
      return port;
    }
  }
  Die("no free port below 32000");
}

bool Answers(std::uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  const sockaddr_in a = Loopback(port);
  const bool ok = ::connect(fd, reinterpret_cast<const sockaddr*>(&a), sizeof a) == 0;
  ::close(fd);
  return ok;
}

// shoald for one "machine" in `dir` (user mode, its own socket, state and store).
std::unique_ptr<t::Child> StartShoald(const std::string& dir, std::vector<std::string> extra,
                                      std::vector<std::string> env = {}) {
  std::vector<std::string> args = {SHOALD,         "--user",        "--no-config",
                                   "--socket",     dir + "/s.sock", "--state-dir",
                                   dir + "/state", "--cache-dir",   dir + "/cache"};
  if (std::find(extra.begin(), extra.end(), "--listen") == extra.end()) {
    args.insert(args.end(), {"--listen", "127.0.0.1:0"});
  }
  args.insert(args.end(), extra.begin(), extra.end());
  return std::make_unique<t::Child>(args, dir + "/log", std::move(env));
}

// Bytes the node sent, by its /shoal/v1/stats: to clients (from its store and from fills) and
// to peers (its BitTorrent seeds).
struct NodeBytes {
  std::uint64_t store = 0, fill = 0, peers = 0;
  std::uint64_t total() const { return store + fill + peers; }
};

NodeBytes NodeEgress(const std::string& node_url) {
  FILE* p = ::popen(("curl -s --noproxy '*' " + node_url + "/shoal/v1/stats").c_str(), "r");
  if (p == nullptr) return {};
  std::string text;
  char buf[4096];
  for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, p)) > 0;) text.append(buf, n);
  ::pclose(p);
  const nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
  if (!j.is_object()) Die("the node's stats are not JSON: " + text);
  NodeBytes b;
  b.store = j.value("bytes_to_clients_from_store", std::uint64_t{0});
  b.fill = j.value("bytes_to_clients_from_fill", std::uint64_t{0});
  b.peers = j.value("bytes_to_peers", std::uint64_t{0});
  return b;
}

// What one swarm machine's debug log says of its sources (the pump's and the cache client's
// lines, engine/cdn_pump.cc): piece requests and runs sent to the node, files whose metainfo
// came from the node (and with its seed as a peer), files that got a piece from a peer.
void PrintTrace(int machine, const std::string& log) {
  const std::string text = t::ReadFile(log);
  if (const char* keep = std::getenv("APT_FLEET_TRACE"); fs::is_directory(keep)) {
    t::WriteFile(std::string(keep) + "/machine-" + std::to_string(machine) + ".log", text);
  }
  auto count = [&](const std::string& needle) {
    std::size_t n = 0;
    for (std::size_t at = text.find(needle); at != std::string::npos;
         at = text.find(needle, at + 1)) {
      ++n;
    }
    return n;
  };
  std::printf("  machine %d: metainfo from node %zu (seed peer %zu), node piece requests %zu, "
              "node runs %zu, files with a piece from a peer %zu\n",
              machine, count("metainfo from cache node"), count(", seeded at "),
              count(" peers)\n"), count(": run of pieces"),
              count("first piece from a peer"));
}

struct Result {
  std::string way;
  double makespan_s = 0;
  std::uint64_t origin_bytes = 0;
  // What the proxy or node sent: for apt-cacher-ng the .deb bytes the machines got through it;
  // for the shoal node its own counters (to clients and to peers).
  std::uint64_t proxy_egress = 0;
  std::vector<int> exit_codes;
  bool byte_exact = true;
};

// The machines of one way: update, then install --download-only of every package, all at once.
Result RunFleet(const std::string& way, const std::string& work, const t::AptRepo& repo,
                const shoal::origin::HttpOrigin& origin, int machines, int packages,
                const std::string& proxy, const std::vector<std::string>& sockets = {}) {
  Result r;
  r.way = way;
  std::uint64_t before = 0;
  for (int i = 0; i < packages; ++i) before += origin.BytesServed("/pool/" + t::AptDeb(i));
  std::string all;
  for (int i = 0; i < packages; ++i) all += " " + t::AptPackage(i);
  const std::string options = proxy.empty() ? "" : "-o Acquire::http::Proxy=" + proxy;
  std::vector<std::string> dirs;
  for (int m = 0; m < machines; ++m) {
    std::string slug = way;
    for (char& c : slug) c = c == ' ' ? '-' : c;  // the folders go into shell command lines
    dirs.push_back(work + "/" + slug + "-" + std::to_string(m));
    t::MakeAptClient(dirs.back(), "deb [trusted=yes] " +
                                      std::string(sockets.empty() ? "" : "shoal+") +
                                      origin.BaseUrl() + "/ ./");
  }
  r.exit_codes.assign(machines, -1);
  const auto start = Clock::now();
  std::vector<std::thread> threads;
  for (int m = 0; m < machines; ++m) {
    threads.emplace_back([&, m] {
      // The method talks to the machine's own shoald; not sandboxed (as root, apt would run it
      // as _apt, which cannot reach the bench's folders).
      const std::string apt =
          sockets.empty() ? t::AptGet(dirs[m], "", options)
                          : "SHOAL_SOCKET=" + sockets[m] + " " +
                                t::AptGet(dirs[m], SHOAL_APT_METHOD, "-o APT::Sandbox::User=root");
      const std::string log = " >>" + dirs[m] + "/apt.log 2>&1";
      int code = t::Shell(apt + " update" + log);
      if (code == 0) code = t::Shell(apt + " install --download-only -y" + all + log);
      r.exit_codes[m] = code;
    });
  }
  for (auto& th : threads) th.join();
  r.makespan_s = std::chrono::duration<double>(Clock::now() - start).count();
  for (int m = 0; m < machines; ++m) {
    if (r.exit_codes[m] != 0) {
      std::printf("%s, machine %d: apt-get exited %d:\n%s\n", way.c_str(), m, r.exit_codes[m],
                  t::ReadFile(dirs[m] + "/apt.log").c_str());
      break;
    }
  }
  for (int i = 0; i < packages; ++i) r.origin_bytes += origin.BytesServed("/pool/" + t::AptDeb(i));
  r.origin_bytes -= before;
  for (int m = 0; m < machines; ++m) {
    for (int i = 0; i < packages; ++i) {
      const std::string got = dirs[m] + "/cache/archives/" + t::AptDeb(i);
      if (!fs::exists(got) || t::ReadFile(got) != t::ReadFile(repo.debs[i])) {
        r.byte_exact = false;
      } else if (!proxy.empty()) {
        r.proxy_egress += fs::file_size(got);
      }
    }
  }
  return r;
}

int Run(int argc, char** argv) {
  const int machines = argc > 1 ? std::atoi(argv[1]) : 8;
  const int packages = argc > 2 ? std::atoi(argv[2]) : 24;
  const int wan_mib = argc > 3 ? std::atoi(argv[3]) : 16;
  const int size_mib = argc > 4 ? std::atoi(argv[4]) : 0;
  if (machines < 1 || packages < 1 || wan_mib < 1 || size_mib < 0) {
    Die("usage: apt_fleet_bench [N] [P] [MiB/s] [size MiB]");
  }
  const bool trace = std::getenv("APT_FLEET_TRACE") != nullptr;
  t::TempDir work;
  t::AptRepo repo;
  std::string error;
  const std::size_t first = size_mib > 0 ? std::size_t(size_mib) << 20 : 200'000;
  if (!t::BuildAptRepo(work / "repo", work / "build", packages, first, size_mib > 0 ? 0 : 40'000,
                       &repo, &error)) {
    Die(error);
  }
  // A mirror's pool files were uploaded days ago: their Last-Modified gives a caching proxy
  // its heuristic freshness (RFC 9111 4.2.2: 10 % of the age). Files made a second ago would
  // be stale at once and revalidated on every request (this origin answers those with 200).
  if (t::Shell("touch -d '30 days ago' " + repo.root + "/pool/*.deb") != 0) Die("touch failed");
  shoal::origin::HttpOriginOptions o;
  o.root = repo.root;
  o.rate_limit_bytes_per_s = static_cast<std::uint64_t>(wan_mib) << 20;
  o.threads = 2;
  o.port = FreePort();  // apt-cacher-ng cannot reach an origin port above 32767 either
  auto origin = shoal::origin::HttpOrigin::Start(o, &error);
  if (!origin) Die(error);
  std::printf("%d machines, %d packages (%.1f MiB), origin capped at %d MiB/s\n", machines,
              packages, repo.bytes / 1048576.0, wan_mib);

  std::vector<Result> results;
  results.push_back(RunFleet("plain", work.path(), repo, *origin, machines, packages, ""));

  const char* acng = "/usr/sbin/apt-cacher-ng";
  if (::access(acng, X_OK) == 0) {
    const std::string d = work / "acng";
    fs::create_directories(d + "/cache");
    fs::create_directories(d + "/log");
    const std::uint16_t port = FreePort();
    t::Child node({acng, "-c", "/etc/apt-cacher-ng", "ForeGround=1", "Port=" + std::to_string(port),
                   "BindAddress=127.0.0.1", "CacheDir=" + d + "/cache", "LogDir=" + d + "/log",
                   "SocketPath=" + d + "/socket", "PidFile=" + d + "/pid",
                   // the origin's port (its default allows 80 only)
                   "AllowUserPorts=" + std::to_string(origin->port())},
                  d + "/stderr");
    if (!t::WaitFor([&] { return Answers(port); }, std::chrono::seconds(20))) {
      Die("apt-cacher-ng did not start: " + t::ReadFile(d + "/stderr"));
    }
    results.push_back(RunFleet("apt-cacher-ng", work.path(), repo, *origin, machines, packages,
                               "http://127.0.0.1:" + std::to_string(port)));
  } else {
    std::printf("apt-cacher-ng: NOT RUN (%s missing: apt-get install apt-cacher-ng)\n", acng);
  }

  // The node: shoald in its cache role, with a signing key for its metainfo; a cold one (an
  // empty store of its own) for each way that uses it.
  const std::string keys = work / "keys";
  fs::create_directories(keys);
  if (t::Shell("openssl genpkey -algorithm ed25519 -out " + keys + "/key.pem 2>/dev/null && " +
               "openssl pkey -in " + keys + "/key.pem -pubout -out " + keys + "/pub.pem") != 0) {
    Die("openssl could not make the node's key");
  }
  std::uint16_t node_port = 0;
  std::string node_url;
  std::unique_ptr<t::Child> node;
  auto start_node = [&](const std::string& name) {
    node.reset();  // the previous node, killed
    const std::string nd = work / name;
    fs::create_directories(nd);
    node_port = FreePort();
    node_url = "http://127.0.0.1:" + std::to_string(node_port);
    node = StartShoald(
        nd, {"--cache-node", "127.0.0.1:" + std::to_string(node_port), "--allow-local-origins",
             "--set", "cache_node_signing_key=" + keys + "/key.pem"});
    if (!t::WaitFor([&] { return Answers(node_port); }, std::chrono::seconds(20))) {
      Die("the shoal cache node did not start: " + t::ReadFile(nd + "/log"));
    }
  };
  start_node("node");
  results.push_back(
      RunFleet("shoal node", work.path(), repo, *origin, machines, packages, node_url));
  results.back().proxy_egress = NodeEgress(node_url).total();
  start_node("node-swarm");
  const std::string nd = work / "keys";

  // The swarm: a shoald per machine, each on its own port, the others as its peers.
  std::vector<std::uint16_t> ports;
  for (int m = 0; m < machines; ++m) ports.push_back(FreePort());
  std::vector<std::unique_ptr<t::Child>> services;
  std::vector<std::string> sockets;
  for (int m = 0; m < machines; ++m) {
    std::string peers;
    for (int o = 0; o < machines; ++o) {
      if (o != m)
        peers += (peers.empty() ? "" : ",") + std::string("127.0.0.1:") + std::to_string(ports[o]);
    }
    const std::string d = work / ("svc-" + std::to_string(m));
    fs::create_directories(d);
    services.push_back(StartShoald(
        d,
        {"--listen", "127.0.0.1:" + std::to_string(ports[m]), "--set", "peers=" + peers, "--set",
         "cache_host=127.0.0.1:" + std::to_string(node_port), "--set",
         "cache_public_key=" + nd + "/pub.pem"},
        trace ? std::vector<std::string>{"SHOAL_LOG_LEVEL=debug"} : std::vector<std::string>{}));
    sockets.push_back(d + "/s.sock");
  }
  for (const std::string& sock : sockets) {
    if (!t::WaitFor([&] { return fs::exists(sock); }, std::chrono::seconds(20))) {
      Die("a machine's shoald did not start: " + sock);
    }
  }
  results.push_back(
      RunFleet("shoal swarm", work.path(), repo, *origin, machines, packages, "", sockets));
  const NodeBytes swarm = NodeEgress(node_url);
  results.back().proxy_egress = swarm.total();
  const double set = static_cast<double>(repo.bytes);
  std::printf("shoal swarm: node egress / set: %.2f to clients from the store (HTTP pieces and "
              "runs), %.2f from fills, %.2f to BitTorrent peers (its seeds)\n",
              swarm.store / set, swarm.fill / set, swarm.peers / set);
  if (trace) {
    for (int m = 0; m < machines; ++m) {
      PrintTrace(m, work / ("svc-" + std::to_string(m)) + "/log");
    }
  }

  std::printf("%-14s %10s %12s %14s %10s %s\n", "way", "makespan s", "origin/set",
              "node egress/set", "byte-exact", "apt exit codes");
  for (const Result& r : results) {
    std::string codes;
    for (int c : r.exit_codes) codes += std::to_string(c) + " ";
    std::printf("%-14s %10.2f %12.2f %16.2f %10s %s\n", r.way.c_str(), r.makespan_s,
                r.origin_bytes / static_cast<double>(repo.bytes),
                r.proxy_egress / static_cast<double>(repo.bytes), r.byte_exact ? "yes" : "NO",
                codes.c_str());
  }
  for (const Result& r : results) {
    std::printf("makespan ratio %s/plain: %.2f\n", r.way.c_str(),
                r.makespan_s / results.front().makespan_s);
  }
  bool ok = true;
  for (const Result& r : results) {
    for (int c : r.exit_codes) ok = ok && c == 0;
    ok = ok && r.byte_exact;
  }
  return ok ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return Run(argc, argv);
  } catch (const Fatal& f) {
    std::fprintf(stderr, "apt_fleet_bench: %s\n", f.why.c_str());
    return 1;
  }
}
