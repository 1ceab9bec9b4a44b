// IEnumBackgroundCopyJobs / IEnumBackgroundCopyFiles: Next, Skip, Reset, Clone, GetCount.
#include <gtest/gtest.h>

#include "tests/unit/api/api_test_util.h"

namespace shoal::apitest {
namespace {

class Enumerators : public ::testing::Test {
 protected:
  void SetUp() override {
    MakeManager(&manager_);
    for (int i = 0; i < 3; ++i) {
      Com<IBackgroundCopyJob> job;
      GUID id;
      ASSERT_EQ(manager_->CreateJob(W("job" + std::to_string(i)).c_str(), BG_JOB_TYPE_DOWNLOAD, &id,
                                    job.Put()),
                S_OK);
      ids_.push_back(id);
    }
    ASSERT_EQ(manager_->EnumJobs(0, enum_.Put()), S_OK);
  }
  GUID IdOf(IBackgroundCopyJob* job) {
    GUID id{};
    EXPECT_EQ(job->GetId(&id), S_OK);
    return id;
  }
  Com<IBackgroundCopyManager> manager_;
  Com<IEnumBackgroundCopyJobs> enum_;
  std::vector<GUID> ids_;
};

TEST_F(Enumerators, NextReturnsSFalseWhenShort) {
  IBackgroundCopyJob* jobs[4] = {};
  ULONG fetched = 99;
  EXPECT_EQ(enum_->Next(2, jobs, &fetched), S_OK);
  EXPECT_EQ(fetched, 2u);
  EXPECT_EQ(enum_->Next(2, jobs + 2, &fetched), S_FALSE);
  EXPECT_EQ(fetched, 1u);
  EXPECT_EQ(enum_->Next(1, jobs + 3, &fetched), S_FALSE);
  EXPECT_EQ(fetched, 0u);
  for (int i = 0; i < 3; ++i) {
    EXPECT_TRUE(IdOf(jobs[i]) == ids_[i]) << i;  // creation order
    jobs[i]->Release();
  }
}

TEST_F(Enumerators, NullFetchedIsAllowedOnlyForOne) {
  IBackgroundCopyJob* jobs[2] = {};
  EXPECT_EQ(enum_->Next(2, jobs, nullptr), E_INVALIDARG);
  EXPECT_EQ(jobs[0], nullptr);
  EXPECT_EQ(enum_->Next(1, jobs, nullptr), S_OK);
  ASSERT_NE(jobs[0], nullptr);
  jobs[0]->Release();
  EXPECT_EQ(enum_->Next(1, nullptr, nullptr), E_POINTER);
}

TEST_F(Enumerators, SkipResetAndGetCount) {
  ULONG count = 0;
  ASSERT_EQ(enum_->GetCount(&count), S_OK);
  EXPECT_EQ(count, 3u);
  EXPECT_EQ(enum_->Skip(2), S_OK);
  EXPECT_EQ(enum_->Skip(2), S_FALSE);  // only one was left
  IBackgroundCopyJob* job = nullptr;
  ULONG fetched = 7;
  EXPECT_EQ(enum_->Next(1, &job, &fetched), S_FALSE);
  EXPECT_EQ(fetched, 0u);
  ASSERT_EQ(enum_->Reset(), S_OK);
  ASSERT_EQ(enum_->Next(1, &job, &fetched), S_OK);
  EXPECT_TRUE(IdOf(job) == ids_[0]);
  job->Release();
  ASSERT_EQ(enum_->GetCount(&count), S_OK);
  EXPECT_EQ(count, 3u);  // the count ignores the cursor
  EXPECT_EQ(enum_->GetCount(nullptr), E_POINTER);
}

TEST_F(Enumerators, CloneCopiesTheCursorAndMovesIndependently) {
  ASSERT_EQ(enum_->Skip(1), S_OK);
  Com<IEnumBackgroundCopyJobs> clone;
  ASSERT_EQ(enum_->Clone(clone.Put()), S_OK);
  IBackgroundCopyJob* a = nullptr;
  IBackgroundCopyJob* b = nullptr;
  ASSERT_EQ(clone->Next(1, &a, nullptr), S_OK);
  EXPECT_TRUE(IdOf(a) == ids_[1]);
  ASSERT_EQ(clone->Next(1, &b, nullptr), S_OK);
  EXPECT_TRUE(IdOf(b) == ids_[2]);
  a->Release();
  b->Release();
  ASSERT_EQ(enum_->Next(1, &a, nullptr), S_OK);  // the original did not move
  EXPECT_TRUE(IdOf(a) == ids_[1]);
  a->Release();
  EXPECT_EQ(enum_->Clone(nullptr), E_POINTER);
}

TEST_F(Enumerators, SnapshotIgnoresLaterJobs) {
  Com<IBackgroundCopyJob> extra;
  GUID id;
  ASSERT_EQ(manager_->CreateJob(L"late", BG_JOB_TYPE_DOWNLOAD, &id, extra.Put()), S_OK);
  ULONG count = 0;
  ASSERT_EQ(enum_->GetCount(&count), S_OK);
  EXPECT_EQ(count, 3u);
}

TEST_F(Enumerators, FileEnumeratorFollowsTheSameRules) {
  Com<IBackgroundCopyJob> job;
  GUID id;
  ASSERT_EQ(manager_->CreateJob(L"files", BG_JOB_TYPE_DOWNLOAD, &id, job.Put()), S_OK);
  ASSERT_EQ(job->AddFile(L"http://127.0.0.1:1/a", L"/tmp/shoal-enum-a"), S_OK);
  ASSERT_EQ(job->AddFile(L"http://127.0.0.1:1/b", L"/tmp/shoal-enum-b"), S_OK);
  Com<IEnumBackgroundCopyFiles> files;
  ASSERT_EQ(job->EnumFiles(files.Put()), S_OK);
  ULONG count = 0;
  ASSERT_EQ(files->GetCount(&count), S_OK);
  EXPECT_EQ(count, 2u);
  IBackgroundCopyFile* got[3] = {};
  ULONG fetched = 0;
  EXPECT_EQ(files->Next(3, got, &fetched), S_FALSE);
  ASSERT_EQ(fetched, 2u);
  LPWSTR name = nullptr;
  ASSERT_EQ(got[0]->GetLocalName(&name), S_OK);
  EXPECT_EQ(Take(name), L"/tmp/shoal-enum-a");
  ASSERT_EQ(got[1]->GetLocalName(&name), S_OK);
  EXPECT_EQ(Take(name), L"/tmp/shoal-enum-b");
  got[0]->Release();
  got[1]->Release();
  EXPECT_EQ(files->Next(2, got, nullptr), E_INVALIDARG);
  Com<IEnumBackgroundCopyFiles> clone;
  ASSERT_EQ(files->Clone(clone.Put()), S_OK);
  EXPECT_EQ(clone->Skip(1), S_FALSE);
  ASSERT_EQ(clone->Reset(), S_OK);
  EXPECT_EQ(clone->Skip(2), S_OK);
}

TEST_F(Enumerators, EnumeratorHoldsItsJobsAlive) {
  IBackgroundCopyJob* job = nullptr;
  ASSERT_EQ(enum_->Next(1, &job, nullptr), S_OK);
  const ULONG with_enum = RefCount(job);
  enum_.Reset();
  EXPECT_EQ(RefCount(job), with_enum - 1);
  job->Release();
}

}  // namespace
}  // namespace shoal::apitest
