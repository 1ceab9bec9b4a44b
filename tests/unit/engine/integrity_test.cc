// IntegrityChecker: a whole file with an expected SHA-256 is ready only once its digest
// matched; a mismatch fails the job with BG_E_VALIDATION_FAILED; stale results are dropped.
#include "engine/integrity.h"

#include <gtest/gtest.h>

#include <thread>

#include "engine/metainfo.h"
#include "tests/support/engine_fakes.h"
#include "tests/support/fixtures.h"

namespace shoal::engine {
namespace {

using testing::FakeJobControl;
using testing::MakeJob;

class IntegrityTest : public ::testing::Test {
 protected:
  // A job whose one file is whole on disk, with `expected` as its SHA-256.
  Job& WholeFile(const std::string& content, const std::string& expected) {
    Job& job =
        control_.AddJob(MakeJob(JobState::kTransferring, 1, content.size(), dir_.path().string()));
    testing::WriteFile(job.files[0].temp_path(), content);
    job.files[0].spec.sha256 = expected;
    job.tracker.SetStreamedBytes(0, content.size());
    return job;
  }
  static std::string Digest(const std::string& path) {
    std::string digest, error;
    EXPECT_EQ(Sha256File(path, &digest, &error), hr::kOk) << error;
    return digest;
  }
  // Waits for the check's result to be posted, then runs it.
  void RunResult() {
    ASSERT_TRUE(testing::WaitFor([&] { return control_.HasPosted(); }));
    control_.RunPosted();
  }

  testing::TempDir dir_;
  FakeJobControl control_;
  IntegrityChecker checker_{control_};
};

TEST_F(IntegrityTest, AMatchingDigestMakesTheFileReady) {
  const std::string content = testing::RandomBytes(100000);
  testing::WriteFile(dir_ / "ref", content);
  Job& job = WholeFile(content, Digest(dir_ / "ref"));
  EXPECT_FALSE(FileReady(job, 0));
  checker_.Start(job, 0);
  EXPECT_TRUE(job.files[0].integrity.verifying);
  RunResult();
  EXPECT_TRUE(job.files[0].integrity.verified);
  EXPECT_FALSE(job.files[0].integrity.verifying);
  EXPECT_TRUE(FileReady(job, 0));
  EXPECT_EQ(control_.scheduled, 1);
  EXPECT_TRUE(control_.failures.empty());
}

TEST_F(IntegrityTest, AMismatchFailsTheJobAndRestartsAPlainHttpFile) {
  Job& job = WholeFile("the wrong bytes", std::string(32, '\x01'));
  job.files[0].http.plain = true;
  job.files[0].http.bytes = 15;
  checker_.Start(job, 0);
  RunResult();
  ASSERT_EQ(control_.failures.size(), 1u);
  EXPECT_EQ(control_.failures[0].code, hr::kBgEValidationFailed);
  EXPECT_FALSE(control_.failures[0].transient);
  EXPECT_NE(control_.failures[0].message.find("does not match"), std::string::npos);
  EXPECT_FALSE(FileReady(job, 0));
  EXPECT_EQ(job.files[0].http.bytes, 0u);  // fetched again on Resume
  EXPECT_EQ(job.tracker.File(0).bytes_transferred, 0u);
}

TEST_F(IntegrityTest, AResultForAnOlderGenerationIsDropped) {
  const std::string content = "abc";
  testing::WriteFile(dir_ / "ref", content);
  Job& job = WholeFile(content, Digest(dir_ / "ref"));
  checker_.Start(job, 0);
  ++job.generation;  // suspended meanwhile
  RunResult();
  EXPECT_FALSE(job.files[0].integrity.verified);
  EXPECT_FALSE(job.files[0].integrity.verifying);  // Schedule may start it again
  EXPECT_EQ(control_.scheduled, 0);
}

}  // namespace
}  // namespace shoal::engine
