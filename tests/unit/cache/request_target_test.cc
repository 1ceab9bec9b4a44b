#include "cache/request_target.h"

#include <gtest/gtest.h>

namespace shoal::cache {
namespace {

using Kind = RequestTarget::Kind;
const std::vector<std::uint16_t> kPorts = {443};

TEST(ResolveTarget, AbsoluteFormIsAProxyFetchWithTheHostLowercased) {
  const RequestTarget t = ResolveTarget("GET", "http://Deb.Debian.ORG/debian/x.deb?a=1", kPorts);
  EXPECT_EQ(t.kind, Kind::kFetch);
  EXPECT_EQ(t.url, "http://deb.debian.org/debian/x.deb?a=1");
  EXPECT_EQ(ResolveTarget("HEAD", "http://h:80", kPorts).url, "http://h/");
  EXPECT_EQ(ResolveTarget("GET", "http://h:8080?q", kPorts).url, "http://h:8080/?q");
}

TEST(ResolveTarget, ConnectedCacheFormTakesTheOriginFromTheQuery) {
  RequestTarget t = ResolveTarget("GET", "/f/x.cab?cacheHostOrigin=cdn.example.com", kPorts);
  EXPECT_EQ(t.kind, Kind::kFetch);
  EXPECT_EQ(t.url, "http://cdn.example.com/f/x.cab");
  t = ResolveTarget("GET", "/x?a=1&cacheHostOrigin=c:81&b=2", kPorts);
  EXPECT_EQ(t.url, "http://c:81/x?a=1&b=2");
  t = ResolveTarget("GET", "/x?cacheHostOrigin=c&cacheHostScheme=https", kPorts);
  EXPECT_EQ(t.url, "https://c/x");
  EXPECT_EQ(ResolveTarget("GET", "/x?cacheHostOrigin=c&cacheHostScheme=ftp", kPorts).status, 400);
}

TEST(ResolveTarget, ConnectNeedsAnAllowedPort) {
  RequestTarget t = ResolveTarget("CONNECT", "example.com:443", kPorts);
  EXPECT_EQ(t.kind, Kind::kTunnel);
  EXPECT_EQ(t.host, "example.com");
  EXPECT_EQ(t.port, 443);
  EXPECT_EQ(ResolveTarget("CONNECT", "example.com:22", kPorts).status, 403);
  EXPECT_EQ(ResolveTarget("CONNECT", "example.com", kPorts).status, 400);
  EXPECT_EQ(ResolveTarget("CONNECT", "[::1]:443", kPorts).host, "[::1]");
}

TEST(ResolveTarget, NodePagesAndErrors) {
  EXPECT_EQ(ResolveTarget("GET", "/shoal/v1/stats", kPorts).kind, Kind::kLocal);
  EXPECT_EQ(ResolveTarget("GET", "/other", kPorts).status, 404);
  EXPECT_EQ(ResolveTarget("POST", "http://h/x", kPorts).status, 405);
  EXPECT_EQ(ResolveTarget("GET", "https://h/x", kPorts).status, 400);
  EXPECT_EQ(ResolveTarget("GET", "http://user@h/x", kPorts).status, 400);
  EXPECT_EQ(ResolveTarget("GET", "http://h:99999/x", kPorts).status, 400);
  EXPECT_EQ(ResolveTarget("GET", "http://h/\x01", kPorts).status, 400);
  EXPECT_EQ(ResolveTarget("GET", "/x?cacheHostOrigin=a/b", kPorts).status, 400);
  EXPECT_EQ(ResolveTarget("GET", "", kPorts).status, 400);
  EXPECT_EQ(ResolveTarget("GET", "http://h/" + std::string(9000, 'a'), kPorts).status, 414);
}

}  // namespace
}  // namespace shoal::cache
