// libtorrent resume data across restarts (decision 0006). After a clean shutdown a partial
// torrent file, and finished content being served, start again from resume data without
// hashing; a file changed behind the engine's back (its stamp differs) is hashed instead, so a
// byte damaged inside a piece the resume data lists is found and fetched again.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>

#include "engine/engine.h"
#include "engine/job_store.h"
#include "engine/metainfo.h"
#include "tests/support/fault_origin.h"
#include "tests/support/fixtures.h"

namespace shoal::testing {
namespace {

using engine::Engine;
using engine::JobState;
using engine::JobView;
constexpr std::size_t kSize = 8 << 20;
constexpr int kPiece = 64 << 10;
constexpr int kPieces = kSize / kPiece;

class ResumeData : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string error;
    origin_ = FaultOrigin::Start(&error);
    ASSERT_TRUE(origin_) << error;
    data_ = WriteRandomFile(dir_ / "content.bin", kSize, 21);
    engine::MetainfoSpec spec;
    spec.path = dir_ / "content.bin";
    spec.web_seeds = {origin_->Url("/content.bin")};
    spec.piece_size = kPiece;
    ASSERT_EQ(engine::CreateMetainfo(spec, &torrent_, &error), hr::kOk) << error;
    std::filesystem::create_directories(dir_ / "out");
  }

  std::unique_ptr<Engine> Start() {
    engine::EngineOptions o;
    o.listen_interface = "127.0.0.1:0";
    o.data_dir = dir_ / "state";
    o.persist_interval_s = 1;
    o.delay_foreground_download_from_http_s = 0;
    o.delay_background_download_from_http_s = 0;
    std::string error;
    auto e = Engine::Start(o, nullptr, &error);
    EXPECT_TRUE(e) << error;
    return e;
  }

  // A torrent job fetching the content from the (slow) CDN, stopped cleanly part-way.
  engine::Uuid DownloadPartWay(std::uint64_t* verified) {
    Fault slow;
    slow.drip_bytes = 16 << 10;
    slow.drip_delay = std::chrono::milliseconds(20);
    origin_->Put("/content.bin", data_, {}, slow);
    auto e = Start();
    std::shared_ptr<const JobView> job;
    EXPECT_EQ(e->CreateJob("c", &job), hr::kOk);
    engine::FileSpec f;
    f.remote_url = origin_->Url("/content.bin");
    f.local_path = out() + "/content.bin";
    f.metainfo = torrent_;
    EXPECT_EQ(e->AddFiles(job->id, {f}), hr::kOk);
    EXPECT_EQ(e->Resume(job->id), hr::kOk);
    EXPECT_TRUE(WaitFor([&] { return job->progress.Load().bytes_transferred >= kSize / 4; }));
    *verified = job->progress.Load().bytes_transferred;
    EXPECT_LT(*verified, kSize) << "stopped while still transferring";
    return job->id;  // the engine shuts down here, still transferring
  }

  std::string TempFile() {
    for (const auto& name : ListDir(out())) {
      if (name.find(".shoal-tmp") != std::string::npos) return out() + "/" + name;
    }
    return {};
  }

  // Restarts, lets the job finish and completes it; pieces fetched from the CDN after the
  // restart in *fetched.
  engine::EngineStats FinishAfterRestart(const engine::Uuid& id, std::uint64_t verified,
                                         int* fetched) {
    origin_->Put("/content.bin", data_);  // fast now; request counts start again
    auto e = Start();
    auto job = e->FindJob(id);
    EXPECT_TRUE(job);
    if (!job) return {};
    EXPECT_TRUE(WaitFor([&] { return job->state.load() == JobState::kTransferred; }));
    const engine::EngineStats stats = e->GetStats();
    EXPECT_EQ(e->Complete(id), hr::kOk);
    EXPECT_TRUE(ReadFile(out() + "/content.bin") == data_) << "not byte-exact";
    *fetched = static_cast<int>(origin_->Ranges("/content.bin").size());
    EXPECT_LE(*fetched, kPieces - static_cast<int>(verified / kPiece))
        << "nothing verified before the shutdown is fetched again";
    return stats;
  }

  std::string out() const { return dir_ / "out"; }

  TempDir dir_;
  std::unique_ptr<FaultOrigin> origin_;
  std::string data_;
  std::string torrent_;
};

TEST_F(ResumeData, CleanRestartStartsFromResumeDataWithoutHashing) {
  std::uint64_t verified = 0;
  const engine::Uuid id = DownloadPartWay(&verified);
  int fetched = 0;
  const engine::EngineStats stats = FinishAfterRestart(id, verified, &fetched);
  EXPECT_EQ(stats.checks_resumed, 1u);
  EXPECT_EQ(stats.checks_hashed, 0u);
  std::printf(
      "[figure] clean restart: %llu of %d bytes verified before, %d of %d pieces "
      "fetched after, from resume data\n",
      static_cast<unsigned long long>(verified), static_cast<int>(kSize), fetched, kPieces);
}

