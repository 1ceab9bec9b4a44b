// IBackgroundCopyJob: property round-trips and their errors, AddFile validation, Resume on an
// empty job, and the final-state rules (every mutator refused, getters still answer).
#include <gtest/gtest.h>

#include "tests/support/fixtures.h"
#include "tests/unit/api/api_test_util.h"

namespace shoal::apitest {
namespace {

class JobFacade : public ::testing::Test {
 protected:
  void SetUp() override {
    MakeManager(&manager_);
    ASSERT_EQ(manager_->CreateJob(L"job", BG_JOB_TYPE_DOWNLOAD, &id_, job_.Put()), S_OK);
  }
  BG_JOB_STATE State() {
    BG_JOB_STATE s;
    EXPECT_EQ(job_->GetState(&s), S_OK);
    return s;
  }
  Com<IBackgroundCopyManager> manager_;
  Com<IBackgroundCopyJob> job_;
  GUID id_;
};

TEST_F(JobFacade, ResumeOnEmptyJobReturnsBgEEmpty) {
  EXPECT_EQ(job_->Resume(), BG_E_EMPTY);
  EXPECT_EQ(State(), BG_JOB_STATE_SUSPENDED);
}

TEST_F(JobFacade, DisplayNameAndDescriptionRoundTrip) {
  ASSERT_EQ(job_->SetDisplayName(L"caf\u00e9 \U0001F600"), S_OK);
  LPWSTR s = nullptr;
  ASSERT_EQ(job_->GetDisplayName(&s), S_OK);
  EXPECT_EQ(Take(s), L"caf\u00e9 \U0001F600");
  ASSERT_EQ(job_->SetDescription(L"what it is"), S_OK);
  ASSERT_EQ(job_->GetDescription(&s), S_OK);
  EXPECT_EQ(Take(s), L"what it is");
}

TEST_F(JobFacade, StringPropertiesEnforceBitsLimits) {
  EXPECT_EQ(job_->SetDisplayName(nullptr), E_INVALIDARG);
  EXPECT_EQ(job_->SetDisplayName(std::wstring(257, L'x').c_str()), BG_E_STRING_TOO_LONG);
  EXPECT_EQ(job_->SetDisplayName(std::wstring(256, L'x').c_str()), S_OK);
  EXPECT_EQ(job_->SetDescription(nullptr), E_INVALIDARG);
  EXPECT_EQ(job_->SetDescription(std::wstring(1025, L'x').c_str()), BG_E_STRING_TOO_LONG);
  EXPECT_EQ(job_->SetDescription(std::wstring(1024, L'x').c_str()), S_OK);
  const wchar_t bad[] = {L'a', static_cast<wchar_t>(0xDC00), 0};
  EXPECT_EQ(job_->SetDescription(bad), E_INVALIDARG);
  EXPECT_EQ(job_->GetDisplayName(nullptr), E_POINTER);
  EXPECT_EQ(job_->GetDescription(nullptr), E_POINTER);
}

TEST_F(JobFacade, PriorityRoundTripsAndRejectsUnknownValues) {
  for (BG_JOB_PRIORITY p : {BG_JOB_PRIORITY_FOREGROUND, BG_JOB_PRIORITY_HIGH, BG_JOB_PRIORITY_LOW,
                            BG_JOB_PRIORITY_NORMAL}) {
    ASSERT_EQ(job_->SetPriority(p), S_OK);
    BG_JOB_PRIORITY got;
    ASSERT_EQ(job_->GetPriority(&got), S_OK);
    EXPECT_EQ(got, p);
  }
  EXPECT_EQ(job_->SetPriority(static_cast<BG_JOB_PRIORITY>(4)), E_NOTIMPL);
}

TEST_F(JobFacade, NotifyFlagsRoundTripAndUnknownBitsAreNotImplemented) {
  ASSERT_EQ(job_->SetNotifyFlags(BG_NOTIFY_JOB_MODIFICATION | BG_NOTIFY_JOB_ERROR), S_OK);
  ULONG flags = 0;
  ASSERT_EQ(job_->GetNotifyFlags(&flags), S_OK);
  EXPECT_EQ(flags, static_cast<ULONG>(BG_NOTIFY_JOB_MODIFICATION | BG_NOTIFY_JOB_ERROR));
  EXPECT_EQ(job_->SetNotifyFlags(0x100), E_NOTIMPL);
  ASSERT_EQ(job_->GetNotifyFlags(&flags), S_OK);
  EXPECT_EQ(flags, static_cast<ULONG>(BG_NOTIFY_JOB_MODIFICATION | BG_NOTIFY_JOB_ERROR));
}

TEST_F(JobFacade, MinimumRetryDelayIsClampedToFiveSeconds) {
  ASSERT_EQ(job_->SetMinimumRetryDelay(1), S_OK);
  ULONG s = 0;
  ASSERT_EQ(job_->GetMinimumRetryDelay(&s), S_OK);
  EXPECT_EQ(s, 5u);
  ASSERT_EQ(job_->SetMinimumRetryDelay(42), S_OK);
  ASSERT_EQ(job_->GetMinimumRetryDelay(&s), S_OK);
  EXPECT_EQ(s, 42u);
}

TEST_F(JobFacade, NoProgressTimeoutRoundTrips) {
  ASSERT_EQ(job_->SetNoProgressTimeout(0), S_OK);
  ULONG s = 1;
  ASSERT_EQ(job_->GetNoProgressTimeout(&s), S_OK);
  EXPECT_EQ(s, 0u);
  ASSERT_EQ(job_->SetNoProgressTimeout(3600), S_OK);
  ASSERT_EQ(job_->GetNoProgressTimeout(&s), S_OK);
  EXPECT_EQ(s, 3600u);
}

TEST_F(JobFacade, NotifyInterfaceRoundTripsAndHoldsAReference) {
  RecordingCallback cb;
  ASSERT_EQ(job_->SetNotifyInterface(&cb), S_OK);
  EXPECT_GE(cb.refs(), 2u);  // the registration (and maybe a delivery in flight)
  IUnknown* got = nullptr;
  ASSERT_EQ(job_->GetNotifyInterface(&got), S_OK);
  EXPECT_EQ(got, static_cast<IUnknown*>(&cb));
  got->Release();
  ASSERT_EQ(job_->SetNotifyInterface(nullptr), S_OK);
  // The dispatcher may still hold one for a moment while it considers an event.
  EXPECT_TRUE(testing::WaitFor([&] { return cb.refs() == 1; }));
  ASSERT_EQ(job_->GetNotifyInterface(&got), S_OK);
  EXPECT_EQ(got, nullptr);
}

TEST_F(JobFacade, ProxySettingsFollowBitsRules) {
  EXPECT_EQ(job_->SetProxySettings(BG_JOB_PROXY_USAGE_NO_PROXY, nullptr, nullptr), S_OK);
  BG_JOB_PROXY_USAGE usage;
  LPWSTR list = reinterpret_cast<LPWSTR>(0x1);
  LPWSTR bypass = reinterpret_cast<LPWSTR>(0x1);
  ASSERT_EQ(job_->GetProxySettings(&usage, &list, &bypass), S_OK);
  EXPECT_EQ(usage, BG_JOB_PROXY_USAGE_NO_PROXY);
  EXPECT_EQ(list, nullptr);
  EXPECT_EQ(bypass, nullptr);
  EXPECT_EQ(job_->SetProxySettings(BG_JOB_PROXY_USAGE_PRECONFIG, L"proxy:8080", nullptr),
            E_INVALIDARG);
  EXPECT_EQ(job_->SetProxySettings(BG_JOB_PROXY_USAGE_OVERRIDE, nullptr, nullptr), E_INVALIDARG);
  EXPECT_EQ(job_->SetProxySettings(BG_JOB_PROXY_USAGE_OVERRIDE, L"proxy:8080", nullptr), E_NOTIMPL);
  EXPECT_EQ(job_->SetProxySettings(BG_JOB_PROXY_USAGE_AUTODETECT, nullptr, nullptr), E_NOTIMPL);
  EXPECT_EQ(job_->SetProxySettings(static_cast<BG_JOB_PROXY_USAGE>(7), nullptr, nullptr),
            E_INVALIDARG);
  ASSERT_EQ(job_->GetProxySettings(&usage, &list, &bypass), S_OK);
  EXPECT_EQ(usage, BG_JOB_PROXY_USAGE_NO_PROXY);  // refused settings changed nothing
}

TEST_F(JobFacade, OwnerIsTheUnixUserSid) {
  LPWSTR owner = nullptr;
  ASSERT_EQ(job_->GetOwner(&owner), S_OK);
  EXPECT_EQ(Take(owner), W("S-1-22-1-" + std::to_string(::getuid())));
  EXPECT_EQ(job_->TakeOwnership(), S_OK);
}

TEST_F(JobFacade, AddFileRejectsBadNamesAndProtocols) {
  EXPECT_EQ(job_->AddFile(nullptr, L"/tmp/x"), E_INVALIDARG);
  EXPECT_EQ(job_->AddFile(L"http://127.0.0.1/x", nullptr), E_INVALIDARG);
  EXPECT_EQ(job_->AddFile(L"http://127.0.0.1/x", L""), E_INVALIDARG);
  EXPECT_EQ(job_->AddFile(L"http://127.0.0.1/x", L"relative/x"), E_INVALIDARG);
  EXPECT_EQ(job_->AddFile(L"http://127.0.0.1/x", L"/tmp/dir/"), E_INVALIDARG);
  EXPECT_EQ(job_->AddFile(L"ftp://127.0.0.1/x", L"/tmp/x"), E_INVALIDARG);
  EXPECT_EQ(job_->AddFile(L"file:///etc/passwd", L"/tmp/x"), E_INVALIDARG);
  EXPECT_EQ(job_->AddFile(L"127.0.0.1/x", L"/tmp/x"), E_INVALIDARG);
  EXPECT_EQ(job_->AddFile(L"http://", L"/tmp/x"), E_INVALIDARG);
  BG_JOB_PROGRESS p;
  ASSERT_EQ(job_->GetProgress(&p), S_OK);
  EXPECT_EQ(p.FilesTotal, 0u);
}

TEST_F(JobFacade, AddFileAcceptsHttpAndHttpsAndCountsFiles) {
  ASSERT_EQ(job_->AddFile(L"http://127.0.0.1:1/a", L"/tmp/shoal-api-test-a"), S_OK);
  ASSERT_EQ(job_->AddFile(L"HTTPS://127.0.0.1:1/b", L"/tmp/shoal-api-test-b"), S_OK);
  BG_JOB_PROGRESS p;
  ASSERT_EQ(job_->GetProgress(&p), S_OK);
  EXPECT_EQ(p.FilesTotal, 2u);
  EXPECT_EQ(p.BytesTotal, BG_SIZE_UNKNOWN);  // sizes come with the metainfo
  Com<IEnumBackgroundCopyFiles> files;
  ASSERT_EQ(job_->EnumFiles(files.Put()), S_OK);
  Com<IBackgroundCopyFile> second;
  ASSERT_EQ(files->Skip(1), S_OK);
  ASSERT_EQ(files->Next(1, second.Put(), nullptr), S_OK);
  LPWSTR s = nullptr;
  ASSERT_EQ(second->GetRemoteName(&s), S_OK);
  EXPECT_EQ(Take(s), L"https://127.0.0.1:1/b");  // scheme normalised
  ASSERT_EQ(second->GetLocalName(&s), S_OK);
  EXPECT_EQ(Take(s), L"/tmp/shoal-api-test-b");
  BG_FILE_PROGRESS fp;
  ASSERT_EQ(second->GetProgress(&fp), S_OK);
  EXPECT_EQ(fp.BytesTransferred, 0u);
  EXPECT_EQ(fp.Completed, FALSE);
}

TEST_F(JobFacade, AddFileSetIsAllOrNothing) {
  wchar_t url1[] = L"http://127.0.0.1:1/a";
  wchar_t path1[] = L"/tmp/shoal-api-set-a";
  wchar_t url2[] = L"gopher://127.0.0.1:1/b";
  wchar_t path2[] = L"/tmp/shoal-api-set-b";
  BG_FILE_INFO set[2] = {{url1, path1}, {url2, path2}};
  EXPECT_EQ(job_->AddFileSet(2, set), E_INVALIDARG);
  BG_JOB_PROGRESS p;
  ASSERT_EQ(job_->GetProgress(&p), S_OK);
  EXPECT_EQ(p.FilesTotal, 0u);
  wchar_t url3[] = L"http://127.0.0.1:1/b";
  set[1].RemoteName = url3;
  EXPECT_EQ(job_->AddFileSet(2, set), S_OK);
  ASSERT_EQ(job_->GetProgress(&p), S_OK);
  EXPECT_EQ(p.FilesTotal, 2u);
  EXPECT_EQ(job_->AddFileSet(0, set), E_INVALIDARG);
  EXPECT_EQ(job_->AddFileSet(1, nullptr), E_INVALIDARG);
}

TEST_F(JobFacade, GetErrorIsUnavailableWhenNotInError) {
  Com<IBackgroundCopyError> error;
  EXPECT_EQ(job_->GetError(error.Put()), BG_E_ERROR_INFORMATION_UNAVAILABLE);
  EXPECT_EQ(error.get(), nullptr);
  EXPECT_EQ(job_->GetError(nullptr), E_POINTER);
}

TEST_F(JobFacade, CancelThenEveryMutatorIsInvalidStateAndGettersWork) {
  ASSERT_EQ(job_->SetDescription(L"before"), S_OK);
  ASSERT_EQ(job_->Cancel(), S_OK);
  EXPECT_EQ(State(), BG_JOB_STATE_CANCELLED);

  wchar_t url[] = L"http://127.0.0.1:1/a";
  wchar_t path[] = L"/tmp/shoal-api-final";
  BG_FILE_INFO info = {url, path};
  RecordingCallback cb;
  EXPECT_EQ(job_->AddFileSet(1, &info), BG_E_INVALID_STATE);
  EXPECT_EQ(job_->AddFile(url, path), BG_E_INVALID_STATE);
  EXPECT_EQ(job_->Suspend(), BG_E_INVALID_STATE);
  EXPECT_EQ(job_->Resume(), BG_E_INVALID_STATE);
  EXPECT_EQ(job_->Cancel(), BG_E_INVALID_STATE);
  EXPECT_EQ(job_->Complete(), BG_E_INVALID_STATE);
  EXPECT_EQ(job_->SetDisplayName(L"x"), BG_E_INVALID_STATE);
  EXPECT_EQ(job_->SetDescription(L"x"), BG_E_INVALID_STATE);
  EXPECT_EQ(job_->SetPriority(BG_JOB_PRIORITY_HIGH), BG_E_INVALID_STATE);
  EXPECT_EQ(job_->SetNotifyFlags(BG_NOTIFY_JOB_ERROR), BG_E_INVALID_STATE);
  EXPECT_EQ(job_->SetNotifyInterface(&cb), BG_E_INVALID_STATE);
  EXPECT_EQ(cb.refs(), 1u);  // a refused registration keeps no reference
  EXPECT_EQ(job_->SetNotifyInterface(nullptr), BG_E_INVALID_STATE);
  EXPECT_EQ(job_->SetMinimumRetryDelay(60), BG_E_INVALID_STATE);
  EXPECT_EQ(job_->SetNoProgressTimeout(60), BG_E_INVALID_STATE);
  EXPECT_EQ(job_->SetProxySettings(BG_JOB_PROXY_USAGE_NO_PROXY, nullptr, nullptr),
            BG_E_INVALID_STATE);
  EXPECT_EQ(job_->SetProxySettings(BG_JOB_PROXY_USAGE_OVERRIDE, L"p:1", nullptr),
            BG_E_INVALID_STATE);
  EXPECT_EQ(job_->TakeOwnership(), BG_E_INVALID_STATE);
  Com<IShoalJob> ext;
  ASSERT_EQ(job_->QueryInterface(IID_IShoalJob, ext.PutVoid()), S_OK);
  const BYTE junk[] = {'d', 'e'};
  EXPECT_EQ(ext->AddFileWithMetainfo(url, path, junk, sizeof junk), BG_E_INVALID_STATE);

  BG_JOB_PROGRESS p;
  EXPECT_EQ(job_->GetProgress(&p), S_OK);
  BG_JOB_TIMES t;
  EXPECT_EQ(job_->GetTimes(&t), S_OK);
  LPWSTR s = nullptr;
  ASSERT_EQ(job_->GetDescription(&s), S_OK);
  EXPECT_EQ(Take(s), L"before");
  ASSERT_EQ(job_->GetDisplayName(&s), S_OK);
  EXPECT_EQ(Take(s), L"job");
  ULONG flags;
  EXPECT_EQ(job_->GetNotifyFlags(&flags), S_OK);
  BG_JOB_PRIORITY prio;
  EXPECT_EQ(job_->GetPriority(&prio), S_OK);
  GUID id;
  EXPECT_EQ(job_->GetId(&id), S_OK);
  Com<IEnumBackgroundCopyFiles> files;
  EXPECT_EQ(job_->EnumFiles(files.Put()), S_OK);
}

TEST_F(JobFacade, CompleteMakesTheJobAcknowledged) {
  ASSERT_EQ(job_->AddFile(L"http://127.0.0.1:1/a", L"/tmp/shoal-api-ack"), S_OK);
  EXPECT_EQ(job_->Complete(), BG_S_PARTIAL_COMPLETE);
  EXPECT_EQ(State(), BG_JOB_STATE_ACKNOWLEDGED);
  EXPECT_EQ(job_->Complete(), BG_E_INVALID_STATE);
  EXPECT_EQ(job_->Cancel(), BG_E_INVALID_STATE);
}

TEST_F(JobFacade, ModificationTimeMovesOnSet) {
  BG_JOB_TIMES before;
  ASSERT_EQ(job_->GetTimes(&before), S_OK);
  ASSERT_EQ(job_->SetDescription(L"touch"), S_OK);
  BG_JOB_TIMES after;
  ASSERT_EQ(job_->GetTimes(&after), S_OK);
  const auto value = [](const FILETIME& f) {
    return (std::uint64_t{f.dwHighDateTime} << 32) | f.dwLowDateTime;
  };
  EXPECT_GE(value(after.ModificationTime), value(before.ModificationTime));
  EXPECT_EQ(value(after.CreationTime), value(before.CreationTime));
}

TEST_F(JobFacade, QueryInterfaceReachesShoalJobWithOneIdentity) {
  Com<IShoalJob> ext;
  ASSERT_EQ(job_->QueryInterface(IID_IShoalJob, ext.PutVoid()), S_OK);
  Com<IUnknown> a, b;
  ASSERT_EQ(job_->QueryInterface(IID_IUnknown, a.PutVoid()), S_OK);
  ASSERT_EQ(ext->QueryInterface(IID_IUnknown, b.PutVoid()), S_OK);
  EXPECT_EQ(a.get(), b.get());
  void* p = reinterpret_cast<void*>(0x1);
  EXPECT_EQ(job_->QueryInterface(IID_IBackgroundCopyManager, &p), E_NOINTERFACE);
  EXPECT_EQ(p, nullptr);
  UINT64 peers = 1, http = 1;
  ASSERT_EQ(ext->GetSourceStats(&peers, &http), S_OK);
  EXPECT_EQ(peers, 0u);
  EXPECT_EQ(http, 0u);
}

TEST_F(JobFacade, AddFileWithCorruptMetainfoIsInvalidData) {
  Com<IShoalJob> ext;
  ASSERT_EQ(job_->QueryInterface(IID_IShoalJob, ext.PutVoid()), S_OK);
  const BYTE junk[] = {'n', 'o', 't', ' ', 'b', 'e', 'n', 'c', 'o', 'd', 'e'};
  EXPECT_EQ(
      ext->AddFileWithMetainfo(L"http://127.0.0.1:1/a", L"/tmp/shoal-api-meta", junk, sizeof junk),
      HRESULT_FROM_WIN32(13));
  EXPECT_EQ(ext->AddFileWithMetainfo(L"http://127.0.0.1:1/a", L"/tmp/shoal-api-meta", nullptr, 0),
            E_INVALIDARG);
}

TEST_F(JobFacade, AddFileExChecksItsArguments) {
  Com<IShoalJob2> ext;
  ASSERT_EQ(job_->QueryInterface(IID_IShoalJob2, ext.PutVoid()), S_OK);
  const wchar_t* url = L"http://127.0.0.1:1/a";
  const BYTE meta[] = {'d', 'e'};
  const BYTE sha[32] = {};
  EXPECT_EQ(ext->AddFileEx(url, L"/tmp/shoal-ex", nullptr, 0, nullptr, 0x80), E_INVALIDARG)
      << "unknown flag";
  EXPECT_EQ(ext->AddFileEx(url, L"/tmp/shoal-ex", meta, sizeof meta, nullptr, SHOAL_FILE_HTTP_ONLY),
            E_INVALIDARG)
      << "metainfo and HTTP only contradict each other";
  EXPECT_EQ(ext->AddFileEx(url, L"/tmp/shoal-ex", meta, 0, nullptr, 0), E_INVALIDARG);
  EXPECT_EQ(ext->AddFileEx(url, L"/tmp/shoal-ex", nullptr, 0, sha, SHOAL_FILE_HTTP_ONLY), S_OK);
  BG_JOB_PROGRESS p;
  ASSERT_EQ(job_->GetProgress(&p), S_OK);
  EXPECT_EQ(p.FilesTotal, 1u);
}

}  // namespace
}  // namespace shoal::apitest
