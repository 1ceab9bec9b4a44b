// shoald in its cache role, as a process: the node's HTTP front beside the local API, its
// store seeded to peers through the service's engine (a shoal client gets the bytes from it
// over BitTorrent), kill -9 mid-fill, and the status page in headless Chromium.
#include <gtest/gtest.h>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <regex>
#include <thread>

#include "origin/http_origin.h"
#include "tests/support/child_process.h"
#include "tests/support/fixtures.h"
#include "tests/support/shell_output.h"

namespace shoal::testing {
namespace {
namespace fs = std::filesystem;

class CacheRole : public ::testing::Test {
 protected:
  void SetUp() override {
    fs::create_directories(dir_.path() / "www");
    origin::HttpOriginOptions oo;
    oo.root = dir_ / "www";
    std::string error;
    origin_ = origin::HttpOrigin::Start(oo, &error);
    ASSERT_TRUE(origin_) << error;
  }

  std::string Publish(const std::string& name, std::size_t size) {
    const std::string path = dir_ / ("www/" + name);
    const std::string data = WriteRandomFile(path, size, ++published_);
    fs::last_write_time(path, fs::file_time_type::clock::now() - std::chrono::hours(1));
    return data;
  }
  std::string Url(const std::string& name) const { return origin_->BaseUrl() + "/" + name; }

  // shoald with its cache role on a free loopback port, its node store at `root`; sets node_
  // to the node's base URL once the log names its port.
  void StartShoald(const std::string& root, std::vector<std::string> extra = {}) {
    log_ = dir_ / ("shoald-" + std::to_string(++starts_) + ".log");
    std::vector<std::string> args = {SHOALD,          "--user",
                                     "--no-config",   "--socket",
                                     dir_ / "s.sock", "--state-dir",
                                     dir_ / "state",  "--cache-dir",
                                     dir_ / "cache",  "--listen",
                                     "127.0.0.1:0",   "--cache-node",
                                     "127.0.0.1:0",   "--allow-local-origins",
                                     "--set",         "cache_node_dir=" + root};
    args.insert(args.end(), extra.begin(), extra.end());
    child_ = std::make_unique<Child>(args, log_);
    std::smatch m;
    const std::regex line("cache node on 127\\.0\\.0\\.1:([0-9]+)");
    std::string log;  // outlives the lambda: `m` points into it
    ASSERT_TRUE(WaitFor([&] {
      log = fs::exists(log_) ? ReadFile(log_) : "";
      return std::regex_search(log, m, line);
    })) << ReadFile(log_);
    node_ = "http://127.0.0.1:" + m[1].str();
  }

  // The node's /shoal/v1/stats.
  nlohmann::json Stats() {
    return nlohmann::json::parse(ShellOutput("curl -s --noproxy '*' " + node_ + "/shoal/v1/stats"),
                                 nullptr, false);
  }

  std::string Fetch(const std::string& url, const std::string& out) {
    return ShellOutput("curl -s --noproxy '' --max-time 30 -x " + node_ + " -o " + out +
                 " -w '%{http_code}' " + url);
  }

  // A fresh Ed25519 key for the node's metainfo (PEM): its path.
  std::string SigningKey() {
    const std::string key = dir_ / ("node" + std::to_string(++keys_) + ".pem");
    EXPECT_EQ(
        std::system(("openssl genpkey -algorithm ed25519 -out " + key + " 2>/dev/null").c_str()),
        0);
    return key;
  }

  // A shoal client getting `name` with the node's metainfo and the node's seed as its one peer,
  // never the origin: its --json summary (discarded when it printed none; see get.err).
  nlohmann::json GetFromSeed(const std::string& name, const std::string& out) {
    const std::string torrent = dir_ / (name + ".torrent"), headers = dir_ / (name + ".hdr");
    EXPECT_EQ(ShellOutput("curl -s --noproxy '*' -o " + torrent + " -D " + headers +
                    " -w '%{http_code}' '" + node_ + "/shoal/v1/metainfo?url=" + Url(name) + "'"),
              "200");
    std::smatch m;
    const std::string hdr = ReadFile(headers);
    const std::regex seed_port("X-Shoal-Seed-Port: ([0-9]+)\r\n");
    EXPECT_TRUE(std::regex_search(hdr, m, seed_port)) << hdr;
    if (m.empty()) return nlohmann::json::value_t::discarded;
    const std::string json = ShellOutput(std::string(SHOAL_CLI) + " get " + Url(name) + " -o " + out +
                                   " --torrent " + torrent + " --standalone --no-config" +
                                   " --listen 127.0.0.1:0 --peer 127.0.0.1:" + m[1].str() +
                                   " --set no_http=1 --set data_dir= --json 2>" +
                                   (dir_ / "get.err"));
    return nlohmann::json::parse(json, nullptr, false);
  }

