// Content discovery by hash on the emulated site (decision 0016): network namespaces on one
// bridge (tools/shoal/sim_netns.h), the origin behind the router with no sidecar and no cache
// node. A client that knows only a URL and its SHA-256 finds a LAN holder of that content and
// gets most bytes from it; a holder whose metainfo describes other content costs one wasted
// file (or a few CDN pieces): the file still finishes byte-exact from the CDN and the liar is
// banned. Needs root; skips, saying why, otherwise (and .ci/run fails when Lan.* skipped).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "engine/metainfo.h"
#include "origin/http_origin.h"
#include "tests/support/child_process.h"
#include "tests/support/fixtures.h"
#include "tools/shoal/sim_netns.h"

namespace shoal::testing {
namespace {

constexpr std::size_t kSize = 8 << 20;
constexpr const char* kIp = "/usr/sbin/ip";

class ContentDiscoverySite {
 public:
  // Builds the site with `peers` LAN peers and `helpers` helper hosts, the origin serving
  // f.bin (random, no .torrent beside it). False and why when it cannot.
  bool Build(int peers, int helpers, std::string* why) {
    cli::NetSiteSpec spec;
    spec.peers = peers;
    spec.lan_helpers = helpers;
    spec.wan_bytes_per_s = 16 << 20;
    net_ = cli::NetSite::Build(spec, why);
    if (!net_) return false;
    std::filesystem::create_directory(dir_ / "www");
    content_ = WriteRandomFile(dir_ / "www/f.bin", kSize, 1);
    sha_hex_ = engine::ToHex(engine::Sha256(content_));
    bool ok = cli::RunInNetns(
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
    return true;
  }

  // `shoal` run in namespace `ns`, its stderr in `err`.
  std::unique_ptr<Child> Shoal(const std::string& ns, std::vector<std::string> args,
                               const std::string& err) {
    std::vector<std::string> argv = {kIp, "netns", "exec", ns, SHOAL_CLI};
    argv.insert(argv.end(), args.begin(), args.end());
    return std::make_unique<Child>(argv, dir_ / err,
                                   std::vector<std::string>{"HOME=" + dir_.path().string()});
  }
  // A metainfo file for `file` (under the temp dir, written beside none of www/: the origin
  // publishes no sidecar), its web seed the origin's URL.
  std::string MakeMetainfo(const std::string& file, const std::string& name) {
    const std::string out = dir_ / name;
    Child make({SHOAL_CLI, "make-metainfo", dir_ / file, "--web-seed", url_, "-o", out},
               dir_ / "make.err");
    return make.Wait() == 0 && !std::filesystem::exists(dir_ / "www/f.bin.torrent") ? out : "";
  }
  // Waits until `err` says `what` (a holder is up) or its process ended.
  bool WaitForLog(const std::string& err, const std::string& what) {
    return WaitFor([&] { return ReadFile(dir_ / err).find(what) != std::string::npos; },
                   std::chrono::seconds(60));
  }

  struct Got {
    int exit_code = -1;
    nlohmann::json summary;
    std::string log;
    bool byte_exact = false;
  };
  // The client: `shoal get URL --sha256` in peer `i`'s namespace, nothing else known.
  Got Get(int i) {
    const std::string out = dir_ / "got.bin";
    auto child = Shoal(net_->PeerNs(i),
                       {"get", url_, "-o", out, "--sha256", sha_hex_, "--standalone", "--json",
                        "--set", "listen_interface=" + cli::NetSite::PeerIp(i) + ":0"},
                       "get.err");
    Got g;
    std::string text, line;
    while (child->Line(&line)) text += line;
    g.exit_code = child->Wait();
    g.summary = nlohmann::json::parse(text, nullptr, false);
    g.log = text + ReadFile(dir_ / "get.err");
    g.byte_exact = std::filesystem::exists(out) && ReadFile(out) == content_;
    return g;
  }

  TempDir dir_;
  std::unique_ptr<cli::NetSite> net_;
  std::unique_ptr<origin::HttpOrigin> origin_;
  std::string content_, sha_hex_, url_;
};

// Peer 0 has the content's metainfo from elsewhere, downloads and verifies it, and seeds,
// with `holder_sets` as settings; peer 1 then knows only the URL and the SHA-256.
void HolderScenario(const std::vector<std::string>& holder_sets, bool shared) {
  ContentDiscoverySite site;
  std::string why;
  ASSERT_TRUE(site.Build(2, 0, &why)) << why;
  const std::string torrent = site.MakeMetainfo("www/f.bin", "f.torrent");
  ASSERT_FALSE(torrent.empty());
  std::vector<std::string> args = {
      "get",       site.url_,
      "-o",        site.dir_ / "held.bin",
      "--torrent", torrent,
      "--sha256",  site.sha_hex_,
      "--seed",    "--standalone",
      "--set",     "listen_interface=" + cli::NetSite::PeerIp(0) + ":0"};
  for (const std::string& set : holder_sets) {
    args.push_back("--set");
    args.push_back(set);
  }
  auto holder = site.Shoal(site.net_->PeerNs(0), args, "holder.err");
  ASSERT_TRUE(site.WaitForLog("holder.err", "seeding on")) << ReadFile(site.dir_ / "holder.err");
  const std::uint64_t origin_before = site.origin_->BytesServed();

  const auto got = site.Get(1);
  EXPECT_EQ(got.exit_code, 0) << got.log;
  EXPECT_TRUE(got.byte_exact) << got.log;
  ASSERT_TRUE(got.summary.is_object()) << got.log;
  const std::uint64_t from_origin = site.origin_->BytesServed() - origin_before;
  if (shared) {
    EXPECT_GT(got.summary["from_peers"].get<std::uint64_t>(), kSize / 2) << got.log;
    EXPECT_LT(from_origin, kSize / 2) << got.log;
  } else {
    EXPECT_EQ(got.summary["from_peers"].get<std::uint64_t>(), 0u) << got.log;
    EXPECT_GE(from_origin, kSize) << got.log;
  }
}

TEST(Lan, AClientWithOnlyTheSha256GetsMostBytesFromALanHolder) {
  if (const std::string why = WhyNoNamespaces(); !why.empty()) GTEST_SKIP() << why;
  HolderScenario({}, /*shared=*/true);
}

// content_discovery=false on the holder: it answers nobody, so the client, which asked, finds
// nothing and gets the file from the CDN.
TEST(Lan, AHolderWithContentDiscoveryOffAnswersNobody) {
  if (const std::string why = WhyNoNamespaces(); !why.empty()) GTEST_SKIP() << why;
  HolderScenario({"content_discovery=false"}, /*shared=*/false);
}

// The liar holds the file's SHA-256 with metainfo of other content of the same size, and
// seeds that content: the client downloads it, the whole-file check fails, the liar is
// banned, and the file comes byte-exact from the CDN. Without the seeder, the CDN's pieces
// fail the liar's piece hashes instead, with the same end.
void LiarCostsAtMostOneFile(bool liar_seeds) {
  ContentDiscoverySite site;
  std::string why;
  ASSERT_TRUE(site.Build(1, 1, &why)) << why;
  const std::string ns = site.net_->HelperNs(0), ip = cli::NetSite::HelperIp(0);
  std::filesystem::create_directory(site.dir_ / "other");
  WriteRandomFile(site.dir_ / "other/f.bin", kSize, 2);
  const std::string torrent = site.MakeMetainfo("other/f.bin", "other.torrent");
  ASSERT_FALSE(torrent.empty());
  std::unique_ptr<Child> seeder;
  if (liar_seeds) {
    seeder = site.Shoal(ns,
                        {"seed", torrent, "--dir", site.dir_ / "other", "--set",
                         "listen_interface=" + ip + ":6881", "--set", "content_discovery=false"},
                        "seeder.err");
    ASSERT_TRUE(site.WaitForLog("seeder.err", "seeding")) << ReadFile(site.dir_ / "seeder.err");
  }
  Child liar({kIp, "netns", "exec", ns, SHOAL_LIAR, ip, "6881", site.sha_hex_, torrent},
             site.dir_ / "liar.err");
  std::string line;
  ASSERT_TRUE(liar.Line(&line)) << ReadFile(site.dir_ / "liar.err");
  ASSERT_EQ(line, "ready\n");

  const auto got = site.Get(0);
  EXPECT_EQ(got.exit_code, 0) << got.log;
  EXPECT_TRUE(got.byte_exact) << got.log;
  EXPECT_NE(got.log.find("LAN holder " + ip + ":6881"), std::string::npos) << got.log;
  EXPECT_NE(got.log.find("holder banned"), std::string::npos) << got.log;
  ASSERT_TRUE(got.summary.is_object()) << got.log;
  EXPECT_GE(got.summary["from_http"].get<std::uint64_t>(), kSize) << got.log;
  // The wasted file: the liar's whole content when it seeds it, else nothing from peers.
  EXPECT_EQ(got.summary["from_peers"].get<std::uint64_t>(), liar_seeds ? kSize : 0) << got.log;
}

TEST(Lan, ALiarsWholeFileFailsItsSha256AndTheCdnFinishesTheFile) {
  if (const std::string why = WhyNoNamespaces(); !why.empty()) GTEST_SKIP() << why;
  LiarCostsAtMostOneFile(/*liar_seeds=*/true);
}

TEST(Lan, ALiarsPieceHashesFailOnCdnPiecesAndTheCdnFinishesTheFile) {
  if (const std::string why = WhyNoNamespaces(); !why.empty()) GTEST_SKIP() << why;
  LiarCostsAtMostOneFile(/*liar_seeds=*/false);
}

}  // namespace
}  // namespace shoal::testing
