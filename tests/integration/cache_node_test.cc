// The cache node with real clients: curl and wget through it (as http_proxy and with
// cacheHostOrigin) against loopback origins that count the bytes they serve.
#include <gtest/gtest.h>

#include <atomic>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <thread>

#include "cache/proxy.h"
#include "engine/metainfo_signature.h"
#include "origin/http_origin.h"
#include "tests/support/fault_origin.h"
#include "tests/support/fixtures.h"
#include "tests/support/shell_output.h"

namespace shoal::testing {
namespace {
namespace fs = std::filesystem;

struct Reply {
  int status = 0;
  std::string body, headers;
};

class CacheNode : public ::testing::Test {
 protected:
  void SetUp() override {
    fs::create_directories(dir_.path() / "www");
    std::string error;
    origin::HttpOriginOptions oo;
    oo.root = dir_ / "www";
    origin_ = origin::HttpOrigin::Start(oo, &error);
    ASSERT_TRUE(origin_) << error;
    StartNode();
  }

  void StartNode() { StartNode(Options()); }

  // The test's origin is on loopback: the node must be allowed to reach it.
  cache::ProxyOptions Options() {
    cache::ProxyOptions o;
    o.bind_address = "127.0.0.1";
    o.port = 0;
    o.store.root = dir_.path() / "store";
    o.origins.allow_local = true;
    return o;
  }

  void StartNode(cache::ProxyOptions o) {
    node_.reset();
    o.store.now = [this] { return static_cast<std::int64_t>(time(nullptr)) + skew_.load(); };
    std::string error;
    node_ = cache::CacheProxy::Start(o, &error);
    ASSERT_TRUE(node_) << error;
  }

  // A file on the origin, last modified an hour ago (fresh for 6 minutes by the heuristic).
  std::string Publish(const std::string& name, std::size_t size, unsigned seed = 1) {
    const std::string path = dir_ / ("www/" + name);
    const std::string data = WriteRandomFile(path, size, seed);
    fs::last_write_time(path, fs::file_time_type::clock::now() - std::chrono::hours(1));
    return data;
  }

  std::string Proxy() const { return "http://127.0.0.1:" + std::to_string(node_->port()); }
  std::string Url(const std::string& name) const { return origin_->BaseUrl() + "/" + name; }

  // curl through the node as its proxy; `args` are extra curl flags.
  Reply Curl(const std::string& url, const std::string& args = "") {
    const std::string out = dir_ / "curl.out", hdr = dir_ / "curl.hdr";
    fs::remove(out);
    const std::string code = ShellOutput("curl -s --noproxy '' -x " + Proxy() + " " + args + " -o " +
                                   out + " -D " + hdr + " -w '%{http_code}' '" + url + "'");
    Reply r;
    r.status = std::atoi(code.c_str());
    if (fs::exists(out)) r.body = ReadFile(out);
    r.headers = ReadFile(hdr);
    // The client has its bytes a moment before the node commits them to the store.
    EXPECT_TRUE(WaitFor([&] { return node_->FetchesInFlight() == 0; }));
    return r;
  }

