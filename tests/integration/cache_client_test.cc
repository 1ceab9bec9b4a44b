// Engines as clients of the site's cache node (docs/cache.md "Clients"): a plain URL gets
// signed metainfo and its pieces from the node, LAN peers trade them, and whatever goes wrong
// with the node (a wrong key, the node down, the node refusing the origin) the job still
// finishes byte-exact from the CDN.
#include <gtest/gtest.h>
#include <openssl/sha.h>

#include <cstdlib>
#include <filesystem>
#include <thread>

#include "cache/proxy.h"
#include "engine/cache_hosts.h"
#include "engine/http_fetch.h"
#include "engine/metainfo_signature.h"
#include "tests/integration/swarm_fixture.h"

namespace shoal::testing {
namespace {

using engine::FileSpec;
using engine::JobState;
namespace fs = std::filesystem;

constexpr std::size_t kMiB = 1 << 20;

std::string Sha256(const std::string& data) {
  unsigned char d[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(), d);
  return std::string(reinterpret_cast<char*>(d), sizeof d);
}

class CacheClient : public SwarmTest {
 protected:
  // An Ed25519 key pair under the work folder: the private key's path; the public one beside
  // it as NAME.pub.
  std::string MakeKey(const std::string& name) {
    const std::string key = work_ / (name + ".pem");
    const std::string cmd = "openssl genpkey -algorithm ed25519 -out " + key +
                            " 2>/dev/null && openssl pkey -in " + key + " -pubout -out " + key +
                            ".pub 2>/dev/null";
    EXPECT_EQ(std::system(cmd.c_str()), 0);
    return key;
  }

  // The node, signing with `key`; `allow_local`: it may fetch from the loopback origin;
  // `seeder`: the engine seeding its store over BitTorrent (shoald's, in the cache role).
  void StartNode(const std::string& key, bool allow_local = true,
                 engine::Engine* seeder = nullptr) {
    cache::ProxyOptions o;
    if (seeder != nullptr) {
      o.seeding.seed = [seeder](const std::string& metainfo, const std::string& dir,
                                std::string* error) {
        return hr::Succeeded(seeder->AddSeed(metainfo, dir, error));
      };
      o.seeding.bytes_to_peers = [seeder] { return seeder->GetStats().bytes.to_peers; };
      const std::string at = seeder->ListenEndpoint();
      o.seeding.port = static_cast<std::uint16_t>(std::stoi(at.substr(at.rfind(':') + 1)));
    }
    o.bind_address = "127.0.0.1";
    o.port = 0;
    o.store.root = work_ / ("store" + std::to_string(nodes_++));
    o.origins.allow_local = allow_local;
    o.signing_key = key;
    std::string error;
    node_ = cache::CacheProxy::Start(o, &error);
    ASSERT_TRUE(node_) << error;
  }
  std::string NodeHost() const { return "127.0.0.1:" + std::to_string(node_->port()); }

  // Content on the origin with no sidecar: a plain URL.
  Content PublishPlain(const std::string& name, std::size_t size, unsigned seed = 1) {
    Content c;
    c.name = name;
    c.data = WriteRandomFile(origin_root_ / name, size, seed);
    c.url = origin_->BaseUrl() + "/" + name;
    // Modified an hour ago: fresh at the node for a while (its heuristic), so piece requests
    // are answered from its store without revalidating.
    fs::last_write_time(origin_root_ / name,
                        fs::file_time_type::clock::now() - std::chrono::hours(1));
    return c;
  }

  engine::EngineOptions ClientOptions(std::vector<std::string> hosts, const std::string& pub) {
    engine::EngineOptions o = Defaults();
    o.cache_host = std::move(hosts);
    o.cache_public_key = pub;
    o.enable_lsd = false;
    return o;
  }

