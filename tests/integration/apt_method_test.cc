// Real apt through the shoal acquire method (tools/apt/), against a repository built here:
// a dozen .deb packages of random payload (dpkg-deb), indexed and released with apt-ftparchive,
// served by a loopback origin. `apt-get update` and `apt-get install --download-only` run with
// the method as shoal+http: apt's own hash checks must pass and every .deb be byte-exact.
// Half the packages have a .torrent sidecar (the swarm path); one sidecar describes other
// bytes, so shoal fails on it and the method must fall back to plain HTTP (apt still succeeds).
// The same run through a real shoald, the method sandboxed as _apt (issue 12: "each file is a
// job in the local service"), and with the service down (everything plain, apt unaffected).
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <map>
#include <sstream>
#include <string>
#include <thread>

#include "origin/http_origin.h"
#include "tests/integration/service_fixture.h"
#include "tests/support/apt_repo.h"
#include "tests/support/fixtures.h"

namespace shoal::testing {
namespace {

namespace fs = std::filesystem;
constexpr int kPackages = 12;

std::string Package(int i) { return AptPackage(i); }
std::string DebName(int i) { return AptDeb(i); }

class AptMethod : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string repo = work_ / "repo";
    AptRepo built;
    std::string why;
    ASSERT_TRUE(BuildAptRepo(repo, work_ / "build", kPackages, 200'000, 40'000, &built, &why))
        << why;
    for (int i = 0; i < kPackages; i += 2) {  // a sidecar: the swarm path, the origin as web seed
      // Package 0's sidecar describes package 1's bytes: shoal cannot finish it.
      sidecars_.push_back({built.debs[i], built.debs[i == 0 ? 1 : i]});
    }
    origin::HttpOriginOptions o;
    o.root = repo;
    o.rate_limit_bytes_per_s = 32u << 20;  // a WAN link
    std::string error;
    origin_ = origin::HttpOrigin::Start(o, &error);
    ASSERT_TRUE(origin_) << error;
    for (const auto& [deb, source] : sidecars_) {
      const std::string url = origin_->BaseUrl() + "/pool/" + fs::path(deb).filename().string();
      ASSERT_EQ(Shell(std::string(SHOAL_CLI) + " make-metainfo " + source + " --web-seed " + url +
                      " -o " + deb + ".torrent >/dev/null"),
                0);
    }
  }

  // apt-get for the client in `dir`, the method as shoal+http; `env` goes before it (e.g.
  // "SHOAL_SOCKET=... ").
  std::string AptGet(const std::string& dir, const std::string& env = "") {
    return env + testing::AptGet(dir, SHOAL_APT_METHOD);
  }

  void MakeClient(const std::string& dir) {
    MakeAptClient(dir, "deb [trusted=yes] shoal+" + origin_->BaseUrl() + "/ ./");
  }

