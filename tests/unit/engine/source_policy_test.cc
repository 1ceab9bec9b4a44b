#include "engine/source_policy.h"

#include <gtest/gtest.h>

#include <random>
#include <set>

namespace shoal::engine {
namespace {

HttpGate::Input At(double now, bool foreground, double peer_rate) {
  HttpGate::Input in;
  in.now_s = now;
  in.transfer_start_s = 0;
  in.foreground = foreground;
  in.peer_rate_bytes_s = peer_rate;
  return in;
}

TEST(HttpGate, NoHttpNeverUsesTheCdn) {
  SourcePolicy p;
  p.no_http = true;
  HttpGate g;
  for (double t = 0; t < 100; t += 1) EXPECT_FALSE(g.Decide(p, At(t, true, 0)));
}

TEST(HttpGate, ForegroundWaitsItsOwnDelayThenComplementsSlowPeers) {
  SourcePolicy p;
  p.delay_foreground_download_from_http_s = 3;
  p.delay_background_download_from_http_s = 60;
  HttpGate g;
  EXPECT_FALSE(HttpGate::DelayOver(p, At(2.9, true, 0)));
  EXPECT_TRUE(HttpGate::DelayOver(p, At(3.0, true, 0)));  // the foreground delay, not 60 s
  EXPECT_FALSE(g.Decide(p, At(2.9, true, 0)));
  EXPECT_TRUE(g.Decide(p, At(3.0, true, 0)));  // peers too slow: HTTP complements
  HttpGate fast;
  EXPECT_FALSE(fast.Decide(p, At(3.0, true, 1e9)));  // fast peers: only what they lack
}

TEST(HttpGate, BackgroundUsesHttpOnlyBelowMinBackgroundQos) {
  SourcePolicy p;
  p.delay_background_download_from_http_s = 10;
  p.min_background_qos_kbps = 1000;  // 1,024,000 B/s
  HttpGate g;
  EXPECT_FALSE(g.Decide(p, At(5, false, 0)));       // still in the delay
  EXPECT_FALSE(g.Decide(p, At(11, false, 5e6)));    // peers fast enough
  EXPECT_TRUE(g.Decide(p, At(12, false, 500e3)));   // peers too slow: HTTP joins
  EXPECT_TRUE(g.Decide(p, At(13, false, 5e6)));     // held for kHoldS
  EXPECT_TRUE(g.Decide(p, At(18, false, 1.5e6)));   // above the floor, below 2x: stays
  EXPECT_FALSE(g.Decide(p, At(18.5, false, 3e6)));  // well above: leaves
}

TEST(HttpGate, DelayRestartsWithTheTransfer) {
  SourcePolicy p;
  p.delay_background_download_from_http_s = 5;
  HttpGate g;
  HttpGate::Input in = At(100, false, 0);
  in.transfer_start_s = 98;
  EXPECT_FALSE(g.Decide(p, in));
  in.now_s = 103;
  EXPECT_TRUE(g.Decide(p, in));
}

TEST(HttpGate, DelayOverOpensUnavailablePiecesWhateverThePeerRate) {
  SourcePolicy p;
  p.delay_background_download_from_http_s = 5;
  EXPECT_FALSE(HttpGate::DelayOver(p, At(4.9, false, 0)));
  EXPECT_TRUE(HttpGate::DelayOver(p, At(5, false, 1e9)));
  p.no_http = true;
  EXPECT_FALSE(HttpGate::DelayOver(p, At(100, false, 0)));
}

// Decision 0018: once peers are found and none has a piece, no peer can supply it; the delay
// still holds back the CDN from pieces peers have.
TEST(HttpGate, FoundPeersOpenOnlyThePiecesNoneOfThemHas) {
  SourcePolicy p;
  p.delay_background_download_from_http_s = 5;
  HttpGate::Input in = At(1, false, 0);
  EXPECT_FALSE(HttpGate::UnavailableOpen(p, in));
  in.found = true;
  EXPECT_TRUE(HttpGate::UnavailableOpen(p, in));
  EXPECT_FALSE(HttpGate::DelayOver(p, in));
  HttpGate g;
  EXPECT_FALSE(g.Decide(p, in));  // pieces peers have: not before the delay
  in.now_s = 5;
  EXPECT_TRUE(g.Decide(p, in));
  p.no_http = true;
  EXPECT_FALSE(HttpGate::UnavailableOpen(p, in));
}

TEST(HttpGate, ALoneClientHasNoDelayToWaitOut) {
  SourcePolicy p;
  p.delay_foreground_download_from_http_s = 2;
  p.delay_background_download_from_http_s = 5;
  HttpGate::Input in = At(0, false, 0);
  EXPECT_FALSE(HttpGate::DelayOver(p, in));
  in.lone = true;  // no peer configured, connected or discoverable
  EXPECT_TRUE(HttpGate::DelayOver(p, in));
  HttpGate g;
  EXPECT_TRUE(g.Decide(p, in));
  p.no_http = true;  // the switch still wins
  EXPECT_FALSE(HttpGate::DelayOver(p, in));
}

TEST(PickCdnPiece, ContinuesItsRunThenJumpsIntoTheLongestGap) {
  std::vector<bool> eligible(100, true);
  int cursor = -1;
  const int first = PickCdnPiece(eligible, 42, &cursor);
  ASSERT_GE(first, 0);
  eligible[first] = false;
  const int second = PickCdnPiece(eligible, 7, &cursor);
  EXPECT_EQ(second, first + 1);  // the run goes on
  // Everything up to 59 is taken (by this peer or others): the next pick lands in the middle
  // third of the longest free run, 60..99.
  for (int i = 0; i < 60; ++i) eligible[i] = false;
  cursor = 10;
  const int jump = PickCdnPiece(eligible, 12345, &cursor);
  EXPECT_GE(jump, 60 + 40 / 3);
  EXPECT_LT(jump, 60 + 2 * 40 / 3 + 1);
  EXPECT_EQ(cursor, jump + 1);
}

TEST(PickCdnPiece, NothingEligibleIsMinusOne) {
  std::vector<bool> eligible(8, false);
  int cursor = 3;
  EXPECT_EQ(PickCdnPiece(eligible, 1, &cursor), -1);
  EXPECT_EQ(PickCdnPiece({}, 1, &cursor), -1);
}

TEST(PickCdnPiece, IndependentPeersRarelyPickTheSamePieces) {
  // Eight peers that cannot see each other's requests each take 16 pieces of 512 in runs;
  // the overlap stays far below what independent uniform picks would give.
  constexpr int kPieces = 512;
  std::vector<int> taken(kPieces, 0);
  std::mt19937_64 rng(3);
  std::vector<int> cursors(8, -1);
  std::vector<bool> eligible(kPieces, true);
  for (int round = 0; round < 16; ++round) {
    for (int& c : cursors) {
      const int p = PickCdnPiece(eligible, rng(), &c);
      ASSERT_GE(p, 0);
      ++taken[p];
    }
  }
  int duplicates = 0;
  for (int t : taken) duplicates += t > 1 ? t - 1 : 0;
  EXPECT_LE(duplicates, 2);
}

TEST(OwnsCdnPiece, EveryPieceHasExactlyOneOwnerAndSharesAreEven) {
  const std::vector<std::string> site = {"10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.4"};
  std::vector<int> share(site.size(), 0);
  for (int piece = 0; piece < 4000; ++piece) {
    int owners = 0;
    for (std::size_t i = 0; i < site.size(); ++i) {
      std::vector<std::string> others = site;
      others.erase(others.begin() + static_cast<long>(i));
      if (OwnsCdnPiece(site[i], others, piece)) {
        ++owners;
        ++share[i];
      }
    }
    ASSERT_EQ(owners, 1) << "piece " << piece;
  }
  for (int s : share) EXPECT_NEAR(s, 1000, 150);
}

TEST(OwnsCdnPiece, APeerThatLeavesHandsItsPiecesToTheOthers) {
  const std::vector<std::string> with = {"10.0.0.2", "10.0.0.3"};
  const std::vector<std::string> without = {"10.0.0.2"};
  for (int piece = 0; piece < 200; ++piece) {
    if (!OwnsCdnPiece("10.0.0.1", with, piece) &&
        !OwnsCdnPiece("10.0.0.2", {"10.0.0.1", "10.0.0.3"}, piece)) {
      // 10.0.0.3 owned it; once it is gone one of the two others does.
      EXPECT_NE(OwnsCdnPiece("10.0.0.1", without, piece),
                OwnsCdnPiece("10.0.0.2", {"10.0.0.1"}, piece));
    }
  }
  EXPECT_TRUE(OwnsCdnPiece("10.0.0.1", {}, 7));  // alone: everything is its own
}

// Every peer of a site agrees on each piece's order: one owner (rank 0), one next in line
// (rank 1) who takes it over first, and the owner named alike by all.
TEST(CdnPieceRank, EachPieceHasOneOwnerAndOnePeerNextInLine) {
  const std::vector<std::string> site = {"10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.4"};
  for (int piece = 0; piece < 1000; ++piece) {
    std::vector<int> count(site.size(), 0);
    std::set<std::string> owners;
    for (std::size_t i = 0; i < site.size(); ++i) {
      std::vector<std::string> others = site;
      others.erase(others.begin() + static_cast<long>(i));
      std::string owner;
      const int rank = CdnPieceRank(site[i], others, piece, &owner);
      ASSERT_GE(rank, 0);
      ASSERT_LT(rank, static_cast<int>(site.size()));
      ++count[static_cast<std::size_t>(rank)];
      EXPECT_EQ(rank == 0, OwnsCdnPiece(site[i], others, piece));
      owners.insert(owner);
    }
    for (int c : count) ASSERT_EQ(c, 1) << "piece " << piece;
    EXPECT_EQ(owners.size(), 1u) << "piece " << piece;
  }
}

}  // namespace
}  // namespace shoal::engine
