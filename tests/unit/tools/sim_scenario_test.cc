#include "tools/shoal/sim_scenario.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "engine/metainfo.h"
#include "tests/support/fixtures.h"
#include "tools/shoal/sim_cache_counters.h"
#include "tools/shoal/sim_tracker.h"

namespace shoal::cli {
namespace {

TEST(SimBound, DefaultScenarioIsOriginBoundWithThePieceOverhead) {
  Scenario s;  // 8 peers, 128 MiB, 16 MiB/s
  const Bound b = ComputeBound(s, 1 << 20);
  ASSERT_TRUE(b.defined);
  EXPECT_EQ(b.pieces, 128u);
  EXPECT_DOUBLE_EQ(b.origin_term_s, 8.0);
  EXPECT_DOUBLE_EQ(b.t_min_s, 8.0);
  EXPECT_DOUBLE_EQ(b.piece_overhead, 3.0 / 128);  // floor(log2 8) / M
  EXPECT_DOUBLE_EQ(b.t_lb_s, 8.0 * (1 + 3.0 / 128));
}

TEST(SimBound, PartialLastPieceCountsAndNonPowerOfTwoPeersRoundDown) {
  Scenario s;
  s.peers = 5;
  s.file_bytes = (3 << 20) + 1;
  s.wan_bytes_per_s = 1 << 20;
  const Bound b = ComputeBound(s, 1 << 20);
  EXPECT_EQ(b.pieces, 4u);
  EXPECT_DOUBLE_EQ(b.piece_overhead, 2.0 / 4);
}

TEST(SimBound, PeerCapsBringInTheDownloadAndAggregateTerms) {
  Scenario s;  // 8 peers, 128 MiB, u_s = 16 MiB/s
  s.peer_up_bytes_per_s = 4 << 20;
  const Bound up = ComputeBound(s, 1 << 20);
  // N*F/(u_s + N*u) = 8 * 128 / (16 + 32) = 21.33 s, above F/u_s = 8 s.
  EXPECT_NEAR(up.t_min_s, 8.0 * 128 / 48, 1e-9);
  s.peer_down_bytes_per_s = 4 << 20;  // F/d_min = 32 s dominates
  EXPECT_DOUBLE_EQ(ComputeBound(s, 1 << 20).t_min_s, 32.0);
}

TEST(SimBound, PreSeededPeerOnUncappedLanHasNoBound) {
  Scenario s;
  s.seeder = true;
  EXPECT_FALSE(ComputeBound(s, 1 << 20).defined);
}

class SimScenarioFile : public ::testing::Test {
 protected:
  std::string Write(const std::string& text) {
    const std::string path = dir_ / "s.json";
    testing::WriteFile(path, text);
    return path;
  }
  testing::TempDir dir_;
};

TEST_F(SimScenarioFile, ReadsEveryKnob) {
  std::string error;
  const auto s =
      LoadScenario(Write(R"({"name":"x","peers":3,"file_mib":2,"wan_mib_s":4,"stagger_s":1.5,
                "churn":[{"peer":2,"at_s":3},{"peer":"seeder","at_s":4}],"seeder":true,"tracker":false,"http_delay_s":0,
                "no_http":true,"background":true,"timeout_s":9,"baselines":["curl"],
                "cdn_outages":[{"at_s":1,"for_s":2.5}],"corrupt_peer":true,
                "cdn_per_connection_mib_s":0.5,"cdn_latency_ms":40,
                "peer_down_mib_s":8,"peer_up_mib_s":2})"),
                   &error);
  ASSERT_TRUE(s) << error;
  EXPECT_EQ(s->peers, 3);
  EXPECT_EQ(s->file_bytes, 2u << 20);
  EXPECT_EQ(s->wan_bytes_per_s, 4u << 20);
  EXPECT_DOUBLE_EQ(s->stagger_s, 1.5);
  ASSERT_EQ(s->churn.size(), 2u);
  EXPECT_EQ(s->churn[0].peer, 2);
  EXPECT_EQ(s->churn[1].peer, ChurnEvent::kSeeder);
  EXPECT_TRUE(s->seeder && !s->tracker && s->no_http && s->background);
  EXPECT_EQ(s->http_delay_s, 0);
  EXPECT_EQ(s->baselines, std::vector<std::string>{"curl"});
  ASSERT_EQ(s->cdn_outages.size(), 1u);
  EXPECT_DOUBLE_EQ(s->cdn_outages[0].for_s, 2.5);
  EXPECT_TRUE(s->corrupt_peer);
  EXPECT_EQ(s->cdn_per_connection_bytes_per_s, 512u << 10);
  EXPECT_EQ(s->cdn_latency_ms, 40u);
  EXPECT_EQ(s->peer_down_bytes_per_s, 8u << 20);
  EXPECT_EQ(s->peer_up_bytes_per_s, 2u << 20);
}

TEST_F(SimScenarioFile, ReadsTheEmulatedSiteKnobsAndLsdIsItsDefault) {
  std::string error;
  auto s = LoadScenario(Write(R"({"netns":true,"peers":4,"lan_mbit_s":100,"wan_latency_ms":30,
                "far_peer":true})"),
                        &error);
  ASSERT_TRUE(s) << error;
  EXPECT_TRUE(s->netns && s->lsd && s->far_peer);
  EXPECT_EQ(s->lan_bits_per_s, 100000000u);
  EXPECT_EQ(s->wan_latency_ms, 30u);
  // Each peer's link caps both ways (12.5 MB/s): here F/d_min, 10.7 s, beats F/u_s, 8 s.
  const Bound b = ComputeBound(*s, 512 << 10);
  EXPECT_NEAR(b.t_min_s, 128.0 * (1 << 20) / 12.5e6, 0.01);
  s = LoadScenario(Write(R"({"netns":true,"lsd":false})"), &error);
  ASSERT_TRUE(s) << error;
  EXPECT_FALSE(s->lsd);
}

