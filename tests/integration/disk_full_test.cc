// A full disk mid-transfer, on a small tmpfs mounted for the test: the job goes to
// TRANSIENT_ERROR with HRESULT_FROM_WIN32(ERROR_DISK_FULL) and LOCAL_FILE context, and once
// the file system is grown it resumes and ends byte-exact. Plain HTTP and CDN pieces through
// libtorrent. The binary has its own main(): it enters a private mount namespace first (a user
// namespace too when not root), so any user can mount the tmpfs; skipped, with the reason,
// only where neither root nor a user namespace is available.
#include <gtest/gtest.h>
#include <sys/mount.h>

#include <cerrno>
#include <cstring>

#include "engine/engine.h"
#include "engine/metainfo.h"
#include "tests/support/fault_origin.h"
#include "tests/support/fixtures.h"
#include "tests/support/mount_namespace.h"

namespace shoal::testing {

// Why main() could not enter a private mount namespace; empty when it did.
std::string g_no_namespace;

namespace {

using engine::JobState;
constexpr std::size_t kMiB = 1 << 20;

class DiskFull : public ::testing::TestWithParam<bool> {  // true: plain HTTP
 protected:
  void SetUp() override {
    small_ = dir_ / "small";
    std::filesystem::create_directories(small_);
    if (::mount("tmpfs", small_.c_str(), "tmpfs", 0, "size=2m") != 0) {
      const int err = errno;
      GTEST_SKIP() << "cannot mount a 2 MiB tmpfs (" << std::strerror(err) << "): needs root "
                   << "(CAP_SYS_ADMIN) or a user namespace"
                   << (g_no_namespace.empty() ? "" : "; " + g_no_namespace);
    }
    mounted_ = true;
    std::string error;
    origin_ = FaultOrigin::Start(&error);
    ASSERT_TRUE(origin_) << error;
  }
  void TearDown() override {
    engine_.reset();
    if (mounted_) ::umount2(small_.c_str(), MNT_DETACH);
  }

  TempDir dir_;
  std::string small_;
  bool mounted_ = false;
  std::unique_ptr<FaultOrigin> origin_;
  std::unique_ptr<engine::Engine> engine_;
};

TEST_P(DiskFull, IsATransientLocalFileErrorAndResumesWhenSpaceReturns) {
  const bool http = GetParam();
  const std::string data = WriteRandomFile(dir_ / "content.bin", 3 * kMiB, 7);
  origin_->Put("/content.bin", data);
  engine::FileSpec f;
  f.remote_url = origin_->Url("/content.bin");
  f.local_path = small_ + "/content.bin";
  f.http_only = http;
  std::string error;
  if (!http) {
    engine::MetainfoSpec spec;
    spec.path = dir_ / "content.bin";
    spec.web_seeds = {f.remote_url};
    spec.piece_size = 64 << 10;
    ASSERT_EQ(engine::CreateMetainfo(spec, &f.metainfo, &error), hr::kOk) << error;
  }
  engine::EngineOptions o;
  o.listen_interface = "127.0.0.1:0";
  o.delay_foreground_download_from_http_s = 0;
  o.delay_background_download_from_http_s = 0;
  engine_ = engine::Engine::Start(o, nullptr, &error);
  ASSERT_TRUE(engine_) << error;
  std::shared_ptr<const engine::JobView> job;
  ASSERT_EQ(engine_->CreateJob("full", &job), hr::kOk);
  ASSERT_EQ(engine_->AddFiles(job->id, {f}), hr::kOk);
  ASSERT_EQ(engine_->Resume(job->id), hr::kOk);
  ASSERT_TRUE(WaitFor([&] {
    const JobState s = job->state.load();
    return s == JobState::kTransientError || s == JobState::kError ||
           s == JobState::kTransferred;
  }));
  engine::JobErrorInfo e;
  ASSERT_EQ(engine_->GetError(job->id, &e), hr::kOk);
  ASSERT_EQ(job->state.load(), JobState::kTransientError)
      << std::hex << static_cast<std::uint32_t>(e.code) << " " << e.message;
  EXPECT_EQ(static_cast<std::uint32_t>(e.code), 0x80070070u) << e.message;
  EXPECT_EQ(e.context, engine::ErrorContext::kLocalFile);
  EXPECT_LT(job->progress.Load().bytes_transferred, data.size());

  ASSERT_EQ(::mount("tmpfs", small_.c_str(), "tmpfs", MS_REMOUNT, "size=16m"), 0)
      << std::strerror(errno);
  ASSERT_EQ(engine_->Resume(job->id), hr::kOk);  // as a caller would, not waiting 600 s
  const bool transferred =
      WaitFor([&] { return job->state.load() == JobState::kTransferred; });
  if (!transferred && engine_->GetError(job->id, &e) == hr::kOk) {
    ADD_FAILURE() << engine::ToString(job->state.load()) << " " << std::hex
                  << static_cast<std::uint32_t>(e.code) << " " << e.message;
  }
  ASSERT_TRUE(transferred);
  ASSERT_EQ(engine_->Complete(job->id), hr::kOk);
  EXPECT_EQ(ReadFile(small_ + "/content.bin"), data);
}

INSTANTIATE_TEST_SUITE_P(Sources, DiskFull, ::testing::Values(true, false),
                         [](const auto& info) { return info.param ? "PlainHttp" : "CdnPieces"; });

}  // namespace
}  // namespace shoal::testing

int main(int argc, char** argv) {
  // First, while the process has one thread: unshare(CLONE_NEWUSER) refuses any other.
  shoal::testing::EnterPrivateMountNamespace(&shoal::testing::g_no_namespace);
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
