// Temp files of an engine without a data directory die with it, kill -9 included: the next
// engine that adds a file to the folder deletes what a dead one left, and never what a live
// one is writing (engine/temp_files.h).
#include <signal.h>

#include "tests/integration/http_fixture.h"
#include "tests/support/child_process.h"

namespace shoal::testing {
namespace {

// The names in `dir` of temp files beside `final_name`.
std::vector<std::string> TempsOf(const fs::path& dir, const std::string& final_name) {
  std::vector<std::string> out;
  for (const auto& name : ListDir(dir.string())) {
    if (name.rfind("." + final_name + ".", 0) == 0) out.push_back(name);
  }
  return out;
}

TEST_F(HttpSource, TempFilesOfAKilledEngineAreRemovedByTheNextOne) {
  Fault drip;
  drip.drip_bytes = 4 << 10;
  drip.drip_delay = std::chrono::milliseconds(20);
  origin_->Put("/slow.bin", RandomBytes(kMiB), {}, drip);
  // A non-durable `shoal get` (no data directory), killed mid-transfer. A real process: a
  // child forked from this multi-threaded test could hang in a lock another thread held.
  const TempDir logs;
  {
    Child get({SHOAL_CLI, "get", "--standalone", "--no-config", origin_->Url("/slow.bin"), "-o",
               work_ / "slow.bin", "--listen", "127.0.0.1:0", "--http-delay", "0"},
              logs / "stderr.txt");
    ASSERT_TRUE(get.started());
    const auto writing = [&] {
      for (const auto& name : TempsOf(work_.path(), "slow.bin")) {
        std::error_code ec;
        if (fs::file_size(work_ / name, ec) > 0 && !ec) return true;
      }
      return false;
    };
    ASSERT_TRUE(WaitFor(writing, std::chrono::seconds(60)))
        << "the child did not start transferring: "
        << ReadFile(logs / "stderr.txt");
    get.Signal(SIGKILL);
    EXPECT_EQ(get.Wait(), 128 + SIGKILL);
  }
  ASSERT_EQ(TempsOf(work_.path(), "slow.bin").size(), 1u) << "the killed engine left its file";

  // A live engine's temp file in the same folder stays; the dead one's goes.
  const std::string data = RandomBytes(200 << 10);
  origin_->Put("/live.bin", data, {}, drip);
  auto live = StartJob("/live.bin", "live.bin");
  ASSERT_TRUE(WaitFor([&] { return live->progress.Load().bytes_transferred > 0; }));
  engine::EngineOptions o;
  o.listen_interface = "127.0.0.1:0";
  std::string error;
  auto next = engine::Engine::Start(o, nullptr, &error);
  ASSERT_TRUE(next) << error;
  std::shared_ptr<const engine::JobView> job;
  ASSERT_EQ(next->CreateJob("next", &job), hr::kOk);
  ASSERT_EQ(next->AddFiles(job->id, {{origin_->Url("/live.bin"), work_ / "other.bin", ""}}),
            hr::kOk);
  EXPECT_TRUE(TempsOf(work_.path(), "slow.bin").empty()) << "the dead engine's file stayed";
  EXPECT_EQ(TempsOf(work_.path(), "live.bin").size(), 1u) << "a live engine's file went";
  ASSERT_EQ(Settle(*live), JobState::kTransferred);
  ExpectFile(*live, "live.bin", data);
}

}  // namespace
}  // namespace shoal::testing