  TempDir dir_;
  std::unique_ptr<origin::HttpOrigin> origin_;
  std::unique_ptr<Child> child_;
  std::string node_, log_;
  int starts_ = 0, keys_ = 0;
  unsigned published_ = 0;  // each file its own content
};

// A bad cache setting is a usage error, said before anything starts.
TEST_F(CacheRole, BadNodeSettingsExitTwo) {
  for (const char* set : {"cache_node_connect_ports=99999", "cache_node_listen=host:x",
                          "cache_node_allow_origins=a:b:c"}) {
    Child c({SHOALD, "--user", "--no-config", "--socket", dir_ / "b.sock", "--state-dir",
             dir_ / "bstate", "--cache-dir", dir_ / "bcache", "--set",
             "cache_node_listen=127.0.0.1:0", "--set", set},
            dir_ / "bad.log");
    EXPECT_EQ(c.Wait(), 2) << set;
    EXPECT_NE(ReadFile(dir_ / "bad.log").find("cache_node_"), std::string::npos)
        << ReadFile(dir_ / "bad.log");
  }
}

// The store is seeded: a shoal client with the node's metainfo and the node as its one peer
// gets every byte over BitTorrent, the origin serving nothing more than the node's one fill.
TEST_F(CacheRole, StoredContentIsSeededToShoalClients) {
  const std::string key = SigningKey();
  const std::string data = Publish("s.bin", 3 << 20);
  StartShoald(dir_ / "cache/node",  // the default place: under the service's store
              {"--set", "cache_node_signing_key=" + key, "--set", "metrics_listen=127.0.0.1:0"});
  ASSERT_EQ(Fetch(Url("s.bin"), dir_ / "s.first"), "200");
  const std::uint64_t origin_bytes = origin_->BytesServed("/s.bin");
  EXPECT_EQ(origin_bytes, data.size());
  ASSERT_TRUE(WaitFor([&] { return Stats().value("seeds", 0) == 1; })) << ReadFile(log_);
  // The service's own metrics count the node's store once, its seed's hard link not again
  // (beside the content: the index, a few KiB).
  std::smatch mm;
  const std::string log = ReadFile(log_);
  ASSERT_TRUE(std::regex_search(log, mm, std::regex("metrics on (http://[0-9.:]+/metrics)")));
  const std::string metrics_url = mm[1].str();
  double store_bytes = 0;
  ASSERT_TRUE(WaitFor([&] {
    std::smatch v;
    const std::string text = ShellOutput("curl -s --noproxy '*' " + metrics_url);
    if (std::regex_search(text, v, std::regex("\nshoal_store_size_bytes ([0-9.e+]+)"))) {
      store_bytes = std::stod(v[1].str());
    }
    return store_bytes >= data.size();
  })) << store_bytes;
  EXPECT_LT(store_bytes, 2.0 * data.size());
  const std::string out = dir_ / "got.bin";
  const nlohmann::json summary = GetFromSeed("s.bin", out);
  ASSERT_FALSE(summary.is_discarded()) << ReadFile(dir_ / "get.err");
  EXPECT_EQ(ReadFile(out), data);
  EXPECT_EQ(summary.value("from_peers", 0ull), data.size()) << summary.dump();
  EXPECT_EQ(summary.value("from_http", 1ull), 0u) << summary.dump();
  EXPECT_EQ(origin_->BytesServed("/s.bin"), origin_bytes);  // nothing more from the origin
  EXPECT_TRUE(WaitFor([&] { return Stats().value("bytes_to_peers", 0ull) >= data.size(); }))
      << Stats().dump();
  const std::string metrics = ShellOutput("curl -s --noproxy '*' " + node_ + "/shoal/v1/metrics");
  EXPECT_NE(metrics.find("shoal_cache_peer_bytes_total "), std::string::npos) << metrics;
  child_->Signal(SIGTERM);
  EXPECT_EQ(child_->Wait(), 0) << ReadFile(log_);
}

// max_upload_kbps caps the seeding of the store (DOMaxUploadBandwidth; the loopback peer is
// in libtorrent's local class, which the global limit alone would not reach). An upper bound
// only, so slowness cannot fail it: the client's bytes, all from the node's seed, are at most
// the cap times the time the client took (its start included) plus a burst of one second's
// worth of the cap. Uncapped, 4 MiB cross loopback in well under the 7 s this asks.
TEST_F(CacheRole, SeedingUploadsStayUnderMaxUploadKbps) {
  constexpr std::uint64_t kCapKbps = 512;
  constexpr double kRate = kCapKbps * 1024.0;  // bytes per second
  const std::string data = Publish("u.bin", 4 << 20);
  StartShoald(dir_ / "unode", {"--set", "max_upload_kbps=" + std::to_string(kCapKbps), "--set",
                               "cache_node_signing_key=" + SigningKey()});
  ASSERT_EQ(Fetch(Url("u.bin"), dir_ / "u.first"), "200");
  ASSERT_TRUE(WaitFor([&] { return Stats().value("seeds", 0) == 1; })) << ReadFile(log_);
  const std::string out = dir_ / "u.got";
  const auto start = std::chrono::steady_clock::now();
  const nlohmann::json summary = GetFromSeed("u.bin", out);
  const double elapsed_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  ASSERT_FALSE(summary.is_discarded()) << ReadFile(dir_ / "get.err");
  ASSERT_EQ(ReadFile(out), data);
  const auto from_seed = summary.value("from_peers", 0ull);
  ASSERT_EQ(from_seed, data.size()) << summary.dump();
  const double burst = kRate;
  EXPECT_LE(static_cast<double>(from_seed), kRate * elapsed_s + burst)
      << from_seed << " bytes in " << elapsed_s << " s at a cap of " << kRate << " B/s";
  std::printf("seeded %llu bytes in %.2f s under a cap of %.0f B/s (%.2f x the cap)\n",
              static_cast<unsigned long long>(from_seed), elapsed_s, kRate,
              static_cast<double>(from_seed) / elapsed_s / kRate);
}

// Eviction ends the seed: above the high watermark the older entry leaves the store, its
// link under seeds/ and the engine's session (the service's own stats count its torrents).
TEST_F(CacheRole, AnEvictedEntryIsNoLongerSeeded) {
  Publish("a.bin", 1 << 20);
  Publish("b.bin", 1 << 20);
  const std::string root = dir_ / "enode";
  StartShoald(root, {"--set", "cache_node_high_watermark_bytes=1500000"});
  auto torrents = [&] {  // the engine's, live, over the local API
    const auto j = nlohmann::json::parse(
        ShellOutput("curl -s --unix-socket " + (dir_ / "s.sock") + " http://shoald/v1/stats"), nullptr,
        false);
    return j.is_object() && j.contains("stats") ? j["stats"].value("torrents", -1) : -1;
  };
  ASSERT_EQ(Fetch(Url("a.bin"), dir_ / "a.1"), "200");
  ASSERT_TRUE(WaitFor([&] { return Stats().value("seeds", 0) == 1; })) << Stats().dump();
  EXPECT_EQ(torrents(), 1);
  ASSERT_EQ(Fetch(Url("b.bin"), dir_ / "b.1"), "200");
  ASSERT_TRUE(WaitFor([&] { return Stats().value("evictions", 0) == 1; })) << Stats().dump();
  // a's folder (seeds/0) goes once a left the seeded set, so one seed then is b, its AddSeed
  // returned: the engine holds b, and a only until RemoveSeed took it out.
  ASSERT_TRUE(WaitFor([&] {
    return !fs::exists(root + "/seeds/0") && fs::exists(root + "/seeds/1") &&
           Stats().value("seeds", 0) == 1;
  })) << Stats().dump();
  EXPECT_EQ(Stats().value("entries", 0), 1);
  EXPECT_TRUE(WaitFor([&] { return torrents() == 1; })) << torrents();
  std::size_t links = 0;
  for (const auto& d : fs::recursive_directory_iterator(root + "/seeds")) {
    links += d.is_regular_file() ? 1 : 0;
  }
  EXPECT_EQ(links, 1u);
}

// shoald killed with SIGKILL mid-fill and after a fill: restarted on the same root, the
// interrupted fill is gone and refetched whole, the finished one is a hit.
TEST_F(CacheRole, KillNineMidFillLeavesAConsistentStore) {
  const std::string data = Publish("k.bin", 4 << 20);
  origin_->SetRateLimit(1 << 20);  // a fill of about 4 s
  const std::string root = dir_ / "kstore";
  StartShoald(root);
  std::thread client([&] { Fetch(Url("k.bin"), dir_ / "k.cut"); });
  ASSERT_TRUE(WaitFor([&] {
    std::error_code ec;
    for (const auto& f : fs::directory_iterator(root + "/tmp", ec)) {
      if (f.path().filename().string().rfind("fill-", 0) == 0 && fs::file_size(f.path()) > 0) {
        return true;
      }
    }
    return false;
  }));
  child_->Signal(SIGKILL);
  EXPECT_EQ(child_->Wait(), 128 + SIGKILL);
  client.join();
  origin_->SetRateLimit(0);
  StartShoald(root);
  EXPECT_TRUE(fs::is_empty(root + "/tmp"));
  EXPECT_EQ(Fetch(Url("k.bin"), dir_ / "k.1"), "200");
  EXPECT_EQ(ReadFile(dir_ / "k.1"), data);
  const std::uint64_t served = origin_->BytesServed("/k.bin");
  ASSERT_TRUE(WaitFor([&] { return Stats().value("entries", 0) == 1; }));  // committed
  child_->Signal(SIGKILL);
  child_->Wait();
  StartShoald(root);
  EXPECT_EQ(Fetch(Url("k.bin"), dir_ / "k.2"), "200");
  EXPECT_EQ(ReadFile(dir_ / "k.2"), data);
  EXPECT_EQ(origin_->BytesServed("/k.bin"), served);  // a hit after the restart
}

// The status page in a real browser: its script ran (the counters table is filled from
// /shoal/v1/stats) and shows the live figures, the hit ratio among them.
TEST_F(CacheRole, StatusPageShowsLiveNumbersInHeadlessChromium) {
  ASSERT_TRUE(fs::exists("/usr/bin/chromium")) << "chromium is not installed (tools/bootstrap.sh)";
  const std::string data = Publish("p.bin", 300000);
  StartShoald(dir_ / "pnode", {"--set", "cache_node_seed=0"});
  ASSERT_EQ(Fetch(Url("p.bin"), dir_ / "p.1"), "200");
  ASSERT_EQ(Fetch(Url("p.bin"), dir_ / "p.2"), "200");
  ASSERT_EQ(Fetch(Url("p.bin"), dir_ / "p.3"), "200");
  const nlohmann::json stats = Stats();
  ASSERT_EQ(stats.value("hits", 0), 2) << stats.dump();
  const std::string profile = dir_ / "chromium";
  const std::string dom = ShellOutput("HOME=" + profile +
                                " timeout 120 chromium --headless --no-sandbox --disable-gpu "
                                "--no-first-run --user-data-dir=" +
                                profile + " --virtual-time-budget=5000 --dump-dom " + node_ +
                                "/shoal/v1/status 2>" + (dir_ / "chromium.err"));
  ASSERT_NE(dom.find("<canvas"), std::string::npos) << dom << ReadFile(dir_ / "chromium.err");
  auto shown = [&](const std::string& key) {
    std::smatch m;
    const std::regex cell("<td id=\"v-" + key + "\">([^<]*)</td>");
    return std::regex_search(dom, m, cell) ? m[1].str() : std::string("(not shown)");
  };
  EXPECT_EQ(shown("hits"), "2") << dom;
  EXPECT_EQ(shown("misses"), "1") << dom;
  EXPECT_EQ(shown("bytes_from_origin"), std::to_string(data.size())) << dom;
  EXPECT_EQ(shown("bytes_to_clients_from_store"),
            std::to_string(stats.value("bytes_to_clients_from_store", 0ull)));
  EXPECT_NE(dom.find("<b id=\"ratio\">66.7 %</b>"), std::string::npos) << dom;
  // What is cached: the filled entry's row, with its URL, size and hits as the store counts
  // them, then its last use and that it is not pinned.
  const auto entries = nlohmann::json::parse(
      ShellOutput("curl -s --noproxy '*' " + node_ + "/shoal/v1/entries"), nullptr, false);
  ASSERT_EQ(entries.value("total", 0), 1) << entries.dump();
  const std::uint64_t hits = entries["shown"][0].value("hits", 0ull);
  EXPECT_GE(hits, 2u) << entries.dump();
  const std::string row = "<tr class=\"entry\"><td>" + Url("p.bin") + "</td><td>" +
                          std::to_string(data.size()) + "</td><td>" + std::to_string(hits) +
                          "</td><td>";
  const auto at = dom.find(row);
  ASSERT_NE(at, std::string::npos) << row << "\n" << dom;
  const std::string cells = dom.substr(at, dom.find("</tr>", at) - at);
  EXPECT_EQ(cells.substr(cells.size() - 11), "<td>no</td>") << cells;
  EXPECT_NE(dom.find("<span id=\"entries-total\">1 entries, " + std::to_string(data.size()) +
                     " bytes</span>"),
            std::string::npos)
      << dom;
}

}  // namespace
}  // namespace shoal::testing
