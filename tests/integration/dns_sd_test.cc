// Cache nodes found over DNS-SD (decision 0019) on the emulated site: peer 0 runs shoald in
// the cache role, peer 1 a `shoal get` with no cache_host. Each has its own avahi-daemon on a
// D-Bus bus of its own (as two machines would), and mDNS crosses the site's bridge. A client
// configured with the node's key takes the node's metainfo; one with another key ignores the
// node; one with discovery off never hears of it. Needs root (namespaces); skips, saying why,
// otherwise (Lan.*: .ci/run fails when they skipped).
#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "origin/http_origin.h"
#include "tests/support/child_process.h"
#include "tests/support/fixtures.h"
#include "tools/shoal/sim_netns.h"

namespace shoal::testing {
namespace {

namespace fs = std::filesystem;
constexpr std::size_t kSize = 8 << 20;
constexpr const char* kIp = "/usr/sbin/ip";
constexpr int kNodePort = 3144;

// One machine's D-Bus system bus and avahi-daemon: the bus a private socket under `dir`, the
// daemon in namespace `ns` with a mount namespace of its own for its runtime folder.
class Avahi {
 public:
  bool Start(const std::string& ns, const fs::path& dir, const std::string& host,
             std::string* why) {
    fs::create_directories(dir);
    bus_ = "unix:path=" + (dir / "bus").string();
    std::ofstream(dir / "bus.conf")
        << "<!DOCTYPE busconfig PUBLIC \"-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN\" "
           "\"http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd\">\n"
           "<busconfig><type>system</type><listen>"
        << bus_
        << "</listen><auth>EXTERNAL</auth><policy context=\"default\"><allow user=\"*\"/>"
           "<allow own=\"*\"/><allow send_destination=\"*\"/><allow receive_sender=\"*\"/>"
           "</policy></busconfig>\n";
    std::ofstream(dir / "avahi.conf") << "[server]\nhost-name=" << host
                                      << "\nuse-ipv4=yes\nuse-ipv6=no\nenable-dbus=yes\n"
                                         "[wide-area]\nenable-wide-area=no\n"
                                         "[publish]\npublish-hinfo=no\npublish-workstation=no\n";
    bus_daemon_ = std::make_unique<Child>(
        std::vector<std::string>{"/usr/bin/dbus-daemon", "--nofork", "--nopidfile",
                                 "--config-file=" + (dir / "bus.conf").string()},
        dir / "dbus.err");
    if (!WaitFor([&] { return fs::exists(dir / "bus"); }, std::chrono::seconds(10))) {
      *why = "dbus-daemon did not start: " + ReadFile(dir / "dbus.err");
      return false;
    }
    fs::create_directories("/run/avahi-daemon");
    daemon_ = std::make_unique<Child>(
        std::vector<std::string>{kIp, "netns", "exec", ns, "unshare", "-m", "sh", "-c",
                                 "mount -t tmpfs tmpfs /run/avahi-daemon && exec "
                                 "/usr/sbin/avahi-daemon --no-drop-root --no-chroot "
                                 "--no-rlimits -f " +
                                     (dir / "avahi.conf").string()},
        dir / "avahi.err", Env());
    if (!WaitFor([&] { return ReadFile(dir / "avahi.err").find("startup complete") !=
                              std::string::npos; },
                 std::chrono::seconds(20))) {
      *why = "avahi-daemon did not start: " + ReadFile(dir / "avahi.err");
      return false;
    }
    return true;
  }
  std::vector<std::string> Env() const { return {"DBUS_SYSTEM_BUS_ADDRESS=" + bus_}; }