  TempDir dir_;
  std::unique_ptr<origin::HttpOrigin> origin_;
  std::unique_ptr<cache::CacheProxy> node_;
  std::atomic<std::int64_t> skew_{0};
};

TEST_F(CacheNode, SecondRequestIsAHitFromTheStore) {
  const std::string data = Publish("a.bin", 3 << 20);
  Reply first = Curl(Url("a.bin"));
  ASSERT_EQ(first.status, 200);
  EXPECT_EQ(first.body, data);
  EXPECT_NE(first.headers.find("X-Cache: MISS"), std::string::npos);
  EXPECT_EQ(origin_->BytesServed("/a.bin"), data.size());
  Reply second = Curl(Url("a.bin"));
  ASSERT_EQ(second.status, 200);
  EXPECT_EQ(second.body, data);
  EXPECT_NE(second.headers.find("X-Cache: HIT"), std::string::npos);
  EXPECT_EQ(origin_->BytesServed("/a.bin"), data.size());  // not fetched again
  const cache::ProxyStats s = node_->Stats();
  EXPECT_EQ(s.hits, 1u);
  EXPECT_EQ(s.misses, 1u);
  EXPECT_EQ(s.bytes_from_store, data.size());
  EXPECT_EQ(s.bytes_from_origin, data.size());
}

// A request that closes its connection (HTTP/1.0, or Connection: close) is answered too; the
// node then closes (it sent nothing at all before).
TEST_F(CacheNode, ClosingRequestsAreAnswered) {
  const std::string data = Publish("c.bin", 64 << 10);
  for (const std::string flag : {"--http1.0", "-H 'Connection: close'"}) {
    const std::string out = dir_ / "c.out";
    std::filesystem::remove(out);
    ASSERT_EQ(std::system(("curl -sf " + flag + " --noproxy '' --proxy " + Proxy() + " -o " +
                           out + " " + Url("c.bin"))
                              .c_str()),
              0)
        << flag;
    EXPECT_EQ(ReadFile(out), data) << flag;
  }
}

TEST_F(CacheNode, WgetThroughTheProxyAndTheConnectedCacheConvention) {
  const std::string data = Publish("w.bin", 1 << 20);
  const std::string out = dir_ / "w.out";
  ASSERT_EQ(std::system(("env -u no_proxy -u NO_PROXY http_proxy=" + Proxy() + " wget -q -O " +
                         out + " " + Url("w.bin"))
                            .c_str()),
            0);
  EXPECT_EQ(ReadFile(out), data);
  ASSERT_TRUE(WaitFor([&] { return node_->FetchesInFlight() == 0; }));  // committed
  // A shoal client's form: the node's host in the URL, the origin's in cacheHostOrigin.
  const std::string host = origin_->BaseUrl().substr(7);
  const std::string cc = Proxy() + "/w.bin?cacheHostOrigin=" + host;
  ASSERT_EQ(std::system(("wget -q --no-proxy -O " + out + " '" + cc + "'").c_str()), 0);
  EXPECT_EQ(ReadFile(out), data);
  EXPECT_EQ(origin_->BytesServed("/w.bin"), data.size());
  EXPECT_EQ(node_->Stats().hits, 1u);
}

TEST_F(CacheNode, RangeAndHeadAreAnsweredFromTheStore) {
  const std::string data = Publish("r.bin", 1 << 20);
  Reply miss_range = Curl(Url("r.bin"), "-r 1000-1999");  // on a cold URL: from the fill
  ASSERT_EQ(miss_range.status, 206);
  EXPECT_EQ(miss_range.body, data.substr(1000, 1000));
  Reply hit_range = Curl(Url("r.bin"), "-r 5000-");
  ASSERT_EQ(hit_range.status, 206);
  EXPECT_EQ(hit_range.body, data.substr(5000));
  EXPECT_NE(hit_range.headers.find("Content-Range: bytes 5000-1048575/1048576"), std::string::npos);
  Reply bad = Curl(Url("r.bin"), "-r 2000000-");
  EXPECT_EQ(bad.status, 416);
  Reply head = Curl(Url("r.bin"), "-I");
  EXPECT_EQ(head.status, 200);
  EXPECT_NE(head.headers.find("Content-Length: 1048576"), std::string::npos);
  EXPECT_EQ(origin_->BytesServed("/r.bin"), data.size());
}

TEST_F(CacheNode, NotFoundIsPassedThroughAndNotCached) {
  EXPECT_EQ(Curl(Url("missing.bin")).status, 404);
  EXPECT_EQ(Curl(Url("missing.bin")).status, 404);
  EXPECT_EQ(node_->Stats().origin_fetches, 2u);
  EXPECT_EQ(node_->store().Counters().entries, 0u);
}

TEST_F(CacheNode, AStaleEntryIsRevalidatedAndTheNewContentServed) {
  Publish("v.bin", 100000, 1);
  ASSERT_EQ(Curl(Url("v.bin")).status, 200);
  const std::string v2 = Publish("v.bin", 100000, 2);  // changed at the origin
  EXPECT_NE(Curl(Url("v.bin")).body, v2);              // still fresh: the old copy
  skew_ = 3600;                                        // an hour later: stale
  Reply r = Curl(Url("v.bin"));
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.body, v2);
  EXPECT_EQ(Curl(Url("v.bin")).body, v2);  // and now stored
  EXPECT_EQ(origin_->BytesServed("/v.bin"), 200000u);
}

TEST_F(CacheNode, NotModifiedFromTheOriginServesTheStoredCopy) {
  std::string error;
  auto fault = FaultOrigin::Start(&error);
  ASSERT_TRUE(fault) << error;
  const std::string data = RandomBytes(50000);
  Fault first;
  first.headers = "ETag: \"v1\"\r\nCache-Control: max-age=60\r\n";
  Fault not_modified;
  not_modified.status = 304;
  fault->Put("/n.bin", data, {first}, not_modified);
  ASSERT_EQ(Curl(fault->Url("/n.bin")).body, data);
  skew_ = 120;
  Reply r = Curl(fault->Url("/n.bin"));
  EXPECT_EQ(r.body, data);
  EXPECT_NE(r.headers.find("X-Cache: REVALIDATED"), std::string::npos);
  EXPECT_EQ(fault->Requests("/n.bin"), 2);
  EXPECT_EQ(fault->BytesSent("/n.bin"), data.size());
}

TEST_F(CacheNode, NoStoreAndPrivateResponsesAreNotCached) {
  std::string error;
  auto fault = FaultOrigin::Start(&error);
  ASSERT_TRUE(fault) << error;
  Fault ns;
  ns.headers = "Cache-Control: no-store\r\n";
  fault->Put("/ns.bin", "secret one", {}, ns);
  Fault priv;
  priv.headers = "Cache-Control: private, max-age=600\r\n";
  fault->Put("/p.bin", "secret two", {}, priv);
  for (int i = 0; i < 2; ++i) {
    EXPECT_EQ(Curl(fault->Url("/ns.bin")).body, "secret one");
    EXPECT_EQ(Curl(fault->Url("/p.bin")).body, "secret two");
  }
  EXPECT_EQ(fault->Requests("/ns.bin"), 2);
  EXPECT_EQ(fault->Requests("/p.bin"), 2);
  EXPECT_EQ(node_->store().Counters().entries, 0u);
}

TEST_F(CacheNode, EightConcurrentClientsMakeOneOriginFetch) {
  const std::size_t size = 8 << 20;
  const std::string data = Publish("big.bin", size);
  origin_->SetRateLimit(16 << 20);  // a fill of about half a second: the clients overlap it
  std::vector<std::thread> clients;
  for (int i = 0; i < 8; ++i) {
    clients.emplace_back([&, i] {
      ShellOutput("curl -s --noproxy '' -x " + Proxy() + " -o " + (dir_ / ("c" + std::to_string(i))) +
            " " + Url("big.bin"));
    });
  }
  for (auto& t : clients) t.join();
  for (int i = 0; i < 8; ++i) EXPECT_EQ(ReadFile(dir_ / ("c" + std::to_string(i))), data) << i;
  EXPECT_EQ(origin_->BytesServed("/big.bin"), size);  // origin bytes / F = 1
  EXPECT_EQ(node_->Stats().origin_fetches, 1u);
}

TEST_F(CacheNode, ACorruptStoreFileIsRefetchedNotServed) {
  const std::string data = Publish("c.bin", 200000);
  ASSERT_EQ(Curl(Url("c.bin")).body, data);
  cache::EntryMeta m;
  ASSERT_TRUE(node_->store().Peek(Url("c.bin"), &m));
  {
    std::fstream f(dir_.path() / "store/objects" / m.sha256,
                   std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(100);
    f.write("CORRUPT", 7);
  }
  Reply r = Curl(Url("c.bin"));
  EXPECT_EQ(r.body, data);
  EXPECT_EQ(origin_->BytesServed("/c.bin"), 2 * data.size());
  EXPECT_EQ(node_->Stats().store.corrupt, 1u);
}

TEST_F(CacheNode, TheStoreSurvivesARestartOfTheNode) {
  const std::string data = Publish("s.bin", 100000);
  ASSERT_EQ(Curl(Url("s.bin")).body, data);
  node_.reset();
  StartNode();
  EXPECT_EQ(Curl(Url("s.bin")).body, data);
  EXPECT_EQ(origin_->BytesServed("/s.bin"), data.size());
}

TEST_F(CacheNode, MalformedRequestsGetClearErrors) {
  const std::string base = Proxy();
  auto code = [&](const std::string& args) {
    return std::atoi(ShellOutput("curl -s --noproxy '' -o /dev/null -w '%{http_code}' " + args).c_str());
  };
  EXPECT_EQ(code(base + "/not-a-proxy-request"), 404);
  EXPECT_EQ(code("-X POST " + base + "/x?cacheHostOrigin=example.com"), 405);
  EXPECT_EQ(code("'" + base + "/x?cacheHostOrigin=bad%20host'"), 400);
  EXPECT_EQ(code("-H 'X-Big: " + std::string(20000, 'a') + "' " + base + "/x"), 431);
  EXPECT_EQ(code("-x " + base + " ftp://example.com/x"), 400);  // http:// only
  EXPECT_EQ(std::atoi(ShellOutput("curl -s --noproxy '' -o /dev/null -w '%{http_connect}' -x " + base +
                            " https://127.0.0.1:9/")
                          .c_str()),
            403);  // CONNECT only to the allowed ports (443)
  const Reply stats = Curl(base + "/shoal/v1/stats", "--noproxy '*'");
  EXPECT_EQ(stats.status, 200);
  EXPECT_NE(stats.body.find("\"requests\":"), std::string::npos);
}

TEST_F(CacheNode, ConnectTunnelsBytesThroughUncached) {
  const std::string data = Publish("t.bin", 10000);
  // curl -p tunnels even plain http through CONNECT; the node copies bytes both ways.
  const std::string out = dir_ / "t.out";
  const std::string port = std::to_string(origin_->port());
  cache::ProxyOptions o;
  node_.reset();
  {
    cache::ProxyOptions po;
    po.bind_address = "127.0.0.1";
    po.port = 0;
    po.store.root = dir_.path() / "store";
    po.origins.allow_local = true;
    po.connect_ports = {origin_->port()};
    std::string error;
    node_ = cache::CacheProxy::Start(po, &error);
    ASSERT_TRUE(node_) << error;
  }
  ShellOutput("curl -s --noproxy '' -p -x " + Proxy() + " -o " + out + " " + Url("t.bin"));
  EXPECT_EQ(ReadFile(out), data);
  EXPECT_EQ(node_->Stats().tunnels, 1u);
  EXPECT_EQ(node_->store().Counters().entries, 0u);
}

TEST_F(CacheNode, ServesSignedMetainfoForStoredContent) {
  const std::string key = dir_ / "node.pem";
  ASSERT_EQ(
      std::system(("openssl genpkey -algorithm ed25519 -out " + key + " 2>/dev/null").c_str()), 0);
  node_.reset();
  cache::ProxyOptions o;
  o.bind_address = "127.0.0.1";
  o.port = 0;
  o.store.root = dir_.path() / "store";
  o.origins.allow_local = true;
  o.signing_key = key;
  std::string error;
  node_ = cache::CacheProxy::Start(o, &error);
  ASSERT_TRUE(node_) << error;
  Publish("m.bin", 500000);
  const std::string meta = Proxy() + "/shoal/v1/metainfo?url=" + Url("m.bin");
  EXPECT_EQ(Curl(meta, "--noproxy '*'").status, 404);  // not held yet
  ASSERT_EQ(Curl(Url("m.bin")).status, 200);
  const Reply r = Curl(meta, "--noproxy '*'");
  ASSERT_EQ(r.status, 200);
  const std::size_t at = r.headers.find("X-Shoal-Signature: ed25519=");
  ASSERT_NE(at, std::string::npos);
  const std::string sig = r.headers.substr(at + 27, 128);
  std::string error2;
  auto signer = cache::MetainfoSigner::Load(key, &error2);
  ASSERT_TRUE(signer) << error2;
  EXPECT_TRUE(engine::VerifyMetainfo(r.body, sig, signer->PublicKeyPem()));
  EXPECT_EQ(Curl(meta, "--noproxy '*'").body, r.body);
  const Reply page = Curl(Proxy() + "/shoal/v1/status", "--noproxy '*'");
  EXPECT_EQ(page.status, 200);
  EXPECT_NE(page.body.find("<canvas"), std::string::npos);
  const Reply metrics = Curl(Proxy() + "/shoal/v1/metrics", "--noproxy '*'");
  EXPECT_EQ(metrics.status, 200);
  EXPECT_NE(metrics.body.find("shoal_cache_origin_bytes_total 500000\n"), std::string::npos);
  EXPECT_NE(metrics.body.find("shoal_cache_client_bytes_total{source=\"fill\"} 500000\n"),
            std::string::npos);
}

// HEAD on a URL the node does not hold asks the origin for its headers only: no fill, no
// body bytes from the origin, nothing stored; the GET after it is the miss that fills.
TEST_F(CacheNode, HeadOnAColdUrlFetchesNoBody) {
  const std::string data = Publish("h.bin", 2 << 20);
  const Reply head = Curl(Url("h.bin"), "-I");
  EXPECT_EQ(head.status, 200);
  EXPECT_NE(head.headers.find("Content-Length: 2097152"), std::string::npos) << head.headers;
  EXPECT_NE(head.headers.find("X-Cache: PASS"), std::string::npos) << head.headers;
  EXPECT_EQ(origin_->BytesServed("/h.bin"), 0u);
  EXPECT_EQ(node_->Stats().store.entries, 0u);
  EXPECT_EQ(node_->Stats().passed_through, 1u);
  const Reply get = Curl(Url("h.bin"));
  EXPECT_EQ(get.body, data);
  EXPECT_NE(get.headers.find("X-Cache: MISS"), std::string::npos);
  EXPECT_EQ(origin_->BytesServed("/h.bin"), data.size());
  EXPECT_EQ(Curl(Url("h.bin"), "-I").headers.find("X-Cache: HIT") != std::string::npos, true);
}

// Maximum age is enforced by the node's upkeep, not only when the next fill commits: an old
// entry leaves on its own and counts as an eviction (stats and metrics).
TEST_F(CacheNode, MaximumAgeEvictsWithoutANewFill) {
  cache::ProxyOptions o = Options();
  o.store.max_age_s = 600;
  StartNode(o);
  Publish("old.bin", 1000);
  ASSERT_EQ(Curl(Url("old.bin")).status, 200);
  EXPECT_EQ(node_->Stats().store.entries, 1u);
  skew_ = 3600;
  ASSERT_TRUE(WaitFor([&] { return node_->Stats().store.evictions == 1; }));
  EXPECT_EQ(node_->Stats().store.entries, 0u);
  const Reply metrics = Curl(Proxy() + "/shoal/v1/metrics", "--noproxy '*'");
  EXPECT_NE(metrics.body.find("shoal_cache_evictions_total 1\n"), std::string::npos)
      << metrics.body;
  EXPECT_NE(metrics.body.find("shoal_cache_disk_bytes 0\n"), std::string::npos) << metrics.body;
}

// A node is not an open door to its own machine: by default a client cannot make it fetch
// from (or tunnel to) loopback, whether the URL names 127.0.0.1 or a name that resolves there,
// and an allow-list refuses every other host. Each refusal is a 403 with no origin byte.
TEST_F(CacheNode, RefusesLocalOriginsByDefault) {
  Publish("secret.bin", 1000);
  cache::ProxyOptions o = Options();
  o.origins.allow_local = false;
  o.connect_ports = {origin_->port()};
  StartNode(o);
  const std::string port = std::to_string(origin_->port());
  for (const std::string& host : {"127.0.0.1", "localhost", "[::1]", "127.1.2.3"}) {
    const Reply r = Curl("http://" + host + ":" + port + "/secret.bin");
    EXPECT_EQ(r.status, 403) << host;
    EXPECT_NE(r.body.find("refused"), std::string::npos) << host << ": " << r.body;
  }
  const Reply via_origin_param =
      Curl(Proxy() + "/secret.bin?cacheHostOrigin=localhost:" + port, "--noproxy '*'");
  EXPECT_EQ(via_origin_param.status, 403);
  const std::string tunnel =
      ShellOutput("curl -s --noproxy '' -p -x " + Proxy() +
            " -o /dev/null -w '%{http_connect}' http://127.0.0.1:" + port + "/secret.bin");
  EXPECT_EQ(tunnel, "403");
  EXPECT_EQ(origin_->BytesServed("/secret.bin"), 0u);
  EXPECT_EQ(node_->Stats().tunnels, 0u);
  EXPECT_GE(node_->Stats().refused, 6u);
}

TEST_F(CacheNode, AnAllowListRefusesOtherHosts) {
  const std::string data = Publish("a.bin", 2000);
  const std::string port = std::to_string(origin_->port());
  cache::ProxyOptions o = Options();
  o.origins.allowed_hosts = {"127.0.0.1:" + port};
  StartNode(o);
  EXPECT_EQ(Curl("http://127.0.0.1:" + port + "/a.bin").body, data);
  const Reply other_port = Curl("http://127.0.0.1:1/a.bin");
  EXPECT_EQ(other_port.status, 403);
  const Reply other_name = Curl("http://localhost:" + port + "/a.bin");
  EXPECT_EQ(other_name.status, 403);
  EXPECT_NE(other_name.body.find("does not fetch from localhost"), std::string::npos)
      << other_name.body;
  EXPECT_EQ(origin_->BytesServed("/a.bin"), data.size());  // only the allowed request
}

}  // namespace
}  // namespace shoal::testing