TEST_F(SimScenarioFile, WavesSetEachPeersArrival) {
  std::string error;
  auto s = LoadScenario(
      Write(R"({"peers":5,"waves":[{"at_s":0,"peers":2},{"at_s":7.5,"peers":3}]})"), &error);
  ASSERT_TRUE(s) << error;
  ASSERT_EQ(s->waves.size(), 2u);
  EXPECT_DOUBLE_EQ(ArrivalS(*s, 0), 0);
  EXPECT_DOUBLE_EQ(ArrivalS(*s, 1), 0);
  EXPECT_DOUBLE_EQ(ArrivalS(*s, 2), 7.5);
  EXPECT_DOUBLE_EQ(ArrivalS(*s, 4), 7.5);
  s = LoadScenario(Write(R"({"peers":3,"stagger_s":2})"), &error);
  ASSERT_TRUE(s) << error;
  EXPECT_DOUBLE_EQ(ArrivalS(*s, 2), 4);
  for (const char* json :
       {R"({"peers":5,"waves":[{"at_s":0,"peers":2}]})",                       // sum short
        R"({"peers":2,"waves":[{"at_s":0,"peers":2},{"at_s":1,"peers":1}]})",  // sum over
        R"({"peers":2,"waves":[{"at_s":0,"peers":0},{"at_s":1,"peers":2}]})",
        R"({"peers":2,"waves":[{"at_s":-1,"peers":2}]})", R"({"peers":2,"waves":[{"peers":2}]})",
        R"({"peers":2,"waves":{"at_s":0}})",
        R"({"peers":2,"stagger_s":1,"waves":[{"at_s":0,"peers":2}]})"}) {
    EXPECT_FALSE(LoadScenario(Write(json), &error)) << json;
    EXPECT_NE(error.find("wave"), std::string::npos) << error;
  }
}

TEST_F(SimScenarioFile, GroupAndOutsiderKnobs) {
  std::string error;
  auto s = LoadScenario(Write(R"({"netns":true,"group":true,"outsider":"foreign-ca",
                "outsider_seeds":true})"),
                        &error);
  ASSERT_TRUE(s) << error;
  EXPECT_TRUE(s->group && s->outsider_seeds);
  EXPECT_EQ(s->outsider, "foreign-ca");
  EXPECT_FALSE(LoadScenario(Write(R"({"netns":true,"group":true,"outsider":"friend"})"), &error));
  EXPECT_NE(error.find("outsider"), std::string::npos) << error;
  EXPECT_FALSE(LoadScenario(Write(R"({"netns":true,"outsider":"no-cert"})"), &error));
  EXPECT_NE(error.find("\"group\": true"), std::string::npos) << error;
  EXPECT_FALSE(LoadScenario(Write(R"({"group":true,"outsider":"no-cert"})"), &error));
  EXPECT_FALSE(LoadScenario(Write(R"({"netns":true,"group":true,"outsider_seeds":true})"), &error));
  EXPECT_NE(error.find("outsider_seeds needs"), std::string::npos) << error;
}

