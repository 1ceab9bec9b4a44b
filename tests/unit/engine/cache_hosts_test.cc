#include "engine/cache_hosts.h"

#include <gtest/gtest.h>

namespace shoal::engine {
namespace {

TEST(CacheHostsTest, ConnectedCacheUrlsCarryTheOriginAndScheme) {
  EXPECT_EQ(ConnectedCacheUrl("http://cdn.example/pool/a.deb", "node:3144"),
            "http://node:3144/pool/a.deb?cacheHostOrigin=cdn.example");
  EXPECT_EQ(ConnectedCacheUrl("http://cdn.example:8080/a?x=1#frag", "node:1"),
            "http://node:1/a?x=1&cacheHostOrigin=cdn.example:8080");
  EXPECT_EQ(ConnectedCacheUrl("https://cdn.example", "node:1"),
            "http://node:1/?cacheHostOrigin=cdn.example&cacheHostScheme=https");
  EXPECT_EQ(ConnectedCacheUrl("https://[::1]:8443/f", "node:1"),
            "http://node:1/f?cacheHostOrigin=[::1]:8443&cacheHostScheme=https");
  EXPECT_EQ(ConnectedCacheUrl("ftp://cdn.example/a", "node:1"), "");
}

TEST(CacheHostsTest, MetainfoUrlsEscapeTheOriginUrl) {
  EXPECT_EQ(NodeMetainfoUrl("http://cdn.example/a b?x=1&y=2", "node:3144"),
            "http://node:3144/shoal/v1/metainfo?fill=1&url="
            "http://cdn.example/a%20b%3Fx%3D1%26y%3D2");
}

TEST(CacheHostsTest, HostsAreTriedInOrderAndSkippedForAWhile) {
  CacheHosts hosts({"a", "b:81", "[fd00::1]"});
  EXPECT_EQ(hosts.Pick("http://cdn/x", 0), "a:3144");
  hosts.SkipHost("a:3144", 10);
  EXPECT_EQ(hosts.Pick("http://cdn/x", 11), "b:81");
  hosts.SkipOrigin("b:81", "http://cdn/x", 11);
  EXPECT_EQ(hosts.Pick("http://cdn/y", 12), "[fd00::1]:3144");  // that origin only
  EXPECT_EQ(hosts.Pick("http://other/y", 12), "b:81");
  hosts.SkipHost("[fd00::1]:3144", 12);
  EXPECT_EQ(hosts.Pick("http://cdn/x", 13), "");                             // the CDN then
  EXPECT_EQ(hosts.Pick("http://cdn/x", 10 + CacheHosts::kSkipS), "a:3144");  // the ban ends
  EXPECT_TRUE(CacheHosts({}).empty());
}

}  // namespace
}  // namespace shoal::engine
