// The fixture of the plain-HTTP integration tests: a fault-injecting origin, an engine whose
// job timers read a fake clock (and whose stall timeout is 1 s), and helpers asserting state,
// HRESULT, error context, ErrorCount, and that the final file is byte-exact or absent.
// Thread-compatible.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <string>

#include "engine/engine.h"
#include "tests/support/event_log.h"
#include "tests/support/fault_origin.h"
#include "tests/support/fixtures.h"

namespace shoal::testing {

using engine::ErrorContext;
using engine::JobState;
using std::chrono::seconds;
namespace fs = std::filesystem;

inline constexpr std::size_t kMiB = 1 << 20;

class HttpSource : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string error;
    origin_ = FaultOrigin::Start(&error);
    ASSERT_TRUE(origin_) << error;
    clock_ = std::make_shared<engine::FakeClock>();
    engine::EngineSeams seams;
    seams.clock = clock_;
    engine::EngineOptions o;
    o.listen_interface = "127.0.0.1:0";
    o.http_stall_timeout_s = 1;
    o.delay_foreground_download_from_http_s = 0;
    o.delay_background_download_from_http_s = 0;
    engine_ = engine::Engine::Start(o, &events_, &error, std::move(seams));
    ASSERT_TRUE(engine_) << error;
  }

  // One file from `path` on the origin to `name` in the work folder, resumed.
  std::shared_ptr<const engine::JobView> StartJob(const std::string& path, const std::string& name,
                                                  std::uint32_t timeout_s = 3600) {
    std::shared_ptr<const engine::JobView> job;
    EXPECT_EQ(engine_->CreateJob("http", &job), hr::kOk);
    EXPECT_EQ(engine_->AddFiles(job->id, {{origin_->Url(path), work_ / name, ""}}), hr::kOk);
    EXPECT_EQ(engine_->SetProperties(job->id, [&](engine::JobProperties& p) {
      p.no_progress_timeout_s = timeout_s;
      return hr::kOk;
    }), hr::kOk);
    EXPECT_EQ(engine_->Resume(job->id), hr::kOk);
    return job;
  }

  static JobState Settle(const engine::JobView& job) {
    EXPECT_TRUE(WaitFor([&] { return !engine::IsActive(job.state.load()); }, seconds(120)))
        << "still " << engine::ToString(job.state.load());
    return job.state.load();
  }

  void ExpectError(const engine::JobView& job, JobState state, hr::HResult code,
                   ErrorContext context, std::uint32_t count) {
    const JobState settled = Settle(job);
    engine::JobErrorInfo info;
    const hr::HResult got = engine_->GetError(job.id, &info);
    ASSERT_EQ(settled, state) << "error " << std::hex << static_cast<std::uint32_t>(info.code)
                              << ": " << info.message;
    ASSERT_EQ(got, hr::kOk);
    EXPECT_EQ(static_cast<std::uint32_t>(info.code), static_cast<std::uint32_t>(code))
        << info.message;
    EXPECT_EQ(info.context, context);
    EXPECT_EQ(info.file_index, 0);
    EXPECT_FALSE(info.message.empty());
    EXPECT_EQ(job.error_count.load(), count);
  }

  // Retries (the fake clock passes MinimumRetryDelay), then the job must finish byte-exact.
  void RetryAndExpectFile(const engine::JobView& job, const std::string& name,
                          const std::string& data) {
    clock_->Advance(seconds(600));
    ASSERT_TRUE(WaitFor([&] { return job.state.load() != JobState::kTransientError; }));
    ASSERT_EQ(Settle(job), JobState::kTransferred);
    ExpectFile(job, name, data);
  }

  void ExpectFile(const engine::JobView& job, const std::string& name, const std::string& data) {
    EXPECT_EQ(job.progress.Load().bytes_total, data.size());
    EXPECT_EQ(job.progress.Load().bytes_transferred, data.size());
    EXPECT_GE(job.sources.Load().from_http, data.size());
    EXPECT_FALSE(fs::exists(work_ / name));
    ASSERT_EQ(engine_->Complete(job.id), hr::kOk);
    EXPECT_TRUE(ReadFile(work_ / name) == data) << "the file is not byte-exact";
    EXPECT_EQ(ListDir(work_.path().string()), std::vector<std::string>{name});
  }

  // After an ERROR nothing may appear at the final name, and Cancel leaves nothing behind.
  void ExpectAbsent(const engine::JobView& job, const std::string& name) {
    EXPECT_FALSE(fs::exists(work_ / name));
    EXPECT_EQ(engine_->Cancel(job.id), hr::kOk);
    EXPECT_TRUE(ListDir(work_.path().string()).empty());
  }

  TempDir work_;
  EventLog events_;
  std::unique_ptr<FaultOrigin> origin_;
  std::shared_ptr<engine::FakeClock> clock_;
  std::unique_ptr<engine::Engine> engine_;
};

}  // namespace shoal::testing
