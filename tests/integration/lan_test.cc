// LAN discovery on the emulated site (`shoal sim` with network namespaces): shoal peers on one
// bridge, in namespaces of their own, with no tracker, no peer list and no CDN, must find a
// seeder and each other by Local Service Discovery alone and get every byte from peers; and
// LAN mode (DODownloadMode 1) gives nothing to a peer on another subnet behind the router; and
// Group mode (DODownloadMode 2) trades only between members of the group's CA: a host with a
// certificate from another CA, or none, neither gets nor injects a byte.
// Needs root (network namespaces, veth, a bridge) and iproute2; skips, saying why, otherwise,
// and .ci/run fails when it was skipped.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>

#include "tests/support/fixtures.h"

namespace shoal::testing {
namespace {

struct SimRun {
  int exit_code = -1;
  nlohmann::json results;
  std::string log;
};

SimRun RunSim(const std::string& scenario, const TempDir& out) {
  SimRun r;
  const std::string cmd = std::string(SHOAL_CLI) + " sim " + SHOAL_SCENARIOS + "/" + scenario +
                          " --no-baselines --out " + out.path().string() + " > " +
                          (out / "stdout.txt") + " 2> " + (out / "stderr.txt");
  const int status = std::system(cmd.c_str());
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  r.log = ReadFile(out / "stdout.txt") + ReadFile(out / "stderr.txt");
  std::ifstream in(out / "results.json");
  if (in) r.results = nlohmann::json::parse(in, nullptr, false);
  return r;
}

TEST(Lan, PeersFindEachOtherByLsdAloneAndGetEveryByteFromPeers) {
  if (const std::string why = WhyNoNamespaces(); !why.empty()) GTEST_SKIP() << why;
  TempDir out;
  const SimRun r = RunSim("lan-lsd.json", out);
  ASSERT_TRUE(r.results.is_object()) << r.log;
  ASSERT_TRUE(r.results["scenario"]["netns"].get<bool>());
  const std::uint64_t f = r.results["scenario"]["file_bytes"];
  const auto& run = r.results["runs"].at(0);
  ASSERT_EQ(run["client"], "shoal");
  // The seeder listened, and nobody was told of it: no tracker, no peer list, no CDN.
  EXPECT_NE(r.results["tracker"].get<std::string>().find("LSD only"), std::string::npos);
  EXPECT_EQ(run["origin_bytes"].get<std::uint64_t>(), 0u);
  ASSERT_EQ(run["helpers"].size(), 1u) << r.log;
  EXPECT_TRUE(run["correct"].get<bool>()) << "discovery by LSD did not happen:\n" << r.log;
  EXPECT_EQ(r.exit_code, 0) << r.log;
  ASSERT_EQ(run["peers"].size(), 2u);
  for (const auto& p : run["peers"]) {
    EXPECT_EQ(p["from_peers"].get<std::uint64_t>(), f) << p.dump();
    EXPECT_EQ(p["from_http"].get<std::uint64_t>(), 0u) << p.dump();
  }
}

// DODownloadMode 1: a peer on the router's other subnet dials both LAN peers (it is given
// them) and has no CDN; LAN mode refuses its connections, so it verifies nothing.
TEST(Lan, LanModeIgnoresAPeerOnAnotherSubnet) {
  if (const std::string why = WhyNoNamespaces(); !why.empty()) GTEST_SKIP() << why;
  TempDir out;
  const SimRun r = RunSim("lan-far.json", out);
  ASSERT_TRUE(r.results.is_object()) << r.log;
  const auto& run = r.results["runs"].at(0);
  EXPECT_TRUE(run["correct"].get<bool>()) << r.log;
  EXPECT_EQ(r.exit_code, 0) << r.log;
  const auto& helpers = run["helpers"];
  ASSERT_EQ(helpers.size(), 1u) << r.log;
  EXPECT_EQ(helpers.at(0).get<std::string>().rfind("far ", 0), 0u) << helpers.dump();
  EXPECT_EQ(run["far_bytes"].get<std::uint64_t>(), 0u) << "the far peer got bytes:\n" << r.log;
}

// Group mode: a group seeder and 3 members (no CDN) trade every byte over TLS after finding
// each other by LSD (so LSD announces the SSL port); the outsider on the same subnet, with the
// group's torrent but a certificate from another CA, dials them all and verifies nothing.
TEST(Lan, GroupMembersTradeAndAPeerWithAnotherCaGetsNothing) {
  if (const std::string why = WhyNoNamespaces(); !why.empty()) GTEST_SKIP() << why;
  TempDir out;
  const SimRun r = RunSim("group-outsider.json", out);
  ASSERT_TRUE(r.results.is_object()) << r.log;
  const std::uint64_t f = r.results["scenario"]["file_bytes"];
  const auto& run = r.results["runs"].at(0);
  EXPECT_TRUE(run["correct"].get<bool>()) << r.log;
  EXPECT_EQ(r.exit_code, 0) << r.log;
  EXPECT_EQ(run["origin_bytes"].get<std::uint64_t>(), 0u);
  ASSERT_EQ(run["peers"].size(), 3u);
  for (const auto& p : run["peers"]) {
    EXPECT_EQ(p["from_peers"].get<std::uint64_t>(), f) << p.dump();
    EXPECT_TRUE(p["byte_exact"].get<bool>()) << p.dump();
  }
  ASSERT_EQ(run["helpers"].size(), 2u) << run["helpers"].dump() << r.log;  // seeder, outsider
  EXPECT_EQ(run["outsider_bytes"].get<std::uint64_t>(), 0u) << "the outsider got bytes:\n" << r.log;
}

// An outsider with no certificate at all: LAN mode, so plain BitTorrent connections to the
// members' TLS-only listen sockets, which fail the TLS handshake; it verifies nothing.
TEST(Lan, GroupGivesAPeerWithoutACertificateNothing) {
  if (const std::string why = WhyNoNamespaces(); !why.empty()) GTEST_SKIP() << why;
  TempDir out;
  const SimRun r = RunSim("group-plain-outsider.json", out);
  ASSERT_TRUE(r.results.is_object()) << r.log;
  const auto& run = r.results["runs"].at(0);
  EXPECT_TRUE(run["correct"].get<bool>()) << r.log;
  EXPECT_EQ(r.exit_code, 0) << r.log;
  std::uint64_t from_peers = 0;
  for (const auto& p : run["peers"]) from_peers += p["from_peers"].get<std::uint64_t>();
  EXPECT_GT(from_peers, 0u) << "the members did not trade:\n" << r.log;
  ASSERT_EQ(run["helpers"].size(), 1u) << r.log;  // the outsider listened
  EXPECT_EQ(run["outsider_bytes"].get<std::uint64_t>(), 0u) << r.log;
}

// The outsider (another CA) seeds the whole file and dials the one member, which waits 8 s
// for peers before its CDN joins: had the handshake let it in, every byte would be its. None
// is: the member's bytes all come from the CDN, byte-exact.
TEST(Lan, APeerOutsideTheGroupCannotInjectAByte) {
  if (const std::string why = WhyNoNamespaces(); !why.empty()) GTEST_SKIP() << why;
  TempDir out;
  const SimRun r = RunSim("group-inject.json", out);
  ASSERT_TRUE(r.results.is_object()) << r.log;
  const std::uint64_t f = r.results["scenario"]["file_bytes"];
  const auto& run = r.results["runs"].at(0);
  EXPECT_TRUE(run["correct"].get<bool>()) << r.log;
  ASSERT_EQ(run["helpers"].size(), 1u) << r.log;
  EXPECT_EQ(run["helpers"].at(0).get<std::string>().rfind("outsider ", 0), 0u) << r.log;
  ASSERT_EQ(run["peers"].size(), 1u);
  const auto& p = run["peers"].at(0);
  EXPECT_TRUE(p["byte_exact"].get<bool>()) << p.dump();
  EXPECT_EQ(p["from_peers"].get<std::uint64_t>(), 0u) << "bytes from the outsider:\n" << r.log;
  EXPECT_EQ(p["from_http"].get<std::uint64_t>(), f) << p.dump();
}

}  // namespace
}  // namespace shoal::testing
