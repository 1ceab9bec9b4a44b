// Bad inputs end in the right state and HRESULT, never a hang or a crash.
#include <gtest/gtest.h>

#include <sys/socket.h>
#include <netinet/in.h>
#include <unistd.h>

#include <filesystem>

#include "tests/integration/swarm_fixture.h"

namespace shoal::testing {
namespace {

using engine::JobState;
namespace fs = std::filesystem;

class EngineErrors : public SwarmTest {
 protected:
  engine::JobErrorInfo ExpectError(const std::string& url, const std::string& local,
                                   hr::HResult code, engine::ErrorContext context,
                                   JobState state = JobState::kError) {
    auto e = StartEngine(2);
    auto job = StartJob(*e, {{url, local, ""}});
    EXPECT_EQ(WaitSettled(*job), state);
    engine::JobErrorInfo info;
    EXPECT_EQ(e->GetError(job->id, &info), hr::kOk);
    EXPECT_EQ(static_cast<std::uint32_t>(info.code), static_cast<std::uint32_t>(code))
        << info.message;
    EXPECT_EQ(info.context, context);
    EXPECT_EQ(info.file_index, 0);
    EXPECT_FALSE(info.message.empty());
    EXPECT_EQ(job->error_count.load(), 1u);
    EXPECT_FALSE(fs::exists(local));
    return info;
  }
};

TEST_F(EngineErrors, MissingContentIsHttp404) {
  const auto info = ExpectError(origin_->BaseUrl() + "/missing.bin", work_ / "missing.bin",
                                hr::HttpError(404), engine::ErrorContext::kRemoteFile);
  EXPECT_NE(info.message.find("missing.bin"), std::string::npos);
}

TEST_F(EngineErrors, UnreachableHostIsATransientCannotConnect) {
  ExpectError("http://127.0.0.1:" + std::to_string(ClosedLoopbackPort()) + "/x.bin", work_ / "x.bin",
              hr::kInternetCannotConnect, engine::ErrorContext::kRemoteFile,
              JobState::kTransientError);
}

TEST_F(EngineErrors, CorruptSidecarIsInvalidData) {
  WriteFile(origin_root_ / "bad.bin", "payload");
  WriteFile(origin_root_ / "bad.bin.torrent", "d4:infod4:name3:abce");
  ExpectError(origin_->BaseUrl() + "/bad.bin", work_ / "bad.bin", hr::kInvalidData,
              engine::ErrorContext::kRemoteFile);
}

TEST_F(EngineErrors, MissingDestinationFolderIsRefusedAtAddFile) {
  const Content c = Publish("ok.bin", 1 << 20);
  auto e = StartEngine(2);
  std::shared_ptr<const engine::JobView> job;
  ASSERT_EQ(e->CreateJob("path", &job), hr::kOk);
  EXPECT_EQ(e->AddFiles(job->id, {{c.url, work_ / "no/such/dir/ok.bin", ""}}), hr::kPathNotFound);
  EXPECT_EQ(job->progress.Load().files_total, 0u);
}

TEST_F(EngineErrors, DestinationFolderRemovedBeforeTheTransferIsALocalFileError) {
  const Content c = Publish("ok.bin", 1 << 20);
  const fs::path dir = work_ / "gone";
  fs::create_directories(dir);
  auto e = StartEngine(2);
  std::shared_ptr<const engine::JobView> job;
  ASSERT_EQ(e->CreateJob("path", &job), hr::kOk);
  ASSERT_EQ(e->AddFiles(job->id, {{c.url, dir / "ok.bin", ""}}), hr::kOk);
  fs::remove_all(dir);
  ASSERT_EQ(e->Resume(job->id), hr::kOk);
  EXPECT_EQ(WaitSettled(*job), JobState::kError);
  engine::JobErrorInfo info;
  ASSERT_EQ(e->GetError(job->id, &info), hr::kOk);
  EXPECT_EQ(static_cast<std::uint32_t>(info.code), static_cast<std::uint32_t>(hr::kPathNotFound));
  EXPECT_EQ(info.context, engine::ErrorContext::kLocalFile);
  EXPECT_EQ(info.file_index, 0);
  EXPECT_FALSE(fs::exists(dir));
}

TEST_F(EngineErrors, BadArgumentsAreRefusedAtAddFile) {
  auto e = StartEngine(2);
  std::shared_ptr<const engine::JobView> job;
  ASSERT_EQ(e->CreateJob("bad", &job), hr::kOk);
  EXPECT_EQ(e->AddFiles(job->id, {{"ftp://host/x", work_ / "x", ""}}), hr::kInvalidArg);
  EXPECT_EQ(e->AddFiles(job->id, {{"not a url", work_ / "x", ""}}), hr::kInvalidArg);
  EXPECT_EQ(e->AddFiles(job->id, {{"http://h/x", "relative/x", ""}}), hr::kInvalidArg);
  EXPECT_EQ(e->AddFiles(job->id, {{"http://h/x", work_ / "x", "garbage"}}), hr::kInvalidData);
  // All or nothing: one bad file keeps the good one out too.
  EXPECT_EQ(e->AddFiles(job->id, {{"http://h/a", work_ / "a", ""}, {"gopher://h/b", work_ / "b", ""}}),
            hr::kInvalidArg);
  EXPECT_EQ(job->progress.Load().files_total, 0u);
  EXPECT_EQ(e->Resume(job->id), hr::kBgEEmpty);
  EXPECT_EQ(job->state.load(), JobState::kSuspended);
}

TEST_F(EngineErrors, ErrorJobResumesAfterTheCauseIsFixed) {
  const std::string url = origin_->BaseUrl() + "/later.bin";
  auto e = StartEngine(2);
  auto job = StartJob(*e, {{url, work_ / "later.bin", ""}});
  ASSERT_EQ(WaitSettled(*job), JobState::kError);
  const Content c = Publish("later.bin", 1 << 20);
  EXPECT_EQ(e->Resume(job->id), hr::kOk);
  ASSERT_EQ(WaitSettled(*job), JobState::kTransferred);
  engine::JobErrorInfo info;
  EXPECT_EQ(e->GetError(job->id, &info), hr::kBgEErrorInformationUnavailable);
  EXPECT_EQ(e->Complete(job->id), hr::kOk);
  EXPECT_EQ(ReadFile(work_ / "later.bin"), c.data);
}

}  // namespace
}  // namespace shoal::testing
