// `shoal sim` end to end on the small scenario (4 `shoal get` processes, 16 MiB, a 16 MiB/s
// origin, opentracker when installed): every copy byte-exact, every progress stream monotonic
// and exact, origin bytes within a generous bound, and the run ending by itself.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <sys/wait.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "tests/support/fixtures.h"

namespace shoal::testing {
namespace {

TEST(SimSmallScenario, EveryPeerGetsTheExactFileWithMonotonicExactProgress) {
  TempDir out;
  const std::string cmd = std::string(SHOAL_CLI) + " sim " + SHOAL_SCENARIOS +
                          "/small.json --no-baselines --keep --out " + out.path().string() +
                          " > " + (out / "stdout.txt") + " 2> " + (out / "stderr.txt");
  const int status = std::system(cmd.c_str());
  ASSERT_TRUE(WIFEXITED(status)) << "the harness did not exit by itself";
  ASSERT_EQ(WEXITSTATUS(status), 0) << ReadFile(out / "stdout.txt") << ReadFile(out / "stderr.txt");

  std::ifstream in(out / "results.json");
  const auto results = nlohmann::json::parse(in);
  const std::uint64_t f = results["scenario"]["file_bytes"];
  const int n = results["scenario"]["peers"];
  ASSERT_EQ(n, 4);
  ASSERT_EQ(f, 16u << 20);
  const auto& run = results["runs"].at(0);
  ASSERT_EQ(run["client"], "shoal");
  EXPECT_TRUE(run["correct"].get<bool>());
  EXPECT_FALSE(run["timed_out"].get<bool>());
  ASSERT_EQ(run["peers"].size(), 4u);

  const std::string content = ReadFile(out / "work/cdn/update.bin");
  ASSERT_EQ(content.size(), f);
  std::uint64_t http_total = 0;
  for (int i = 0; i < n; ++i) {
    SCOPED_TRACE("peer " + std::to_string(i));
    const std::string dir = out / ("work/shoal/peer" + std::to_string(i));
    EXPECT_TRUE(ReadFile(dir + "/update.bin") == content) << "the copy differs from the origin's";

    // The raw stream: BytesTransferred never goes back, never passes BytesTotal, and ends
    // exactly at the file size with every verified byte attributed to one source.
    std::ifstream stream(dir + "/progress.jsonl");
    std::string line;
    std::uint64_t last = 0, lines = 0;
    nlohmann::json final_line;
    while (std::getline(stream, line)) {
      const auto j = nlohmann::json::parse(line);
      const std::uint64_t bytes = j["bytes"];
      EXPECT_GE(bytes, last) << line;
      EXPECT_EQ(j["total"].get<std::uint64_t>(), f) << line;
      EXPECT_LE(bytes, f) << line;
      last = bytes;
      final_line = j;
      ++lines;
    }
    ASSERT_GT(lines, 1u);
    EXPECT_EQ(final_line["state"], "transferred");
    EXPECT_EQ(final_line["bytes"].get<std::uint64_t>(), f);
    const std::uint64_t peers = final_line["from_peers"], http = final_line["from_http"];
    // Verified bytes by source: every byte exactly once.
    EXPECT_EQ(peers + http, f);
    http_total += http;
  }
  // The origin sent at least what the peers credit to it, and no more than client-server would
  // (plus a little re-request slack): a generous bound, not the 1.05 x F target.
  const std::uint64_t origin = run["origin_bytes"];
  EXPECT_GE(origin, http_total);
  EXPECT_LE(origin, static_cast<std::uint64_t>(n) * f + (f / 10));
  // The report names every column the issue asks for.
  const std::string table = ReadFile(out / "stdout.txt");
  for (const char* word : {"makespan", "p50", "p99", "origin/F", "peer%", "eta", "bound"}) {
    EXPECT_NE(table.find(word), std::string::npos) << word;
  }
  std::ifstream svg(out / "shoal.svg");
  std::stringstream svg_text;
  svg_text << svg.rdbuf();
  EXPECT_NE(svg_text.str().find("<polyline"), std::string::npos);
}

// The corrupt scenario: a peer (aria2c seeding a copy with a flipped byte in every block,
// unverified) offers every piece; shoal's peers must reject all of it and still end byte-exact.
TEST(SimCorruptPeer, EveryCopyIsByteExactDespiteAPeerSendingBadPieces) {
  ASSERT_EQ(std::system("command -v aria2c >/dev/null 2>&1"), 0)
      << "aria2c plays the corrupt peer (tools/bootstrap.sh installs it)";
  TempDir out;
  const std::string cmd = std::string(SHOAL_CLI) + " sim " + SHOAL_SCENARIOS +
                          "/corrupt.json --no-baselines --keep --out " + out.path().string() +
                          " > " + (out / "stdout.txt") + " 2> " + (out / "stderr.txt");
  const int status = std::system(cmd.c_str());
  ASSERT_TRUE(WIFEXITED(status)) << "the harness did not exit by itself";
  ASSERT_EQ(WEXITSTATUS(status), 0) << ReadFile(out / "stdout.txt") << ReadFile(out / "stderr.txt");
  // The corrupt peer really served: its copy differs from the origin's in every block.
  const std::string content = ReadFile(out / "work/cdn/update.bin");
  const std::string bad = ReadFile(out / "work/corrupt/update.bin");
  ASSERT_EQ(bad.size(), content.size());
  EXPECT_NE(bad.substr(0, 16 * 1024), content.substr(0, 16 * 1024));
  std::ifstream in(out / "results.json");
  const auto results = nlohmann::json::parse(in);
  const auto& run = results["runs"].at(0);
  EXPECT_TRUE(run["correct"].get<bool>());
  ASSERT_EQ(run["helpers"].size(), 1u) << "the corrupt peer did not come up";
  EXPECT_EQ(run["helpers"][0].get<std::string>().rfind("corrupt 127.0.0.8:", 0), 0u);
  for (int i = 0; i < 4; ++i) {
    SCOPED_TRACE("peer " + std::to_string(i));
    EXPECT_TRUE(ReadFile(out / ("work/shoal/peer" + std::to_string(i) + "/update.bin")) == content);
  }
}

}  // namespace
}  // namespace shoal::testing
