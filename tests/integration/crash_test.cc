// `shoal get --data-dir` as a real process, interrupted mid-transfer (SIGKILL, or SIGINT as a
// user's Ctrl-C) and run again with the same arguments: the same job continues, what was
// verified before the interruption is not fetched again (bar the pieces in flight), and the
// output is byte-exact. Bytes fetched twice are printed as a figure ("re-downloaded").
#include <signal.h>

#include <gtest/gtest.h>

#include <cstdio>

#include "engine/job_store.h"
#include "engine/metainfo.h"
#include "tests/support/child_process.h"
#include "tests/support/fault_origin.h"
#include "tests/support/fixtures.h"

namespace shoal::testing {
namespace {

constexpr std::uint64_t kSize = 6 << 20;
constexpr int kPiece = 64 << 10;
constexpr int kCdnWorkers = 4;  // Engine::Impl::kCdnWorkers: CDN pieces in flight at most

std::uint64_t Field(const std::string& json, const std::string& key) {
  const auto at = json.find("\"" + key + "\":");
  return at == std::string::npos ? 0 : std::stoull(json.substr(at + key.size() + 3));
}

// Payload bytes the origin sent for `ranges` ("" = whole file, "bytes=a-b", "bytes=a-").
std::uint64_t RangeBytes(const std::vector<std::string>& ranges) {
  std::uint64_t sum = 0;
  for (const std::string& r : ranges) {
    if (r.empty()) {
      sum += kSize;
      continue;
    }
    const std::uint64_t a = std::stoull(r.substr(6));
    const auto dash = r.find('-');
    const std::uint64_t b = dash + 1 < r.size() ? std::stoull(r.substr(dash + 1)) : kSize - 1;
    sum += b - a + 1;
  }
  return sum;
}

struct Case {
  const char* name;
  bool http_only;
  int signal;
};

class Crash : public ::testing::TestWithParam<Case> {};

TEST_P(Crash, InterruptedGetContinuesWhereItStoppedAndEndsByteExact) {
  const Case c = GetParam();
  TempDir dir;
  std::string error;
  auto origin = FaultOrigin::Start(&error);
  ASSERT_TRUE(origin) << error;
  const std::string data = WriteRandomFile(dir / "content.bin", kSize, 42);
  if (!c.http_only) {
    engine::MetainfoSpec spec;
    spec.path = dir / "content.bin";
    spec.web_seeds = {origin->Url("/content.bin")};
    spec.piece_size = kPiece;
    std::string torrent;
    ASSERT_EQ(engine::CreateMetainfo(spec, &torrent, &error), hr::kOk) << error;
    origin->Put("/content.bin.torrent", torrent);
  }
  // ~0.8 MB/s in all (CDN pieces come 4 at a time): the interruption lands mid-transfer,
  // after a few progress saves (every 2 s).
  Fault drip;
  drip.drip_bytes = 8 << 10;
  drip.drip_delay = std::chrono::milliseconds(c.http_only ? 10 : 40);
  origin->Put("/content.bin", data, {}, drip);

  const std::string out = dir / "out.bin";
  const std::string state = dir / "state";
  std::vector<std::string> args = {SHOAL_CLI, "get", origin->Url("/content.bin"), "-o", out,
                                   "--data-dir", state, "--listen", "127.0.0.1:0",
                                   "--http-delay", "0"};
  if (c.http_only) args.push_back("--http-only");
  std::uint64_t seen = 0;  // the last progress the first run printed
  {
    auto first = args;
    first.push_back("--progress-jsonl");
    Child run(first, dir / "stderr1.txt");
    std::string line;
    while (seen < kSize / 3 && run.Line(&line)) seen = Field(line, "bytes");
    ASSERT_GE(seen, kSize / 3) << ReadFile(dir / "stderr1.txt");
    ASSERT_LT(seen, kSize) << "the interruption must land mid-transfer";
    run.Signal(c.signal);
    const int code = run.Wait();
    EXPECT_EQ(code, c.signal == SIGKILL ? 128 + SIGKILL : 130) << ReadFile(dir / "stderr1.txt");
  }
  EXPECT_FALSE(std::filesystem::exists(out)) << "nothing half-written is exposed";
  // What the store says was verified when the process died.
  std::uint64_t persisted = 0;
  engine::Uuid id;
  {
    std::string warnings;
    auto store = engine::OpenSqliteJobStore(state, &warnings, &error);
    ASSERT_TRUE(store) << error;
    const auto jobs = store->LoadAll(&warnings);
    ASSERT_EQ(jobs.size(), 1u) << warnings;
    id = jobs[0].id;
    persisted = jobs[0].files.at(0).verified_bytes;
  }
  EXPECT_GT(persisted, 0u) << "progress was persisted while transferring";

  origin->Put("/content.bin", data);  // full speed; the request log starts afresh
  auto second = args;
  second.push_back("--json");
  Child run(second, dir / "stderr2.txt");
  std::string summary, line;
  while (run.Line(&line)) summary += line;
  ASSERT_EQ(run.Wait(), 0) << ReadFile(dir / "stderr2.txt");
  EXPECT_NE(ReadFile(dir / "stderr2.txt").find("continuing the earlier download"),
            std::string::npos);
  ASSERT_EQ(ReadFile(out), data);
  EXPECT_EQ(Field(summary, "bytes"), kSize);

  const std::uint64_t fetched = RangeBytes(origin->Ranges("/content.bin"));
  const std::uint64_t missing_at_kill = kSize - seen;
  const std::uint64_t refetched = fetched > missing_at_kill ? fetched - missing_at_kill : 0;
  std::printf("[figure] %s: %llu bytes verified before the interruption, %llu persisted, "
              "%llu fetched by the second run, %llu re-downloaded\n",
              c.name, static_cast<unsigned long long>(seen),
              static_cast<unsigned long long>(persisted), static_cast<unsigned long long>(fetched),
              static_cast<unsigned long long>(refetched));
  // Plain HTTP continues from the length on disk, which holds every byte it counted; pieces
  // are re-checked, so at most the ones in flight come again.
  const std::uint64_t bound = c.http_only ? 0 : std::uint64_t{kCdnWorkers} * kPiece;
  EXPECT_LE(refetched, bound);
  EXPECT_LE(fetched, kSize - persisted + bound);
}

INSTANTIATE_TEST_SUITE_P(
    Get, Crash,
    ::testing::Values(Case{"http_sigkill", true, SIGKILL}, Case{"torrent_sigkill", false, SIGKILL},
                      Case{"http_sigint", true, SIGINT}, Case{"torrent_sigint", false, SIGINT}),
    [](const auto& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace shoal::testing