  // `apt-get update` and `install --download-only` of every package, `env` before each; apt's
  // log. Each .deb must then be byte-exact in the client's archives.
  std::string UpdateAndInstall(const std::string& client, const std::string& env = "") {
    Update(client, env);
    const std::string text = Install(client, env);
    ExpectArchivesExact(client, text);
    return text;
  }
  void Update(const std::string& client, const std::string& env = "") {
    const std::string log = work_ / "update.log";
    EXPECT_EQ(Shell(AptGet(client, env) + " update >" + log + " 2>&1"), 0) << ReadFile(log);
  }
  // `install --download-only` of every package: apt's log, after its exit status is checked.
  std::string Install(const std::string& client, const std::string& env = "") {
    const std::string log = work_ / "apt.log";
    std::string packages;
    for (int i = 0; i < kPackages; ++i) packages += " " + Package(i);
    EXPECT_EQ(Shell(AptGet(client, env) + " install --download-only -y" + packages + " >" + log +
                    " 2>&1"),
              0)
        << ReadFile(log);
    return ReadFile(log);
  }
  // apt's archive folder holds every package, byte-exact and with the SHA-256 the repository's
  // index gives it, and nothing else (no partial file, no stray name).
  void ExpectArchivesExact(const std::string& client, const std::string& text) {
    EXPECT_EQ(text.find("Hash Sum mismatch"), std::string::npos) << text;
    const std::map<std::string, std::string> indexed = IndexedSha256();
    ASSERT_EQ(indexed.size(), static_cast<std::size_t>(kPackages));
    for (int i = 0; i < kPackages; ++i) {
      SCOPED_TRACE(DebName(i));
      const std::string got = client + "/cache/archives/" + DebName(i);
      EXPECT_TRUE(fs::exists(got)) << text;
      if (fs::exists(got)) {
        EXPECT_TRUE(ReadFile(got) == ReadFile(work_ / ("repo/pool/" + DebName(i))));
        EXPECT_EQ(Sha256Of(got), indexed.at(DebName(i)));
      }
    }
    for (const std::string& name : ListDir(client + "/cache/archives")) {
      EXPECT_TRUE(name == "partial" || name == "lock" || indexed.count(name)) << name;
    }
    EXPECT_TRUE(ListDir(client + "/cache/archives/partial").empty()) << "nothing left behind";
  }
  // .deb file name -> SHA256, from the repository's Packages index.
  std::map<std::string, std::string> IndexedSha256() {
    std::map<std::string, std::string> out;
    std::istringstream in(ReadFile(work_ / "repo/Packages"));
    std::string line, file;
    while (std::getline(in, line)) {
      if (line.rfind("Filename: ", 0) == 0) file = fs::path(line.substr(10)).filename().string();
      if (line.rfind("SHA256: ", 0) == 0 && !file.empty()) out[file] = line.substr(8);
    }
    return out;
  }
  std::string Sha256Of(const std::string& path) {
    const std::string sum = work_ / "sum";
    EXPECT_EQ(Shell("sha256sum " + path + " > " + sum), 0);
    return ReadFile(sum).substr(0, 64);
  }

  // The swarm path really ran: every sidecar was asked for (and read: its bytes served).
  void ExpectSidecarsRead() {
    for (const auto& [deb, source] : sidecars_) {
      EXPECT_GT(origin_->BytesServed("/pool/" + fs::path(deb).filename().string() + ".torrent"), 0u)
          << deb;
    }
  }

  // Lets _apt traverse the folders down to `dir` (as it can /var/cache/apt on a real machine),
  // so that apt keeps the download sandboxed.
  void OpenToApt(const std::string& dir) {
    for (fs::path p = dir;; p = p.parent_path()) {
      fs::permissions(p, fs::perms::others_exec | fs::perms::group_exec, fs::perm_options::add);
      if (p == work_.path() || p == p.root_path()) break;
    }
  }

  // Starts `service` (under work_/svc) and makes the client in `client` whose folders, and the
  // service's socket, _apt can reach.
  void StartWithClient(ServiceProcess& service, const std::string& client) {
    fs::create_directories(work_ / "svc");
    std::string error;
    ASSERT_TRUE(service.Start(&error)) << error;
    MakeClient(client);
    OpenToApt(client + "/cache/archives/partial");
    OpenToApt(client + "/state/lists/partial");
    OpenToApt(work_ / "svc/run");
  }

  TempDir work_;
  std::unique_ptr<origin::HttpOrigin> origin_;
  std::vector<std::pair<std::string, std::string>> sidecars_;  // .deb, what its .torrent describes
};

TEST_F(AptMethod, AptInstallsDownloadOnlyThroughTheMethodByteExact) {
  const std::string client = work_ / "client";
  MakeClient(client);
  const std::string text = UpdateAndInstall(client);
  ExpectSidecarsRead();
  // Package 0's sidecar is for other bytes: shoal failed it, the method fetched it plainly.
  EXPECT_NE(text.find("fetching it plainly"), std::string::npos) << text;
}

// Through the machine's shoald ($SHOAL_SOCKET names the test's), the method sandboxed as _apt
// as apt asks (apt's folders reachable by _apt: apt does not fall back to root). The service
// ran the jobs and keeps the content for the LAN.
TEST_F(AptMethod, ThroughTheServiceSandboxedAsApt) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root: apt sandboxes only root's downloads";
  ServiceProcess service(work_ / "svc");
  const std::string client = work_ / "client";
  ASSERT_NO_FATAL_FAILURE(StartWithClient(service, client));
  const std::string text = UpdateAndInstall(client, "SHOAL_SOCKET=" + service.socket() + " ");
  EXPECT_EQ(text.find("unsandboxed"), std::string::npos) << text;
  EXPECT_EQ(text.find("no shoal service"), std::string::npos) << text;
  ExpectSidecarsRead();
  // The service holds what it fetched, to seed: every sidecar'd package but package 0.
  const api::wire::Json stats = BodyOf(RawExchange(
      service.socket(), "GET /v1/stats HTTP/1.1\r\nHost: shoald\r\nConnection: close\r\n\r\n"));
  EXPECT_EQ(stats.at("stats").at("cached_files").get<int>(), static_cast<int>(sidecars_.size()) - 1)
      << stats.dump() << service.Log();
}

