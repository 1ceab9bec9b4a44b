#include "engine/source_policy.h"

#include <gtest/gtest.h>

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

TEST(HttpGate, ForegroundWaitsItsDelayThenUsesHttp) {
  SourcePolicy p;
  p.delay_foreground_download_from_http_s = 3;
  HttpGate g;
  EXPECT_FALSE(g.Decide(p, At(0, true, 0)));
  EXPECT_FALSE(g.Decide(p, At(2.9, true, 0)));
  EXPECT_TRUE(g.Decide(p, At(3.0, true, 1e9)));  // foreground: HTTP joins whatever peers do
}

TEST(HttpGate, BackgroundUsesHttpOnlyBelowMinBackgroundQos) {
  SourcePolicy p;
  p.delay_background_download_from_http_s = 10;
  p.min_background_qos_kbps = 1000;  // 1,024,000 B/s
  HttpGate g;
  EXPECT_FALSE(g.Decide(p, At(5, false, 0)));          // still in the delay
  EXPECT_FALSE(g.Decide(p, At(11, false, 5e6)));       // peers fast enough
  EXPECT_TRUE(g.Decide(p, At(12, false, 500e3)));      // peers too slow: HTTP joins
  EXPECT_TRUE(g.Decide(p, At(13, false, 5e6)));        // held for kHoldS
  EXPECT_TRUE(g.Decide(p, At(18, false, 1.5e6)));      // above the floor, below 2x: stays
  EXPECT_FALSE(g.Decide(p, At(18.5, false, 3e6)));     // well above: leaves
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

}  // namespace
}  // namespace shoal::engine
