// Real apt through the shoal acquire method (tools/apt/), against a repository built here:
// a dozen .deb packages of random payload (dpkg-deb), indexed and released with apt-ftparchive,
// served by a loopback origin. `apt-get update` and `apt-get install --download-only` run with
// the method as shoal+http: apt's own hash checks must pass and every .deb be byte-exact.
// Half the packages have a .torrent sidecar (the swarm path); one sidecar describes other
// bytes, so shoal fails on it and the method must fall back to plain HTTP (apt still succeeds).
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "origin/http_origin.h"
#include "tests/support/fixtures.h"

namespace shoal::testing {
namespace {

namespace fs = std::filesystem;
constexpr int kPackages = 12;

int Shell(const std::string& cmd) {
  const int status = std::system(cmd.c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

std::string Package(int i) { return "shoal-test-" + std::to_string(i); }
std::string DebName(int i) { return Package(i) + "_1.0_all.deb"; }

class AptMethod : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(Shell("command -v apt-get dpkg-deb apt-ftparchive >/dev/null"), 0)
        << "apt, dpkg-deb and apt-ftparchive (apt-utils) are needed: tools/bootstrap.sh";
    const std::string repo = work_ / "repo", pool = work_ / "repo/pool";
    fs::create_directories(pool);
    for (int i = 0; i < kPackages; ++i) {
      const std::string pkg = work_ / ("build/" + Package(i));
      fs::create_directories(pkg + "/DEBIAN");
      fs::create_directories(pkg + "/usr/share/" + Package(i));
      std::ofstream(pkg + "/DEBIAN/control")
          << "Package: " << Package(i) << "\nVersion: 1.0\nArchitecture: all\n"
          << "Maintainer: shoal tests <tests@example.invalid>\nDescription: test payload\n";
      // Random payload: gzip cannot shrink it, so each .deb is about its size.
      WriteRandomFile(pkg + "/usr/share/" + Package(i) + "/data", 200'000 + 40'000 * i, 7 + i);
      ASSERT_EQ(
          Shell("dpkg-deb --build -Zgzip " + pkg + " " + pool + "/" + DebName(i) + " >/dev/null"),
          0);
      if (i % 2 == 0) {  // a sidecar: the swarm path, the origin as web seed
        const std::string deb = pool + "/" + DebName(i);
        // Package 0's sidecar describes package 1's bytes: shoal cannot finish it.
        const std::string source = i == 0 ? pool + "/" + DebName(1) : deb;
        sidecars_.push_back({deb, source});
      }
    }
    ASSERT_EQ(Shell("cd " + repo + " && apt-ftparchive packages pool > Packages 2>/dev/null" +
                    " && gzip -k Packages && apt-ftparchive release . > Release"),
              0);
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

  // apt-get with its state, cache and sources in `dir` and the method as shoal+http.
  std::string AptGet(const std::string& dir) {
    return "apt-get -q -o Dir::Etc::sourcelist=" + dir + "/sources.list" +
           " -o Dir::Etc::sourceparts=- -o Dir::Etc::preferencesparts=- -o Dir::Etc::parts=-" +
           " -o Dir::State=" + dir + "/state -o Dir::State::status=" + dir + "/status" +
           " -o Dir::Cache=" + dir + "/cache -o Dir::Log=" + dir +
           " -o Debug::NoLocking=1 -o Dir::Bin::Methods::shoal+http=" + SHOAL_APT_METHOD;
  }

  void MakeClient(const std::string& dir) {
    fs::create_directories(dir + "/state/lists/partial");
    fs::create_directories(dir + "/cache/archives/partial");
    std::ofstream(dir + "/status");
    std::ofstream(dir + "/sources.list")
        << "deb [trusted=yes] shoal+" << origin_->BaseUrl() << "/ ./\n";
  }

  TempDir work_;
  std::unique_ptr<origin::HttpOrigin> origin_;
  std::vector<std::pair<std::string, std::string>> sidecars_;  // .deb, what its .torrent describes
};

TEST_F(AptMethod, AptInstallsDownloadOnlyThroughTheMethodByteExact) {
  const std::string client = work_ / "client";
  MakeClient(client);
  const std::string log = work_ / "apt.log";
  ASSERT_EQ(Shell(AptGet(client) + " update >" + log + " 2>&1"), 0) << ReadFile(log);
  std::string packages;
  for (int i = 0; i < kPackages; ++i) packages += " " + Package(i);
  ASSERT_EQ(Shell(AptGet(client) + " install --download-only -y" + packages + " >" + log + " 2>&1"),
            0)
      << ReadFile(log);
  EXPECT_EQ(ReadFile(log).find("Hash Sum mismatch"), std::string::npos) << ReadFile(log);
  for (int i = 0; i < kPackages; ++i) {
    SCOPED_TRACE(DebName(i));
    const std::string got = client + "/cache/archives/" + DebName(i);
    ASSERT_TRUE(fs::exists(got)) << ReadFile(log);
    EXPECT_TRUE(ReadFile(got) == ReadFile(work_ / ("repo/pool/" + DebName(i))));
  }
  // The swarm path really ran: every sidecar was asked for (and read: its bytes served).
  for (const auto& [deb, source] : sidecars_) {
    EXPECT_GT(origin_->BytesServed("/pool/" + fs::path(deb).filename().string() + ".torrent"), 0u)
        << deb;
  }
  // Package 0's sidecar is for other bytes: shoal failed it, the method fetched it plainly.
  EXPECT_NE(ReadFile(log).find("fetching it plainly"), std::string::npos) << ReadFile(log);
  // Nothing is left behind in apt's partial directory.
  EXPECT_TRUE(ListDir(client + "/cache/archives/partial").empty());
}

}  // namespace
}  // namespace shoal::testing