  // Downloads `c` through `e` with its SHA-256; returns the job's bytes by source once the
  // completed file was checked byte for byte.
  engine::SourceBytes Download(engine::Engine& e, const Content& c, const std::string& as) {
    const std::string path = work_ / as;
    FileSpec spec{c.url, path};
    spec.sha256 = Sha256(c.data);
    auto job = StartJob(e, {spec});
    EXPECT_EQ(WaitSettled(*job), JobState::kTransferred);
    const engine::SourceBytes s = job->sources.Load();
    EXPECT_EQ(e.Complete(job->id), hr::kOk);
    EXPECT_TRUE(ReadFile(path) == c.data) << "not byte-exact: " << as;
    return s;
  }

  std::uint64_t NodeEgress() const {
    const cache::ProxyStats s = node_->Stats();
    return s.bytes_from_store + s.bytes_from_fill + s.bytes_to_peers;  // HTTP and its seeds
  }

  int nodes_ = 0;
  std::unique_ptr<cache::CacheProxy> node_;
};

TEST_F(CacheClient, PlainUrlThroughTheNodeIsATorrentJobFedByTheNode) {
  const std::string key = MakeKey("node");
  StartNode(key);
  const Content c = PublishPlain("plain.bin", 3 * kMiB);
  auto e = StartEngine(2, ClientOptions({NodeHost()}, key + ".pub"));
  const engine::SourceBytes s = Download(*e, c, "plain.bin");
  // Pieces come only from a torrent; the node sent every one of them, the CDN none.
  EXPECT_EQ(s.from_cache_server, c.data.size());
  EXPECT_EQ(s.from_http, 0u);
  EXPECT_EQ(e->GetStats().bytes.from_cache_server, c.data.size());
  EXPECT_EQ(origin_->BytesServed("/plain.bin"), c.data.size());  // one fill, by the node
  EXPECT_EQ(origin_->BytesServed("/plain.bin.torrent"), 0u);
  EXPECT_EQ(node_->Stats().origin_fetches, 1u);
}

// The node's side: &fill=1 fetches a URL it does not hold (once for clients asking at once)
// and answers with signed metainfo; failures have statuses of their own.
TEST_F(CacheClient, TheNodeFillsOnAskAndAnswersWithClearStatuses) {
  const std::string key = MakeKey("node");
  StartNode(key);
  const Content c = PublishPlain("ask.bin", 2 * kMiB);
  const std::string meta = engine::NodeMetainfoUrl(c.url, NodeHost());
  engine::FetchOptions fo;
  fo.no_proxy = "*";
  engine::FetchResult a, b;
  std::thread other([&] { b = engine::HttpGet(meta, fo); });
  a = engine::HttpGet(meta, fo);
  other.join();
  ASSERT_EQ(a.http_status, 200) << a.message;
  ASSERT_EQ(b.http_status, 200) << b.message;
  EXPECT_EQ(a.body, b.body);  // deterministic
  const std::string sig = a.headers["x-shoal-signature"];
  ASSERT_EQ(sig.rfind("ed25519=", 0), 0u) << sig;
  EXPECT_TRUE(engine::VerifyMetainfo(a.body, sig.substr(8), ReadFile(key + ".pub")));
  EXPECT_EQ(node_->Stats().origin_fetches, 1u);
  EXPECT_EQ(origin_->BytesServed("/ask.bin"), c.data.size());

  auto status = [&](const std::string& url) { return engine::HttpGet(url, fo).http_status; };
  const std::string base = "http://" + NodeHost() + "/shoal/v1/metainfo?url=";
  PublishPlain("cold.bin", 1000);
  EXPECT_EQ(status(base + origin_->BaseUrl() + "/cold.bin"), 404);  // not held, no fill
  EXPECT_EQ(status(base + "ftp://x/y&fill=1"), 400);
  EXPECT_EQ(status(engine::NodeMetainfoUrl(origin_->BaseUrl() + "/missing.bin", NodeHost())),
            502);                    // the origin's 404
  origin_->SetRateLimit(64 * 1024);  // 1 MiB takes the origin 16 s: more than the wait
  PublishPlain("slow.bin", kMiB);
  EXPECT_EQ(
      status(engine::NodeMetainfoUrl(origin_->BaseUrl() + "/slow.bin", NodeHost()) + "&wait=1"),
      504);
  origin_->SetRateLimit(0);
}

TEST_F(CacheClient, TheSecondClientGetsPiecesFromTheFirst) {
  const std::string key = MakeKey("node");
  StartNode(key);
  const Content c = PublishPlain("shared.bin", 4 * kMiB);
  auto a = StartEngine(2, ClientOptions({NodeHost()}, key + ".pub"));
  const engine::SourceBytes sa = Download(*a, c, "a.bin");
  EXPECT_EQ(sa.from_cache_server, c.data.size());
  engine::EngineOptions ob = ClientOptions({NodeHost()}, key + ".pub");
  ob.peers = {a->ListenEndpoint()};  // A seeds what it completed
  auto b = StartEngine(3, ob);
  const engine::SourceBytes sb = Download(*b, c, "b.bin");
  EXPECT_GT(sb.from_peers, 0u);
  EXPECT_EQ(sb.from_peers + sb.from_cache_server, c.data.size());
  EXPECT_EQ(sb.from_http, 0u);
  EXPECT_EQ(origin_->BytesServed("/shared.bin"), c.data.size());
  EXPECT_LT(NodeEgress(), 2 * c.data.size());  // not a full copy per client
}

// A site's clients wanting the same plain URL at once (decision 0015): each piece goes from the
// node to one of them (its owner by the rendezvous rule) and the others take it from peers, so
// the node sends about one copy, not one per client, and no client waits on the CDN. The node
// seeds its store over BitTorrent too, as shoald's cache role does: its seed, a peer with every
// piece, is not where the site's clients take their pieces.
TEST_F(CacheClient, ASitesClientsTakeEachPieceFromTheNodeOnceAndTradeTheRest) {
  const std::string key = MakeKey("node");
  engine::EngineOptions so = Defaults();
  so.enable_lsd = false;
  auto seeder = StartEngine(1, so);  // on the node's address, where clients dial its seed
  StartNode(key, /*allow_local=*/true, seeder.get());
  const Content c = PublishPlain("site.bin", 8 * kMiB, 5);
  // Each machine knows the site's others: B and C dial A, C dials B. A's configured peer is a
  // machine that is switched off (A is not lone: the site's peers may come).
  engine::EngineOptions oa = ClientOptions({NodeHost()}, key + ".pub");
  oa.peers = {"127.0.0.9:9"};
  auto a = StartEngine(2, oa);
  engine::EngineOptions ob = ClientOptions({NodeHost()}, key + ".pub");
  ob.peers = {a->ListenEndpoint()};
  auto b = StartEngine(3, ob);
  engine::EngineOptions oc = ClientOptions({NodeHost()}, key + ".pub");
  oc.peers = {a->ListenEndpoint(), b->ListenEndpoint()};
  auto cc = StartEngine(4, oc);
  std::vector<engine::Engine*> engines = {a.get(), b.get(), cc.get()};
  std::vector<std::shared_ptr<const engine::JobView>> jobs;
  for (std::size_t i = 0; i < engines.size(); ++i) {
    FileSpec spec{c.url, work_ / ("site" + std::to_string(i) + ".bin")};
    spec.sha256 = Sha256(c.data);
    jobs.push_back(StartJob(*engines[i], {spec}));
  }
  engine::SourceBytes total;
  for (std::size_t i = 0; i < engines.size(); ++i) {
    ASSERT_EQ(WaitSettled(*jobs[i]), JobState::kTransferred) << "client " << i;
    const engine::SourceBytes s = jobs[i]->sources.Load();
    EXPECT_EQ(s.from_http, 0u) << "client " << i;  // never the CDN
    EXPECT_EQ(s.from_peers + s.from_cache_server, c.data.size()) << "client " << i;
    total += s;
    EXPECT_EQ(engines[i]->Complete(jobs[i]->id), hr::kOk);
    EXPECT_TRUE(ReadFile(work_ / ("site" + std::to_string(i) + ".bin")) == c.data);
  }
  EXPECT_EQ(origin_->BytesServed("/site.bin"), c.data.size());  // one fill
  // About one copy from the node (a few pieces twice where ownership changed as peers
  // connected), where each client taking what peers have from the node too sent nearly three.
  EXPECT_LE(NodeEgress(), c.data.size() * 3 / 2);
  EXPECT_GE(total.from_peers, c.data.size());  // the other two thirds, twice over
}

TEST_F(CacheClient, AWrongKeyIgnoresTheNodesMetainfoAndFinishesFromTheCdn) {
  const std::string key = MakeKey("node");
  const std::string other = MakeKey("other");
  StartNode(key);
  const Content c = PublishPlain("wrongkey.bin", 2 * kMiB + 7);
  auto e = StartEngine(2, ClientOptions({NodeHost()}, other + ".pub"));
  const engine::SourceBytes s = Download(*e, c, "wrongkey.bin");
  EXPECT_EQ(s.from_http, c.data.size());  // plain HTTP from the CDN
  EXPECT_EQ(s.from_cache_server, 0u);
  EXPECT_EQ(s.from_peers, 0u);
}

TEST_F(CacheClient, AMissingKeyFileFinishesFromTheCdn) {
  StartNode(MakeKey("node"));
  const Content c = PublishPlain("nokey.bin", kMiB);
  auto e = StartEngine(2, ClientOptions({NodeHost()}, work_ / "absent.pub"));
  const engine::SourceBytes s = Download(*e, c, "nokey.bin");
  EXPECT_EQ(s.from_http, c.data.size());
  EXPECT_EQ(s.from_cache_server, 0u);
}

TEST_F(CacheClient, ANodeThatIsDownIsSkippedForTheCdn) {
  const std::string key = MakeKey("node");
  StartNode(key);
  const std::string dead = NodeHost();
  node_.reset();  // nothing listens there now
  const Content c = PublishPlain("down.bin", 2 * kMiB);
  auto e = StartEngine(2, ClientOptions({dead}, key + ".pub"));
  const engine::SourceBytes s = Download(*e, c, "down.bin");
  EXPECT_EQ(s.from_http, c.data.size());
  EXPECT_EQ(s.from_cache_server, 0u);
}

TEST_F(CacheClient, TheNextCacheHostIsTriedWhenTheFirstIsDown) {
  const std::string key = MakeKey("node");
  StartNode(key);
  const std::string dead = NodeHost();
  StartNode(key);  // a second node; the first one's port is closed
  const Content c = PublishPlain("next.bin", 2 * kMiB);
  auto e = StartEngine(2, ClientOptions({dead, NodeHost()}, key + ".pub"));
  const engine::SourceBytes s = Download(*e, c, "next.bin");
  EXPECT_EQ(s.from_cache_server, c.data.size());
  EXPECT_EQ(s.from_http, 0u);
}

TEST_F(CacheClient, ANodeRefusingTheOriginLeavesItToTheCdn) {
  const std::string key = MakeKey("node");
  StartNode(key, /*allow_local=*/false);  // the loopback origin is refused
  const Content c = PublishPlain("refused.bin", 2 * kMiB);
  auto e = StartEngine(2, ClientOptions({NodeHost()}, key + ".pub"));
  const engine::SourceBytes s = Download(*e, c, "refused.bin");
  EXPECT_EQ(s.from_http, c.data.size());
  EXPECT_EQ(s.from_cache_server, 0u);
  EXPECT_GT(node_->Stats().refused, 0u);
}

// With metainfo from the origin's sidecar, the node still serves the pieces before the CDN.
TEST_F(CacheClient, ATorrentJobTakesItsPiecesFromTheNode) {
  StartNode(MakeKey("node"));
  const Content c = Publish("sidecar.bin", 2 * kMiB);
  auto e = StartEngine(2, ClientOptions({NodeHost()}, ""));
  const std::string path = work_ / "sidecar.bin";
  auto job = StartJob(*e, {{c.url, path, c.metainfo}});
  ASSERT_EQ(WaitSettled(*job), JobState::kTransferred);
  EXPECT_EQ(job->sources.Load().from_cache_server, c.data.size());
  EXPECT_EQ(job->sources.Load().from_http, 0u);
  EXPECT_EQ(e->Complete(job->id), hr::kOk);
  EXPECT_TRUE(ReadFile(path) == c.data);
}

}  // namespace
}  // namespace shoal::testing
