// IBackgroundCopyJob's return codes where BITS documents one other than the usual: each test
// names the method's page on learn.microsoft.com (bits.h reference) it follows.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "tests/unit/api/api_test_util.h"

namespace shoal::apitest {
namespace {

std::uint64_t Value(const FILETIME& f) {
  return (std::uint64_t{f.dwHighDateTime} << 32) | f.dwLowDateTime;
}

class JobReturnCodes : public ::testing::Test {
 protected:
  void SetUp() override {
    MakeManager(&manager_);
    ASSERT_EQ(manager_->CreateJob(L"job", BG_JOB_TYPE_DOWNLOAD, &id_, job_.Put()), S_OK);
  }
  std::uint64_t ModificationTime() {
    BG_JOB_TIMES t;
    EXPECT_EQ(job_->GetTimes(&t), S_OK);
    return Value(t.ModificationTime);
  }
  // The clock must be seen to move between two modifications.
  static void Tick() { std::this_thread::sleep_for(std::chrono::milliseconds(2)); }

  Com<IBackgroundCopyManager> manager_;
  Com<IBackgroundCopyJob> job_;
  GUID id_;
};

// nf-bits-ibackgroundcopyjob-setpriority: "E_NOTIMPL: The value for Priority is not defined in
// the BG_JOB_PRIORITY enumeration."
TEST_F(JobReturnCodes, SetPriorityOutOfRangeIsNotImpl) {
  EXPECT_EQ(job_->SetPriority(static_cast<BG_JOB_PRIORITY>(4)), E_NOTIMPL);
  EXPECT_EQ(job_->SetPriority(static_cast<BG_JOB_PRIORITY>(-1)), E_NOTIMPL);
  BG_JOB_PRIORITY p;
  ASSERT_EQ(job_->GetPriority(&p), S_OK);
  EXPECT_EQ(p, BG_JOB_PRIORITY_NORMAL) << "a refused value changes nothing";
}

// nf-bits-ibackgroundcopyjob-setnotifyflags lists 0x1, 0x2, 0x4, 0x8, 0x10 and 0x20 ("The flag
// [FILE_RANGES_TRANSFERRED] can be specified for any job"); E_NOTIMPL is for a value that is
// not valid.
TEST_F(JobReturnCodes, SetNotifyFlagsAcceptsEveryDocumentedFlag) {
  for (ULONG flags : {0x1Fu, 0x3Fu, static_cast<ULONG>(BG_NOTIFY_FILE_RANGES_TRANSFERRED),
                      static_cast<ULONG>(BG_NOTIFY_FILE_TRANSFERRED), 0u}) {
    ASSERT_EQ(job_->SetNotifyFlags(flags), S_OK) << flags;
    ULONG got = 0xFF;
    ASSERT_EQ(job_->GetNotifyFlags(&got), S_OK);
    EXPECT_EQ(got, flags);
  }
  EXPECT_EQ(job_->SetNotifyFlags(0x40), E_NOTIMPL);
}

// E_INVALIDARG for a NULL out-pointer, where the method's page says so:
// nf-bits-ibackgroundcopyjob-getprogress ("The pProgress parameter cannot be NULL"),
// -gettimes ("pTimes"), -getstate ("pJobState"), -getpriority ("pPriority") and
// -getnotifyflags ("Must pass the address of pNotifyFlags").
TEST_F(JobReturnCodes, NullOutPointersDocumentedAsInvalidArg) {
  EXPECT_EQ(job_->GetProgress(nullptr), E_INVALIDARG);
  EXPECT_EQ(job_->GetTimes(nullptr), E_INVALIDARG);
  EXPECT_EQ(job_->GetState(nullptr), E_INVALIDARG);
  EXPECT_EQ(job_->GetPriority(nullptr), E_INVALIDARG);
  EXPECT_EQ(job_->GetNotifyFlags(nullptr), E_INVALIDARG);
  // Pages that give no code for it keep COM's E_POINTER.
  EXPECT_EQ(job_->GetDisplayName(nullptr), E_POINTER);
  EXPECT_EQ(job_->GetId(nullptr), E_POINTER);
}

// ns-bits-bg_job_times, ModificationTime: "calling the Suspend, Resume, Cancel, and Complete
// methods change this value" — also when Suspend finds the job suspended already (and Resume
// finds it queued).
TEST_F(JobReturnCodes, SuspendOfASuspendedJobMovesModificationTime) {
  const std::uint64_t created = ModificationTime();
  Tick();
  ASSERT_EQ(job_->Suspend(), S_OK);
  const std::uint64_t suspended = ModificationTime();
  EXPECT_GT(suspended, created);
  ASSERT_EQ(job_->AddFile(L"http://127.0.0.1:1/a", L"/tmp/shoal-api-times"), S_OK);
  ASSERT_EQ(job_->Resume(), S_OK);
  ASSERT_EQ(job_->Suspend(), S_OK);
  const std::uint64_t again = ModificationTime();
  Tick();
  ASSERT_EQ(job_->Suspend(), S_OK);
  EXPECT_GT(ModificationTime(), again);
}

}  // namespace
}  // namespace shoal::apitest