TEST_F(SimScenarioFile, CacheNodeKnobsAndTheirConflicts) {
  std::string error;
  auto s = LoadScenario(Write(R"({"cache_node":true,"node_down_at_s":2.5,
                "baselines":["apt-cacher-ng","curl"]})"),
                        &error);
  ASSERT_TRUE(s) << error;
  EXPECT_TRUE(s->cache_node);
  EXPECT_DOUBLE_EQ(s->node_down_at_s, 2.5);
  EXPECT_EQ(s->baselines, (std::vector<std::string>{"apt-cacher-ng", "curl"}));
  s = LoadScenario(Write("{}"), &error);
  ASSERT_TRUE(s) << error;
  EXPECT_FALSE(s->cache_node);
  EXPECT_LT(s->node_down_at_s, 0) << "the node stays up unless told";
  const struct {
    const char* json;
    const char* says;
  } kCases[] = {
      {R"({"node_down_at_s":3})", "node_down_at_s needs \"cache_node\": true"},
      {R"({"cache_node":true,"node_down_at_s":-1})", "node_down_at_s must be a number"},
      {R"({"cache_node":true,"node_down_at_s":"soon"})", "node_down_at_s must be a number"},
      {R"({"cache_node":true,"seeder":true})", "cache_node excludes"},
      {R"({"cache_node":true,"corrupt_peer":true})", "cache_node excludes"},
      {R"({"cache_node":true,"no_http":true})", "cache_node excludes no_http"},
      {R"({"cache_node":true,"netns":true})", "loopback only"},
      {R"({"cache_node":true,"peer_list":false})", "cache_node needs peer_list"},
      {R"({"cache_node":1})", "cache_node must be true or false"},
      {R"({"netns":true,"baselines":["apt-cacher-ng"]})", "apt-cacher-ng baseline runs on loopback"},
      {R"({"baselines":["apt-cacher"]})", "unknown baseline 'apt-cacher'"},
  };
  for (const auto& c : kCases) {
    EXPECT_FALSE(LoadScenario(Write(c.json), &error)) << c.json;
    EXPECT_NE(error.find(c.says), std::string::npos) << c.json << ": " << error;
  }
}

TEST(SimCacheCounters, ReadsTheNodesMetricsSummingEverySource) {
  const auto c = ParseNodeMetrics(
      "# HELP shoal_cache_client_bytes_total body bytes sent to HTTP clients, by source\n"
      "# TYPE shoal_cache_client_bytes_total counter\n"
      "shoal_cache_client_bytes_total{source=\"store\"} 1000\n"
      "shoal_cache_client_bytes_total{source=\"fill\"} 2.5e+06\n"
      "shoal_cache_origin_bytes_total 67108864\n"
      "shoal_cache_origin_fetches_total 1\n"
      "shoal_cache_peer_bytes_total 123 1700000000000\n");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->to_clients, 2501000u);
  EXPECT_EQ(c->to_peers, 123u);
  EXPECT_EQ(c->from_origin, 64u << 20);
  // A counter missing or unreadable: nothing, rather than a zero passed off as a count.
  EXPECT_FALSE(ParseNodeMetrics("shoal_cache_peer_bytes_total 1\nshoal_cache_origin_bytes_total 1\n"));
  EXPECT_FALSE(ParseNodeMetrics("shoal_cache_client_bytes_total{source=\"store\"} NaN\n"
                                "shoal_cache_peer_bytes_total 1\nshoal_cache_origin_bytes_total 1\n"));
  EXPECT_FALSE(ParseNodeMetrics("shoal_cache_client_bytes_total -5\n"
                                "shoal_cache_peer_bytes_total 1\nshoal_cache_origin_bytes_total 1\n"));
  EXPECT_FALSE(ParseNodeMetrics("shoal_cache_client_bytes_total{source=\"store\" 5\n"));
  EXPECT_FALSE(ParseNodeMetrics(""));
}

