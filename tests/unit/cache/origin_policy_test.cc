// OriginPolicy (cache/origin_policy.h): host patterns and the addresses a node never reaches
// for its clients unless told to.
#include "cache/origin_policy.h"

#include <gtest/gtest.h>

namespace shoal::cache {
namespace {

namespace ip = boost::asio::ip;

TEST(OriginPolicy, AnEmptyListAllowsAnyHostButLocalAddresses) {
  const OriginPolicy p;
  EXPECT_TRUE(p.AllowsHost("deb.debian.org", 80));
  EXPECT_TRUE(p.AllowsHost("10.0.0.5", 80));  // a LAN mirror: the client could reach it anyway
  EXPECT_FALSE(p.AllowsHost("127.0.0.1", 80));
  EXPECT_FALSE(p.AllowsHost("[::1]", 80));
  EXPECT_FALSE(p.AllowsHost("169.254.169.254", 80));  // cloud metadata
  EXPECT_FALSE(p.AllowsHost("0.0.0.0", 80));
  EXPECT_FALSE(p.AllowsHost("::ffff:127.0.0.1", 80));
  EXPECT_FALSE(p.AllowsHost("[fe80::1]", 80));
  OriginPolicy local;
  local.allow_local = true;
  EXPECT_TRUE(local.AllowsHost("127.0.0.1", 80));
}

TEST(OriginPolicy, PatternsMatchHostsSubdomainsAndPorts) {
  OriginPolicy p;
  p.allowed_hosts = {"deb.debian.org", "*.example.com", "mirror.lan:8080", "[fd00::1]"};
  EXPECT_TRUE(p.AllowsHost("DEB.debian.org", 80));
  EXPECT_TRUE(p.AllowsHost("deb.debian.org", 443));
  EXPECT_FALSE(p.AllowsHost("security.debian.org", 80));
  EXPECT_TRUE(p.AllowsHost("a.b.example.com", 80));
  EXPECT_FALSE(p.AllowsHost("example.com", 80));  // *.DOMAIN is below DOMAIN only
  EXPECT_FALSE(p.AllowsHost("badexample.com", 80));
  EXPECT_TRUE(p.AllowsHost("mirror.lan", 8080));
  EXPECT_FALSE(p.AllowsHost("mirror.lan", 80));
  EXPECT_TRUE(p.AllowsHost("[fd00::1]", 80));
  EXPECT_TRUE(p.AllowsHost("fd00::1", 80));
  EXPECT_FALSE(p.AllowsHost("fd00::2", 80));
}

TEST(OriginPolicy, ALocalAddressIsRefusedEvenWhenListed) {
  OriginPolicy p;
  p.allowed_hosts = {"127.0.0.1"};
  EXPECT_FALSE(p.AllowsHost("127.0.0.1", 80));  // listing is not enough: allow_local says so
  p.allow_local = true;
  EXPECT_TRUE(p.AllowsHost("127.0.0.1", 80));
}

TEST(OriginPolicy, LocalAddresses) {
  for (const char* a :
       {"127.0.0.1", "127.255.0.9", "0.0.0.0", "0.1.2.3", "169.254.0.1", "224.0.0.251", "::1",
        "::", "fe80::1", "ff02::fb", "::ffff:127.0.0.1", "::ffff:169.254.1.1"}) {
    EXPECT_TRUE(IsLocalAddress(ip::make_address(a))) << a;
  }
  for (const char* a : {"10.0.0.1", "192.168.1.1", "8.8.8.8", "fd00::1", "2001:db8::1",
                        "::ffff:10.0.0.1", "169.253.255.255", "1.0.0.0"}) {
    EXPECT_FALSE(IsLocalAddress(ip::make_address(a))) << a;
  }
}

TEST(OriginPolicy, CheckPatternNamesWhatIsWrong) {
  for (const char* good :
       {"deb.debian.org", "*.debian.org", "h:80", "[fd00::1]", "[fd00::1]:8", "10.0.0.5"}) {
    EXPECT_EQ(OriginPolicy::CheckPattern(good), "") << good;
  }
  for (const char* bad :
       {"", "a b", "h:", "h:0", "h:65536", "h:x", "fd00::1", "[fd00::1", "*.", ":80", "a/b"}) {
    EXPECT_NE(OriginPolicy::CheckPattern(bad), "") << bad;
  }
}

}  // namespace
}  // namespace shoal::cache