 private:
  std::string bus_;
  std::unique_ptr<Child> bus_daemon_;
  std::unique_ptr<Child> daemon_;  // after the bus: destroyed first
};

class DnsSdSite {
 public:
  bool Build(std::string* why) {
    if (geteuid() != 0) {
      *why = "needs root for network namespaces";
      return false;
    }
    for (const char* tool : {"/usr/bin/dbus-daemon", "/usr/sbin/avahi-daemon"}) {
      if (!fs::exists(tool)) {
        *why = std::string(tool) + " is not installed (tools/bootstrap.sh installs it)";
        return false;
      }
    }
    cli::NetSiteSpec spec;
    spec.peers = 2;
    spec.wan_bytes_per_s = 32 << 20;
    net_ = cli::NetSite::Build(spec, why);
    if (!net_) return false;
    fs::create_directory(dir_ / "www");
    content_ = WriteRandomFile(dir_ / "www/f.bin", kSize, 7);
    // Dated back as a mirror's files are: made a second ago, it would be stale to the node at
    // once (heuristic freshness is a tenth of its age) and revalidated on every request.
    fs::last_write_time(dir_ / "www/f.bin",
                        fs::file_time_type::clock::now() - std::chrono::hours(24 * 30));
    const bool ok = cli::RunInNetns(
        net_->wan_ns(),
        [&] {
          origin::HttpOriginOptions o;
          o.bind_address = cli::NetSite::kOriginIp;
          o.root = dir_ / "www";
          origin_ = origin::HttpOrigin::Start(o, why);
        },
        why);
    if (!ok || !origin_) return false;
    url_ = "http://" + std::string(cli::NetSite::kOriginIp) + ":" +
           std::to_string(origin_->port()) + "/f.bin";
    return node_avahi_.Start(net_->PeerNs(0), dir_ / "avahi0", "node", why) &&
           client_avahi_.Start(net_->PeerNs(1), dir_ / "avahi1", "client", why) &&
           MakeKey("node", why) && MakeKey("other", why);
  }

  bool MakeKey(const std::string& name, std::string* why) {
    const std::string key = dir_ / (name + ".pem"), pub = dir_ / (name + ".pub");
    const bool made =
        Child({"/usr/bin/openssl", "genpkey", "-algorithm", "ed25519", "-out", key},
              dir_ / "openssl.err")
                .Wait() == 0 &&
        Child({"/usr/bin/openssl", "pkey", "-in", key, "-pubout", "-out", pub},
              dir_ / "openssl.err")
                .Wait() == 0;
    if (made) return true;
    *why = "openssl could not make a key: " + ReadFile(dir_ / "openssl.err");
    return false;
  }

  // shoald in the cache role in peer 0's namespace, announced through its avahi-daemon.
  bool StartNode() {
    const std::string ip = cli::NetSite::PeerIp(0);
    std::vector<std::string> argv = {kIp, "netns", "exec", net_->PeerNs(0), SHOALD,
                                     "--user", "--no-config",
                                     "--socket", dir_ / "node.sock",
                                     "--state-dir", dir_ / "node-state",
                                     "--cache-dir", dir_ / "node-cache",
                                     "--listen", ip + ":0",
                                     "--cache-node", ip + ":" + std::to_string(kNodePort),
                                     "--set", "cache_node_signing_key=" + (dir_ / "node.pem")};
    node_ = std::make_unique<Child>(argv, dir_ / "node.err", node_avahi_.Env());
    return WaitFor([&] { return ReadFile(dir_ / "node.err").find("dns-sd: published") !=
                                std::string::npos; },
                   std::chrono::seconds(30));
  }

  struct Got {
    int exit_code = -1;
    nlohmann::json summary;
    std::string log;
    bool byte_exact = false;
  };
  // `shoal get URL` in peer 1's namespace: no cache_host, no peers, `sets` beside.
  Got Get(const std::vector<std::string>& sets) {
    const std::string out = dir_ / "got.bin";
    fs::remove(out);
    std::vector<std::string> argv = {kIp,   "netns", "exec", net_->PeerNs(1), SHOAL_CLI,
                                     "get", url_,    "-o",   out,             "--standalone",
                                     "--no-config", "--json", "--set",
                                     "listen_interface=" + cli::NetSite::PeerIp(1) + ":0"};
    for (const std::string& s : sets) {
      argv.push_back("--set");
      argv.push_back(s);
    }
    fs::remove(dir_ / "get.err");
    Child child(argv, dir_ / "get.err", client_avahi_.Env());
    Got g;
    std::string text, line;
    while (child.Line(&line)) text += line;
    g.exit_code = child.Wait();
    g.summary = nlohmann::json::parse(text, nullptr, false);
    g.log = text + ReadFile(dir_ / "get.err");
    g.byte_exact = fs::exists(out) && ReadFile(out) == content_;
    return g;
  }
  std::string Key(const std::string& name) { return "cache_public_key=" + (dir_ / name); }

