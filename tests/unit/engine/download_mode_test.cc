// LAN mode's local network: subnet arithmetic and the ranges read from this host's interfaces.
#include "engine/download_mode.h"

#include <gtest/gtest.h>

#include <algorithm>

namespace shoal::engine {
namespace {

using Range = std::pair<std::string, std::string>;

TEST(SubnetRange, GivesTheFirstAndLastAddressOfThePrefix) {
  EXPECT_EQ(SubnetRange("10.77.0.12", 24), Range("10.77.0.0", "10.77.0.255"));
  EXPECT_EQ(SubnetRange("10.77.1.10", 23), Range("10.77.0.0", "10.77.1.255"));
  EXPECT_EQ(SubnetRange("192.168.5.9", 32), Range("192.168.5.9", "192.168.5.9"));
  EXPECT_EQ(SubnetRange("172.20.3.4", 12), Range("172.16.0.0", "172.31.255.255"));
  EXPECT_EQ(SubnetRange("fd00:1::5", 64), Range("fd00:1::", "fd00:1::ffff:ffff:ffff:ffff"));
}

TEST(SubnetRange, RefusesBadInput) {
  EXPECT_EQ(SubnetRange("10.0.0.1", 33), Range());
  EXPECT_EQ(SubnetRange("10.0.0.1", -1), Range());
  EXPECT_EQ(SubnetRange("not-an-ip", 8), Range());
}

TEST(LocalNetworkRanges, HoldLoopbackButNotAllOfRfc1918) {
  const auto ranges = LocalNetworkRanges();
  EXPECT_NE(std::find(ranges.begin(), ranges.end(), Range("127.0.0.0", "127.255.255.255")),
            ranges.end());
  // Another subnet behind the same router is not local: 10/8 as a whole never is.
  EXPECT_EQ(std::find(ranges.begin(), ranges.end(), Range("10.0.0.0", "10.255.255.255")),
            ranges.end());
}

TEST(LsdRuns, OnTheLanWhereTheModeAllowsPeers) {
  EXPECT_TRUE(LsdRuns(true, kDownloadModeLan, "0.0.0.0:0"));
  EXPECT_TRUE(LsdRuns(true, kDownloadModeGroup, "10.77.0.10:6881"));
  EXPECT_TRUE(LsdRuns(true, kDownloadModeLan, "[::]:6881"));
  EXPECT_TRUE(LsdRuns(true, kDownloadModeLan, "127.0.0.1:0,10.0.0.5:6881"));
  EXPECT_TRUE(LsdRuns(true, kDownloadModeLan, "eth0:6881"));  // a device name
}

TEST(LsdRuns, NeverOffTheLanOrWhereTheSettingsOrModeSayNo) {
  EXPECT_FALSE(LsdRuns(false, kDownloadModeLan, "0.0.0.0:0"));
  for (auto mode : {kDownloadModeHttpOnly, kDownloadModeSimple, kDownloadModeBypass}) {
    EXPECT_FALSE(LsdRuns(true, mode, "0.0.0.0:0")) << mode;
  }
  EXPECT_FALSE(LsdRuns(true, kDownloadModeLan, "127.0.0.1:0"));
  EXPECT_FALSE(LsdRuns(true, kDownloadModeLan, "127.0.0.12:7000"));
  EXPECT_FALSE(LsdRuns(true, kDownloadModeLan, "[::1]:0"));
}

// Several connections per address (peers sharing 127.0.0.x) only where every listen address is
// loopback: on a LAN, two peers dialling each other at once must be settled as one pair.
TEST(ListensOnLoopbackOnly, EveryAddressLoopback) {
  EXPECT_TRUE(ListensOnLoopbackOnly("127.0.0.1:0"));
  EXPECT_TRUE(ListensOnLoopbackOnly("127.0.0.12:7000,[::1]:7000"));
  EXPECT_FALSE(ListensOnLoopbackOnly("0.0.0.0:6881"));
  EXPECT_FALSE(ListensOnLoopbackOnly("10.77.0.10:6881"));
  EXPECT_FALSE(ListensOnLoopbackOnly("127.0.0.1:0,10.0.0.5:6881"));
  EXPECT_FALSE(ListensOnLoopbackOnly("eth0:6881"));
}

}  // namespace
}  // namespace shoal::engine
