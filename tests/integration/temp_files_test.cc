// Temp files of an engine without a data directory die with it, kill -9 included: the next
// engine that adds a file to the folder deletes what a dead one left, and never what a live
// one is writing (engine/temp_files.h).
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/integration/http_fixture.h"

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
#if defined(__SANITIZE_THREAD__)
  // The child engine is forked from this multi-threaded process and starts threads, which TSan
  // cannot follow ("starting new threads after multi-threaded fork is not supported"). The
  // default and ASan builds run it.
  GTEST_SKIP() << "TSan cannot run threads in a child forked from a multi-threaded process";
#endif
  Fault drip;
  drip.drip_bytes = 4 << 10;
  drip.drip_delay = std::chrono::milliseconds(20);
  origin_->Put("/slow.bin", RandomBytes(kMiB), {}, drip);
  int ready[2];
  ASSERT_EQ(::pipe(ready), 0);
  const pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {  // a non-durable `shoal get`, killed mid-transfer
    engine::EngineOptions o;
    o.listen_interface = "127.0.0.1:0";
    o.delay_foreground_download_from_http_s = 0;
    o.delay_background_download_from_http_s = 0;
    std::string error;
    auto e = engine::Engine::Start(o, nullptr, &error);
    std::shared_ptr<const engine::JobView> job;
    if (!e || e->CreateJob("doomed", &job) != hr::kOk ||
        e->AddFiles(job->id, {{origin_->Url("/slow.bin"), work_ / "slow.bin", ""}}) != hr::kOk ||
        e->Resume(job->id) != hr::kOk) {
      _exit(2);
    }
    WaitFor([&] { return job->progress.Load().bytes_transferred > 0; });
    if (::write(ready[1], "x", 1) != 1) _exit(3);
    for (;;) ::pause();
  }
  ::close(ready[1]);
  char c = 0;
  ASSERT_EQ(::read(ready[0], &c, 1), 1) << "the child engine did not start transferring";
  ::close(ready[0]);
  ::kill(pid, SIGKILL);
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
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
