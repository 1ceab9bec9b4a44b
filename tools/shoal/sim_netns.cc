#include "tools/shoal/sim_netns.h"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>

#include "tools/shoal/sim_process.h"

namespace shoal::cli {
namespace {

constexpr char kPrefix[] = "shoal-sim-";

// Runs argv, its stderr in *output; true when it exited 0.
bool RunTool(const std::vector<std::string>& argv, std::string* output) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return false;
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  const pid_t pid = ::fork();
  if (pid < 0) return false;
  if (pid == 0) {
    ::dup2(fds[1], 1);
    ::dup2(fds[1], 2);
    ::execvp(args[0], args.data());
    ::_exit(127);
  }
  ::close(fds[1]);
  output->clear();
  char buf[512];
  for (ssize_t n; (n = ::read(fds[0], buf, sizeof buf)) > 0;) output->append(buf, n);
  ::close(fds[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

void DeleteNs(const std::string& name) {
  std::string out;
  RunTool({"ip", "netns", "del", name}, &out);
}

// Namespaces named by a `shoal sim` that is no longer running (killed before it cleaned up).
// Returns how many it deleted.
int DeleteLeftovers() {
  std::string out;
  if (!RunTool({"ip", "netns", "list"}, &out)) return 0;
  std::istringstream lines(out);
  int deleted = 0;
  for (std::string line; std::getline(lines, line);) {
    const std::string name = line.substr(0, line.find(' '));
    if (name.rfind(kPrefix, 0) != 0) continue;
    const long pid = std::strtol(name.c_str() + std::strlen(kPrefix), nullptr, 10);
    if (pid > 0 && (::kill(static_cast<pid_t>(pid), 0) == 0 || errno != ESRCH)) continue;
    DeleteNs(name);
    ++deleted;
  }
  return deleted;
}

std::string Bits(std::uint64_t bits_per_s) { return std::to_string(bits_per_s) + "bit"; }

// A token bucket on dev's egress; the burst covers a 64 KiB GSO segment and 4 ms at the rate.
std::vector<std::string> Tbf(const std::string& ns, const std::string& dev, std::uint64_t bits) {
  const std::uint64_t burst = std::max<std::uint64_t>(256 << 10, bits / 8 / 250);
  return {"tc",
          "-n",
          ns,
          "qdisc",
          "add",
          "dev",
          dev,
          "root",
          "tbf",
          "rate",
          Bits(bits),
          "burst",
          std::to_string(burst),
          "latency",
          "100ms"};
}

}  // namespace

bool RunInNetns(const std::string& ns, const std::function<void()>& fn, std::string* error) {
  bool joined = false;
  std::string why;
  std::thread t([&] {
    const int fd = ::open(("/run/netns/" + ns).c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0 || ::setns(fd, CLONE_NEWNET) != 0) {
      why = "cannot join network namespace " + ns + ": " + std::strerror(errno);
      if (fd >= 0) ::close(fd);
      return;
    }
    ::close(fd);
    joined = true;
    fn();
  });
  t.join();
  if (!joined && error != nullptr) *error = why;
  return joined;
}

bool ListeningIn(const std::string& ns, const std::string& ip, int port) {
  if (ns.empty()) return Listening(ip, port);
  bool up = false;
  RunInNetns(
      ns, [&] { up = Listening(ip, port); }, nullptr);
  return up;
}

std::string NetSite::PeerNs(int i) const { return prefix_ + "p" + std::to_string(i); }
std::string NetSite::PeerIp(int i) { return "10.77.0." + std::to_string(10 + i); }
std::string NetSite::HelperNs(int k) const { return prefix_ + "h" + std::to_string(k); }
std::string NetSite::HelperIp(int k) { return "10.77.0." + std::to_string(9 - k); }
std::string NetSite::FarNs() const { return prefix_ + "far"; }
std::string NetSite::FarIp() { return "10.77.1.10"; }

bool NetSite::Run(const std::vector<std::string>& argv, std::string* error) {
  std::string out;
  if (RunTool(argv, &out)) return true;
  std::string cmd;
  for (const auto& a : argv) cmd += (cmd.empty() ? "" : " ") + a;
  while (!out.empty() && out.back() == '\n') out.pop_back();
  *error = "'" + cmd + "' failed: " + (out.empty() ? "no output" : out);
  return false;
}

bool NetSite::AddNs(const std::string& name, std::string* error) {
  if (!Run({"ip", "netns", "add", name}, error)) return false;
  made_.push_back(name);
  return Run({"ip", "-n", name, "link", "set", "lo", "up"}, error);
}

// A host namespace `ns` on `bridge` of the router: veth `port` (router side) to eth0, shaped
// both ways.
bool NetSite::AddHost(const std::string& ns, const std::string& port, const std::string& bridge,
                      const std::string& cidr, const std::string& gateway, std::uint64_t bits_per_s,
                      std::string* error) {
  const std::string& r = router_ns_;
  if (!AddNs(ns, error) ||
      !Run(
          {"ip", "-n", r, "link", "add", port, "type", "veth", "peer", "name", "eth0", "netns", ns},
          error) ||
      !Run({"ip", "-n", r, "link", "set", port, "master", bridge, "up"}, error) ||
      !Run({"ip", "-n", ns, "addr", "add", cidr, "dev", "eth0"}, error) ||
      !Run({"ip", "-n", ns, "link", "set", "eth0", "up"}, error) ||
      !Run({"ip", "-n", ns, "route", "add", "default", "via", gateway}, error)) {
    return false;
  }
  if (bits_per_s == 0) return true;
  return Run(Tbf(ns, "eth0", bits_per_s), error) && Run(Tbf(r, port, bits_per_s), error);
}

std::unique_ptr<NetSite> NetSite::Build(const NetSiteSpec& spec, std::string* error) {
  const std::string needs = "the netns site needs root (CAP_NET_ADMIN) and iproute2 (ip, tc)";
  if (::geteuid() != 0) {
    *error = needs + "; this process is not root";
    return nullptr;
  }
  if (!HaveTool("ip") || !HaveTool("tc")) {
    *error = needs + "; ip or tc is not on PATH";
    return nullptr;
  }
  for (int pass = 0; pass < 3 && DeleteLeftovers() > 0; ++pass) {
  }
  std::unique_ptr<NetSite> site(new NetSite());
  site->prefix_ = kPrefix + std::to_string(::getpid()) + "-";
  site->router_ns_ = site->prefix_ + "router";
  site->wan_ns_ = site->prefix_ + "wan";
  const std::string& r = site->router_ns_;
  const std::string& w = site->wan_ns_;
  *error = "";
  auto run = [&](const std::vector<std::string>& argv) { return site->Run(argv, error); };
  // The router: both LAN bridges (multicast flooded, so LSD needs no IGMP querier), forwarding.
  bool ok = site->AddNs(r, error);
  for (const char* br : {"br0", "br1"}) {
    ok = ok && run({"ip", "-n", r, "link", "add", br, "type", "bridge", "mcast_snooping", "0"});
  }
  ok = ok && run({"ip", "-n", r, "addr", "add", "10.77.0.1/24", "dev", "br0"}) &&
       run({"ip", "-n", r, "addr", "add", "10.77.1.1/24", "dev", "br1"}) &&
       run({"ip", "-n", r, "link", "set", "br0", "up"}) &&
       run({"ip", "-n", r, "link", "set", "br1", "up"});
  if (ok) {
    RunInNetns(
        r, [&] { ok = static_cast<bool>(std::ofstream("/proc/sys/net/ipv4/ip_forward") << "1"); },
        error);
    if (!ok && error->empty()) *error = "cannot turn on IPv4 forwarding in " + r;
  }
  // The WAN: origin and tracker behind the router's wan0, shaped each way.
  ok = ok && site->AddNs(w, error) &&
       run({"ip", "-n", r, "link", "add", "wan0", "type", "veth", "peer", "name", "eth0", "netns",
            w}) &&
       run({"ip", "-n", r, "addr", "add", "198.51.100.1/24", "dev", "wan0"}) &&
       run({"ip", "-n", r, "link", "set", "wan0", "up"}) &&
       run({"ip", "-n", w, "addr", "add", std::string(kOriginIp) + "/24", "dev", "eth0"}) &&
       run({"ip", "-n", w, "addr", "add", std::string(kTrackerIp) + "/24", "dev", "eth0"}) &&
       run({"ip", "-n", w, "link", "set", "eth0", "up"}) &&
       run({"ip", "-n", w, "route", "add", "10.77.0.0/16", "via", "198.51.100.1"});
  if (ok) {
    // netem where the kernel has it (delay on the way in), else the caller models latency.
    std::string unused;
    if (spec.wan_latency_ms > 0 && spec.wan_bytes_per_s > 0) {
      site->netem_ = site->Run({"tc", "-n", w, "qdisc", "add", "dev", "eth0", "root", "netem",
                                "delay", std::to_string(spec.wan_latency_ms) + "ms", "rate",
                                Bits(spec.wan_bytes_per_s * 8), "limit", "100000"},
                               &unused);
    }
    if (spec.wan_bytes_per_s > 0) {
      ok = (site->netem_ || run(Tbf(w, "eth0", spec.wan_bytes_per_s * 8))) &&
           run(Tbf(r, "wan0", spec.wan_bytes_per_s * 8));
    }
  }
  for (int i = 0; ok && i < spec.peers; ++i) {
    ok = site->AddHost(site->PeerNs(i), "p" + std::to_string(i), "br0", PeerIp(i) + "/24",
                       "10.77.0.1", spec.lan_bits_per_s, error);
  }
  for (int k = 0; ok && k < spec.lan_helpers; ++k) {
    ok = site->AddHost(site->HelperNs(k), "h" + std::to_string(k), "br0", HelperIp(k) + "/24",
                       "10.77.0.1", spec.lan_bits_per_s, error);
  }
  if (ok && spec.far_peer) {
    ok = site->AddHost(site->FarNs(), "far", "br1", FarIp() + "/24", "10.77.1.1",
                       spec.lan_bits_per_s, error);
  }
  if (!ok) return nullptr;  // the destructor deletes what was made
  return site;
}

NetSite::~NetSite() {
  for (auto it = made_.rbegin(); it != made_.rend(); ++it) DeleteNs(*it);
}

}  // namespace shoal::cli
