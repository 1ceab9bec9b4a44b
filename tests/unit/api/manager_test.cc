// IBackgroundCopyManager and COM object rules: CreateJob, GetJob, EnumJobs, QueryInterface,
// reference counts, GetErrorDescription.
#include <gtest/gtest.h>

#include "tests/unit/api/api_test_util.h"

namespace shoal::apitest {
namespace {

class ManagerFacade : public ::testing::Test {
 protected:
  void SetUp() override { MakeManager(&manager_); }
  void CreateJob(const wchar_t* name, Com<IBackgroundCopyJob>* job, GUID* id = nullptr) {
    GUID scratch;
    ASSERT_EQ(manager_->CreateJob(name, BG_JOB_TYPE_DOWNLOAD, id ? id : &scratch, job->Put()),
              S_OK);
  }
  Com<IBackgroundCopyManager> manager_;
};

TEST_F(ManagerFacade, CreateJobGivesBitsDefaults) {
  GUID id;
  Com<IBackgroundCopyJob> job;
  CreateJob(L"defaults", &job, &id);
  BG_JOB_STATE state;
  ASSERT_EQ(job->GetState(&state), S_OK);
  EXPECT_EQ(state, BG_JOB_STATE_SUSPENDED);
  BG_JOB_PRIORITY priority;
  ASSERT_EQ(job->GetPriority(&priority), S_OK);
  EXPECT_EQ(priority, BG_JOB_PRIORITY_NORMAL);
  ULONG flags = 0;
  ASSERT_EQ(job->GetNotifyFlags(&flags), S_OK);
  EXPECT_EQ(flags, 0x3u);
  IUnknown* notify = reinterpret_cast<IUnknown*>(0x1);
  ASSERT_EQ(job->GetNotifyInterface(&notify), S_OK);
  EXPECT_EQ(notify, nullptr);
  BG_JOB_PROGRESS progress;
  ASSERT_EQ(job->GetProgress(&progress), S_OK);
  EXPECT_EQ(progress.BytesTotal, 0u);  // empty job: zeros, not BG_SIZE_UNKNOWN
  EXPECT_EQ(progress.BytesTransferred, 0u);
  EXPECT_EQ(progress.FilesTotal, 0u);
  GUID got;
  ASSERT_EQ(job->GetId(&got), S_OK);
  EXPECT_TRUE(got == id);
  BG_JOB_TYPE type;
  ASSERT_EQ(job->GetType(&type), S_OK);
  EXPECT_EQ(type, BG_JOB_TYPE_DOWNLOAD);
  LPWSTR name = nullptr;
  ASSERT_EQ(job->GetDisplayName(&name), S_OK);
  EXPECT_EQ(Take(name), L"defaults");
  BG_JOB_TIMES times;
  ASSERT_EQ(job->GetTimes(&times), S_OK);
  EXPECT_NE(times.CreationTime.dwHighDateTime, 0u);
  EXPECT_EQ(times.TransferCompletionTime.dwHighDateTime, 0u);
  ULONG retry = 0;
  ASSERT_EQ(job->GetMinimumRetryDelay(&retry), S_OK);
  EXPECT_EQ(retry, 600u);
  ULONG errors = 7;
  ASSERT_EQ(job->GetErrorCount(&errors), S_OK);
  EXPECT_EQ(errors, 0u);
}

TEST_F(ManagerFacade, CreateJobRejectsBadArguments) {
  GUID id;
  Com<IBackgroundCopyJob> job;
  EXPECT_EQ(manager_->CreateJob(nullptr, BG_JOB_TYPE_DOWNLOAD, &id, job.Put()), E_INVALIDARG);
  EXPECT_EQ(job.get(), nullptr);
  const std::wstring long_name(257, L'n');
  EXPECT_EQ(manager_->CreateJob(long_name.c_str(), BG_JOB_TYPE_DOWNLOAD, &id, job.Put()),
            E_INVALIDARG);
  const std::wstring max_name(256, L'n');
  EXPECT_EQ(manager_->CreateJob(max_name.c_str(), BG_JOB_TYPE_DOWNLOAD, &id, job.Put()), S_OK);
  EXPECT_EQ(manager_->CreateJob(L"up", BG_JOB_TYPE_UPLOAD, &id, job.Put()), E_NOTIMPL);
  EXPECT_EQ(manager_->CreateJob(L"up", BG_JOB_TYPE_UPLOAD_REPLY, &id, job.Put()), E_NOTIMPL);
  EXPECT_EQ(manager_->CreateJob(L"x", static_cast<BG_JOB_TYPE>(9), &id, job.Put()), E_INVALIDARG);
  EXPECT_EQ(manager_->CreateJob(L"x", BG_JOB_TYPE_DOWNLOAD, nullptr, job.Put()), E_POINTER);
  EXPECT_EQ(manager_->CreateJob(L"x", BG_JOB_TYPE_DOWNLOAD, &id, nullptr), E_POINTER);
}

TEST_F(ManagerFacade, GetJobFindsLiveJobsAndKeepsIdentity) {
  GUID id;
  Com<IBackgroundCopyJob> job;
  CreateJob(L"find me", &job, &id);
  Com<IBackgroundCopyJob> again;
  ASSERT_EQ(manager_->GetJob(id, again.Put()), S_OK);
  Com<IUnknown> u1, u2;
  ASSERT_EQ(job->QueryInterface(IID_IUnknown, u1.PutVoid()), S_OK);
  ASSERT_EQ(again->QueryInterface(IID_IUnknown, u2.PutVoid()), S_OK);
  EXPECT_EQ(u1.get(), u2.get());
}

TEST_F(ManagerFacade, GetJobOfUnknownOrFinalJobIsNotFound) {
  GUID unknown = IID_IBackgroundCopyJob;
  Com<IBackgroundCopyJob> job;
  EXPECT_EQ(manager_->GetJob(unknown, job.Put()), BG_E_NOT_FOUND);
  EXPECT_EQ(job.get(), nullptr);
  GUID id;
  CreateJob(L"cancel me", &job, &id);
  ASSERT_EQ(job->Cancel(), S_OK);
  Com<IBackgroundCopyJob> again;
  EXPECT_EQ(manager_->GetJob(id, again.Put()), BG_E_NOT_FOUND);
  EXPECT_EQ(manager_->GetJob(id, nullptr), E_POINTER);
}

TEST_F(ManagerFacade, EnumJobsListsLiveJobsOnly) {
  Com<IBackgroundCopyJob> a, b, c;
  GUID ida, idb, idc;
  CreateJob(L"a", &a, &ida);
  CreateJob(L"b", &b, &idb);
  CreateJob(L"c", &c, &idc);
  ASSERT_EQ(b->Cancel(), S_OK);
  ASSERT_TRUE(SUCCEEDED(c->Complete()));
  Com<IEnumBackgroundCopyJobs> e;
  ASSERT_EQ(manager_->EnumJobs(0, e.Put()), S_OK);
  ULONG count = 0;
  ASSERT_EQ(e->GetCount(&count), S_OK);
  EXPECT_EQ(count, 1u);
  IBackgroundCopyJob* got = nullptr;
  ASSERT_EQ(e->Next(1, &got, nullptr), S_OK);
  GUID id;
  got->GetId(&id);
  EXPECT_TRUE(id == ida);
  got->Release();
}

TEST_F(ManagerFacade, EnumJobsChecksFlags) {
  Com<IEnumBackgroundCopyJobs> e;
  EXPECT_EQ(manager_->EnumJobs(0x10, e.Put()), E_INVALIDARG);
  if (::geteuid() != 0) {
    EXPECT_EQ(manager_->EnumJobs(BG_JOB_ENUM_ALL_USERS, e.Put()), E_ACCESSDENIED);
  } else {
    EXPECT_EQ(manager_->EnumJobs(BG_JOB_ENUM_ALL_USERS, e.Put()), S_OK);
  }
  EXPECT_EQ(manager_->EnumJobs(0, nullptr), E_POINTER);
}

TEST_F(ManagerFacade, QueryInterfaceFollowsComRules) {
  Com<IUnknown> unk;
  ASSERT_EQ(manager_->QueryInterface(IID_IUnknown, unk.PutVoid()), S_OK);
  Com<IShoalManager> ext;
  ASSERT_EQ(manager_->QueryInterface(IID_IShoalManager, ext.PutVoid()), S_OK);
  Com<IUnknown> unk2;
  ASSERT_EQ(ext->QueryInterface(IID_IUnknown, unk2.PutVoid()), S_OK);
  EXPECT_EQ(unk.get(), unk2.get());  // one identity whichever interface asks
  Com<IBackgroundCopyManager> back;
  ASSERT_EQ(ext->QueryInterface(IID_IBackgroundCopyManager, back.PutVoid()), S_OK);
  EXPECT_EQ(back.get(), manager_.get());
  void* p = reinterpret_cast<void*>(0x1);
  EXPECT_EQ(manager_->QueryInterface(IID_IBackgroundCopyJob, &p), E_NOINTERFACE);
  EXPECT_EQ(p, nullptr);
  EXPECT_EQ(manager_->QueryInterface(IID_IUnknown, nullptr), E_POINTER);
}

TEST_F(ManagerFacade, QueryInterfaceAddsOneReference) {
  const ULONG before = RefCount(manager_.get());
  {
    Com<IUnknown> unk;
    ASSERT_EQ(manager_->QueryInterface(IID_IUnknown, unk.PutVoid()), S_OK);
    EXPECT_EQ(RefCount(manager_.get()), before + 1);
  }
  EXPECT_EQ(RefCount(manager_.get()), before);
  EXPECT_EQ(manager_->AddRef(), before + 1);
  EXPECT_EQ(manager_->Release(), before);
}

TEST_F(ManagerFacade, JobOutlivesItsManager) {
  Com<IBackgroundCopyJob> job;
  CreateJob(L"orphan", &job);
  manager_.Reset();
  EXPECT_EQ(job->SetDescription(L"still works"), S_OK);
  LPWSTR d = nullptr;
  ASSERT_EQ(job->GetDescription(&d), S_OK);
  EXPECT_EQ(Take(d), L"still works");
}

TEST_F(ManagerFacade, GetErrorDescriptionIsEnglishText) {
  LPWSTR text = nullptr;
  ASSERT_EQ(manager_->GetErrorDescription(BG_E_NOT_FOUND, 0x409, &text), S_OK);
  EXPECT_FALSE(Take(text).empty());
  EXPECT_EQ(manager_->GetErrorDescription(BG_E_NOT_FOUND, 0x409, nullptr), E_POINTER);
  EXPECT_TRUE(FAILED(manager_->GetErrorDescription(static_cast<HRESULT>(0x8BAD0001u), 0, &text)));
  EXPECT_EQ(text, nullptr);
}

TEST_F(ManagerFacade, ListenEndpointIsTheBoundLoopbackPort) {
  Com<IShoalManager> ext;
  ASSERT_EQ(manager_->QueryInterface(IID_IShoalManager, ext.PutVoid()), S_OK);
  LPWSTR endpoint = nullptr;
  ASSERT_EQ(ext->GetListenEndpoint(&endpoint), S_OK);
  const std::wstring e = Take(endpoint);
  EXPECT_EQ(e.rfind(L"127.0.0.1:", 0), 0u) << std::string(e.begin(), e.end());
  EXPECT_NE(e, L"127.0.0.1:0");
}

}  // namespace
}  // namespace shoal::apitest