TEST(SimCacheCounters, ReadsAptCacherNgsTransferLog) {
  const auto c = ParseAptCacherLog(
      "1796174249|O|679|127.0.0.1|/update.bin\n"
      "1796174257|I|5000410|127.0.0.1|127.0.0.2/update.bin\n"
      "1796174257|O|5000245|127.0.0.1|127.0.0.2/update.bin\n"
      "an error line\n1796174257|O|x|127.0.0.1|bad\n1796174257|OO|5|a|b\n");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->to_clients, 5000924u);
  EXPECT_EQ(c->from_origin, 5000410u);
  EXPECT_EQ(c->to_peers, 0u);
  EXPECT_FALSE(ParseAptCacherLog("1|O|99999999999999999999999|c|p\n"));
  EXPECT_FALSE(ParseAptCacherLog("1|O|18446744073709551615|c|p\n1|O|1|c|p\n")) << "overflow";
}

TEST_F(SimScenarioFile, RejectsEmulatedSiteKnobsWithoutNetns) {
  std::string error;
  for (const char* json : {R"({"lsd":true})", R"({"far_peer":true})", R"({"wan_latency_ms":5})",
                           R"({"lan_mbit_s":100})"}) {
    EXPECT_FALSE(LoadScenario(Write(json), &error)) << json;
    EXPECT_NE(error.find("need \"netns\": true"), std::string::npos) << error;
  }
  EXPECT_FALSE(LoadScenario(Write(R"({"netns":true,"lan_mbit_s":-1})"), &error));
  EXPECT_NE(error.find("lan_mbit_s"), std::string::npos) << error;
}

TEST_F(SimScenarioFile, RejectsTyposBadPeersAndBadChurn) {
  std::string error;
  EXPECT_FALSE(LoadScenario(Write(R"({"peer":4})"), &error));
  EXPECT_NE(error.find("unknown key 'peer'"), std::string::npos) << error;
  EXPECT_FALSE(LoadScenario(Write(R"({"peers":0})"), &error));
  EXPECT_FALSE(LoadScenario(Write(R"({"peers":2,"churn":[{"peer":2,"at_s":1}]})"), &error));
  EXPECT_FALSE(LoadScenario(Write(R"({"churn":[{"peer":"seeder","at_s":1}]})"), &error))
      << "no seeder to kill";
  EXPECT_FALSE(LoadScenario(Write(R"({"baselines":["wget"]})"), &error));
  EXPECT_FALSE(LoadScenario(Write(R"({"cdn_outages":[{"at_s":1,"for_s":0}]})"), &error));
  EXPECT_FALSE(LoadScenario(Write("not json"), &error));
  EXPECT_FALSE(LoadScenario(dir_ / "missing.json", &error));
  // Tracker-only discovery needs the tracker.
  EXPECT_FALSE(LoadScenario(Write(R"({"peer_list":false,"tracker":false})"), &error));
  EXPECT_NE(error.find("peer_list"), std::string::npos) << error;
  const auto tracker_only = LoadScenario(Write(R"({"peer_list":false})"), &error);
  ASSERT_TRUE(tracker_only) << error;
  EXPECT_FALSE(tracker_only->peer_list);
  EXPECT_TRUE(LoadScenario(Write("{}"), &error)->peer_list);
}