TEST_F(ResumeData, FileChangedBehindOurBackIsHashedAndTheDamagedPieceFetchedAgain) {
  std::uint64_t verified = 0;
  const engine::Uuid id = DownloadPartWay(&verified);
  // One byte of the first piece fetched (long verified: the resume data lists it) is damaged.
  const std::string first = origin_->Ranges("/content.bin").at(0);  // "bytes=a-b"
  const std::uint64_t offset = std::stoull(first.substr(6));
  const std::string temp = TempFile();
  ASSERT_FALSE(temp.empty());
  const int fd = ::open(temp.c_str(), O_RDWR);
  ASSERT_GE(fd, 0);
  char byte = 0;
  ASSERT_EQ(::pread(fd, &byte, 1, static_cast<off_t>(offset) + 100), 1);
  byte = static_cast<char>(byte ^ 0x5a);
  ASSERT_EQ(::pwrite(fd, &byte, 1, static_cast<off_t>(offset) + 100), 1);
  ::close(fd);
  int fetched = 0;
  const engine::EngineStats stats = FinishAfterRestart(id, verified - kPiece, &fetched);
  EXPECT_EQ(stats.checks_resumed, 0u);
  EXPECT_EQ(stats.checks_hashed, 1u);
  // A range asked after the restart (FinishAfterRestart starts the origin's record again)
  // covers the damaged byte: one piece, or a solitary client's run of several.
  const auto ranges = origin_->Ranges("/content.bin");
  bool refetched = false;
  for (std::size_t i = 0; i < ranges.size(); ++i) {
    const std::uint64_t a = std::stoull(ranges[i].substr(6));
    const std::uint64_t b = std::stoull(ranges[i].substr(ranges[i].find('-') + 1));
    refetched = refetched || (a <= offset + 100 && offset + 100 <= b);
  }
  std::string asked;
  for (const auto& r : ranges) asked += r + " ";
  EXPECT_TRUE(refetched) << "the damaged piece came again from the CDN: offset " << offset
                         << ", asked: " << asked;
}

TEST_F(ResumeData, UnreadableResumeDataIsSaidAndTheFileHashedInstead) {
  std::uint64_t verified = 0;
  const engine::Uuid id = DownloadPartWay(&verified);
  {
    std::string warnings, error;
    auto store = engine::OpenSqliteJobStore(dir_ / "state", &warnings, &error);
    ASSERT_TRUE(store) << error;
    engine::StoredResume r;
    ASSERT_TRUE(store->GetResume(TempFile(), &r)) << "saved at shutdown";
    EXPECT_EQ(r.stamp, engine::StampFile(TempFile()));
    r.data.resize(r.data.size() / 2);  // truncated, its stamp still matching the file
    ASSERT_TRUE(store->PutResume(TempFile(), r, &error)) << error;
  }
  int fetched = 0;
  const engine::EngineStats stats = FinishAfterRestart(id, verified, &fetched);
  EXPECT_EQ(stats.checks_resumed, 0u);
  EXPECT_EQ(stats.checks_hashed, 1u);
}

TEST_F(ResumeData, ServedContentStartsFromResumeDataUntilItsFileChanges) {
  std::uint64_t verified = 0;
  const engine::Uuid id = DownloadPartWay(&verified);
  int fetched = 0;
  FinishAfterRestart(id, verified, &fetched);  // completed: now served from out/content.bin
  const std::string served = out() + "/content.bin";
  {
    auto e = Start();
    ASSERT_TRUE(WaitFor([&] { return e->GetStats().checks_resumed == 1; }));
    EXPECT_EQ(e->GetStats().checks_hashed, 0u);
    EXPECT_EQ(e->GetStats().cached_files, 1u);
  }
  // The user touches the file (same bytes, a new mtime): it is hashed again, still served.
  const timespec times[2] = {{0, UTIME_NOW}, {0, UTIME_NOW}};
  ASSERT_EQ(::utimensat(AT_FDCWD, served.c_str(), times, 0), 0);
  auto e = Start();
  ASSERT_TRUE(WaitFor([&] { return e->GetStats().checks_hashed == 1; }));
  EXPECT_EQ(e->GetStats().checks_resumed, 0u);
  EXPECT_EQ(e->GetStats().cached_files, 1u);
}

}  // namespace
}  // namespace shoal::testing