  TempDir dir_;
  std::unique_ptr<cli::NetSite> net_;
  std::unique_ptr<origin::HttpOrigin> origin_;
  Avahi node_avahi_, client_avahi_;
  std::unique_ptr<Child> node_;  // before the daemons are gone
  std::string content_, url_;
};

// The site with the node announced; skipped without root, failed when it cannot be built.
class Lan : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string why;
    if (!site_.Build(&why)) {
      if (geteuid() != 0) GTEST_SKIP() << why;
      FAIL() << why;
    }
    ASSERT_TRUE(site_.StartNode()) << ReadFile(site_.dir_ / "node.err");
  }
  DnsSdSite site_;
};

std::uint64_t Field(const nlohmann::json& j, const char* name) {
  return j.is_object() && j.contains(name) ? j[name].get<std::uint64_t>() : ~0ull;
}

TEST_F(Lan, ACacheNodeFoundOverDnsSdServesAClientWithNoCacheHost) {
  DnsSdSite& site = site_;

  // Control: with discovery off the client never hears of the node; the CDN serves it all.
  const std::uint64_t before_off = site.origin_->BytesServed();
  const auto off = site.Get({site.Key("node.pub"), "cache_host_discovery=false"});
  ASSERT_EQ(off.exit_code, 0) << off.log;
  EXPECT_TRUE(off.byte_exact) << off.log;
  EXPECT_EQ(off.log.find("found over DNS-SD"), std::string::npos) << off.log;
  EXPECT_EQ(Field(off.summary, "from_http"), kSize) << off.log;
  EXPECT_GE(site.origin_->BytesServed() - before_off, kSize);

  // Discovery on, the node's key configured: the node's signed metainfo, its bytes from the
  // node (its seed or its HTTP pieces), none from the CDN but the node's one fill.
  const std::uint64_t before = site.origin_->BytesServed();
  const auto on = site.Get({site.Key("node.pub")});
  ASSERT_EQ(on.exit_code, 0) << on.log;
  EXPECT_TRUE(on.byte_exact) << on.log;
  EXPECT_NE(on.log.find("cache node " + cli::NetSite::PeerIp(0) + ":" +
                        std::to_string(kNodePort) + " found over DNS-SD"),
            std::string::npos)
      << on.log;
  EXPECT_NE(on.log.find("metainfo from cache node"), std::string::npos) << on.log;
  EXPECT_EQ(Field(on.summary, "from_http"), 0u) << on.log;
  EXPECT_GE(Field(on.summary, "from_peers") + Field(on.summary, "from_cache_server"), kSize)
      << on.log;
  EXPECT_EQ(site.origin_->BytesServed() - before, kSize) << "the node's one fill";
}

TEST_F(Lan, ACacheNodeAnnouncingAnotherKeyIsIgnored) {
  DnsSdSite& site = site_;
  const auto got = site.Get({site.Key("other.pub")});
  ASSERT_EQ(got.exit_code, 0) << got.log;
  EXPECT_TRUE(got.byte_exact) << got.log;
  EXPECT_NE(got.log.find("announces another key, not cache_public_key"), std::string::npos)
      << got.log;
  EXPECT_EQ(got.log.find("metainfo from cache node"), std::string::npos) << got.log;
  EXPECT_EQ(Field(got.summary, "from_cache_server"), 0u) << got.log;
  EXPECT_EQ(Field(got.summary, "from_http"), kSize) << got.log;
}

}  // namespace
}  // namespace shoal::testing