// Issue 14 item 9: every number is range-checked before it becomes an integer (a float cast to
// an integer out of its range is undefined behaviour; a negative size became a huge file).
TEST_F(SimScenarioFile, RejectsNegativeAndOutOfRangeNumbersWithTheKeyInTheError) {
  const struct {
    const char* json;
    const char* key;
  } kCases[] = {
      {R"({"file_mib":-1})", "file_mib"},
      {R"({"file_mib":1e300})", "file_mib"},
      {R"({"wan_mib_s":-16})", "wan_mib_s"},
      {R"({"cdn_per_connection_mib_s":-0.5})", "cdn_per_connection_mib_s"},
      {R"({"peer_down_mib_s":1e30})", "peer_down_mib_s"},
      {R"({"peer_up_mib_s":-2})", "peer_up_mib_s"},
      {R"({"peers":1e300})", "peers"},
      {R"({"peers":4.5})", "peers"},
      {R"({"peers":4294967304})", "peers"},
      {R"({"cdn_latency_ms":-5})", "cdn_latency_ms"},
      {R"({"cdn_latency_ms":1e12})", "cdn_latency_ms"},
      {R"({"piece_kib":3000000000})", "piece_kib"},
      {R"({"piece_kib":-16})", "piece_kib"},
      {R"({"http_delay_s":-7})", "http_delay_s"},
      {R"({"http_delay_s":1e20})", "http_delay_s"},
      {R"({"stagger_s":1e300})", "stagger_s"},
      {R"({"timeout_s":1e300})", "timeout_s"},
      {R"({"churn":[{"peer":1e300,"at_s":1}]})", "peer"},
      {R"({"churn":[{"peer":1,"at_s":1e300}]})", "at_s"},
      {R"({"cdn_outages":[{"at_s":1,"for_s":1e300}]})", "for_s"},
      {R"({"file_mib":"64"})", "file_mib"},
  };
  for (const auto& c : kCases) {
    std::string error;
    EXPECT_FALSE(LoadScenario(Write(c.json), &error)) << c.json;
    EXPECT_NE(error.find(c.key), std::string::npos) << c.json << ": " << error;
  }
}

TEST_F(SimScenarioFile, AcceptsTheLimitsOfEachRange) {
  std::string error;
  const auto s = LoadScenario(
      Write(R"({"peers":200,"file_mib":0.001,"piece_kib":16,"cdn_latency_ms":0,"http_delay_s":-1,
                "peer_up_mib_s":0,"stagger_s":0})"),
      &error);
  ASSERT_TRUE(s) << error;
  EXPECT_EQ(s->peers, 200);
  EXPECT_EQ(s->file_bytes, 1048u);  // 0.001 MiB, rounded down to whole bytes
  EXPECT_EQ(s->piece_kib, 16);
  EXPECT_EQ(s->http_delay_s, -1);
  EXPECT_FALSE(LoadScenario(Write(R"({"file_mib":0.0000001})"), &error)) << "0 bytes";
  EXPECT_NE(error.find("file_mib"), std::string::npos) << error;
}

TEST(SimTorrentFacts, InfoHashAndPieceLengthMatchTheEngine) {
  testing::TempDir dir;
  testing::WriteRandomFile(dir / "f.bin", (1 << 20) + 123);
  engine::MetainfoSpec spec;
  spec.path = dir / "f.bin";
  spec.web_seeds = {"http://127.0.0.2:1/f.bin"};
  spec.trackers = {"http://127.0.0.3:2/announce"};
  spec.piece_size = 64 * 1024;
  spec.v1_only = true;
  std::string torrent, error;
  ASSERT_EQ(engine::CreateMetainfo(spec, &torrent, &error), hr::kOk) << error;
  engine::MetainfoSummary summary;
  ASSERT_EQ(engine::ReadMetainfo(torrent, &summary, &error), hr::kOk) << error;
  const auto facts = ReadTorrentFacts(torrent);
  ASSERT_TRUE(facts);
  EXPECT_EQ(facts->info_hash_v1, summary.info_hash);
  EXPECT_EQ(facts->piece_length, 64u * 1024);
  EXPECT_FALSE(ReadTorrentFacts("d4:infoi3ee"));
  EXPECT_FALSE(ReadTorrentFacts(torrent.substr(0, torrent.size() / 2)));
}

// The hand-written bencode reader this replaced looped forever on a string length that wraps
// the offset back to where it started (2^64 - 21 here).
TEST(SimTorrentFacts, ALengthThatWrapsAroundIsAnErrorNotAHang) {
  EXPECT_FALSE(ReadTorrentFacts("d18446744073709551595:e"));
  EXPECT_FALSE(ReadTorrentFacts("d4:infod12:piece lengthi18446744073709551616eee"));
}

}  // namespace
}  // namespace shoal::cli