// The service killed (kill -9) while apt-get install --download-only runs through it: the jobs
// in flight and every later .deb are fetched plainly, apt succeeds, and nothing corrupt or
// partial lands in its archives (every .deb has the repository's SHA-256).
TEST_F(AptMethod, WithTheServiceKilledMidInstallAptStillSucceeds) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root: apt sandboxes only root's downloads";
  ServiceProcess service(work_ / "svc");
  const std::string client = work_ / "client";
  ASSERT_NO_FATAL_FAILURE(StartWithClient(service, client));
  const std::string env = "SHOAL_SOCKET=" + service.socket() + " ";
  Update(client, env);
  origin_->SetRateLimit(512u << 10);  // an install of about 10 s: time to be cut
  std::string text;
  std::thread apt([&] { text = Install(client, env); });
  auto debs_served = [&] {
    std::uint64_t n = 0;
    for (int i = 0; i < kPackages; ++i) n += origin_->BytesServed("/pool/" + DebName(i));
    return n;
  };
  const bool started = WaitFor([&] { return debs_served() > 0; });  // a job is transferring
  int done_before_kill = 0;
  for (int i = 0; i < kPackages; ++i) {
    done_before_kill += fs::exists(client + "/cache/archives/" + DebName(i)) ? 1 : 0;
  }
  service.Kill9();
  apt.join();
  ASSERT_TRUE(started) << service.Log();
  EXPECT_LT(done_before_kill, kPackages) << "the service died mid-way";
  ExpectArchivesExact(client, text);
  EXPECT_NE(text.find("fetching it plainly"), std::string::npos) << text;
}

// A cache node configured (cache_host, cache_public_key) but down: the service skips it, gets
// each file from the sidecar's swarm or the mirror, and apt succeeds with exact archives.
TEST_F(AptMethod, WithTheCacheNodeDownAptStillSucceeds) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root: apt sandboxes only root's downloads";
  const std::string node = "127.0.0.1:" + std::to_string(ClosedLoopbackPort());
  const std::string key = work_ / "node.pem";
  ASSERT_EQ(Shell("openssl genpkey -algorithm ed25519 -out " + key + " 2>/dev/null && " +
                  "openssl pkey -in " + key + " -pubout -out " + key + ".pub"),
            0);
  fs::permissions(key + ".pub", fs::perms::others_read, fs::perm_options::add);
  ServiceProcess service(work_ / "svc", {"--set", "cache_host=" + node, "--set",
                                         "cache_public_key=" + key + ".pub"});
  const std::string client = work_ / "client";
  ASSERT_NO_FATAL_FAILURE(StartWithClient(service, client));
  const std::string text = UpdateAndInstall(client, "SHOAL_SOCKET=" + service.socket() + " ");
  EXPECT_EQ(text.find("no shoal service"), std::string::npos) << text;
  // The node was asked, and found down.
  EXPECT_NE(service.Log().find("no metainfo from cache node " + node), std::string::npos)
      << service.Log();
  ExpectSidecarsRead();
}

// The service named but down: every .deb is fetched plainly, and apt succeeds as plain apt.
TEST_F(AptMethod, WithTheServiceDownAptStillSucceeds) {
  const std::string client = work_ / "client";
  MakeClient(client);
  const std::string text = UpdateAndInstall(client, "SHOAL_SOCKET=" + (work_ / "none.sock") + " ");
  EXPECT_NE(text.find("no shoal service or engine"), std::string::npos) << text;
  for (const auto& [deb, source] : sidecars_) {
    EXPECT_EQ(origin_->BytesServed("/pool/" + fs::path(deb).filename().string() + ".torrent"), 0u)
        << deb << ": no job, no sidecar";
  }
}

}  // namespace
}  // namespace shoal::testing
