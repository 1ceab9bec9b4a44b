// The Backend seam: ApplyPatch's checks where a patch is applied, and the COM objects over a
// FakeBackend — state, progress, stats, properties, errors and callback delivery driven by the
// fake, including what the engine cannot be made to do on cue.
#include "api/src/backend.h"

#include <gtest/gtest.h>

#include <mutex>
#include <thread>

#include "api/src/callback_dispatcher.h"
#include "api/src/core.h"
#include "api/src/manager.h"
#include "shoal/windows_compat.h"
#include "tests/support/fake_backend.h"
#include "tests/support/fixtures.h"
#include "tests/unit/api/api_test_util.h"

namespace shoal::apitest {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

TEST(ApplyPatch, ReplacesTheFieldsSetAndKeepsTheOthers) {
  api::JobProperties props;
  props.display_name = "before";
  props.description = "kept";
  api::JobPropertiesPatch patch;
  patch.display_name = "after";
  patch.priority = api::Priority::kForeground;
  ASSERT_EQ(api::ApplyPatch(patch, &props), S_OK);
  EXPECT_EQ(props.display_name, "after");
  EXPECT_EQ(props.description, "kept");
  EXPECT_EQ(props.priority, api::Priority::kForeground);
  EXPECT_EQ(api::ApplyPatch({}, &props), S_OK);  // an empty patch is valid
  EXPECT_EQ(props.display_name, "after");
}

TEST(ApplyPatch, RefusesWhatTheFacadeWouldNeverSendAndChangesNothing) {
  const api::JobProperties original;
  std::vector<api::JobPropertiesPatch> bad(7);
  bad[0].display_name = std::string(257, 'n');
  bad[1].description = std::string(1025, 'd');
  bad[2].priority = static_cast<api::Priority>(4);
  bad[3].notify_flags = 0x40;  // not a flag SetNotifyFlags documents
  bad[4].minimum_retry_delay_s = 4;
  bad[5].proxy_usage = 4;
  bad[6].proxy_list = "proxy:8080";  // a list needs BG_JOB_PROXY_USAGE_OVERRIDE
  for (std::size_t i = 0; i < bad.size(); ++i) {
    api::JobProperties props = original;
    bad[i].display_name = bad[i].display_name.value_or("changed?");
    EXPECT_EQ(api::ApplyPatch(bad[i], &props), E_INVALIDARG) << "patch " << i;
    EXPECT_EQ(props.display_name, original.display_name) << "patch " << i;
  }
  api::JobProperties props;
  api::JobPropertiesPatch multibyte;
  multibyte.display_name = std::string(256 / 2, ' ');
  for (int i = 0; i < 128; ++i) *multibyte.display_name += "\xC3\xA9";  // 256 characters
  EXPECT_EQ(api::ApplyPatch(multibyte, &props), S_OK);
}

class OverFakeBackend : public ::testing::Test {
 protected:
  void SetUp() override {
    api::SetJobErrorRetryInterval(milliseconds(50));
    std::shared_ptr<api::Core> core;
    std::string error;
    ASSERT_EQ(api::Core::Create(
                  [&](api::BackendEvents* events, std::string*) {
                    auto fake = std::make_unique<testing::FakeBackend>(events);
                    fake_ = fake.get();
                    return fake;
                  },
                  &core, &error),
              S_OK)
        << error;
    *manager_.Put() = new api::ManagerObject(std::move(core));
    GUID guid;
    ASSERT_EQ(manager_->CreateJob(L"over a fake", BG_JOB_TYPE_DOWNLOAD, &guid, job_.Put()), S_OK);
    id_ = api::ToUuid(guid);
    ASSERT_EQ(job_->AddFile(L"https://origin.test/a.bin", L"/tmp/shoal-fake-a.bin"), S_OK);
    ASSERT_EQ(job_->AddFile(L"https://origin.test/b.bin", L"/tmp/shoal-fake-b.bin"), S_OK);
  }
  void TearDown() override {
    job_.Reset();
    manager_.Reset();
    EXPECT_TRUE(testing::WaitFor([&] { return cb.refs() == 1; }));
    api::SetJobErrorRetryInterval(seconds(5));
  }

  RecordingCallback cb;  // declared first: outlives every object that may call it
  Com<IBackgroundCopyManager> manager_;
  Com<IBackgroundCopyJob> job_;
  testing::FakeBackend* fake_ = nullptr;  // owned by the manager's Core
  api::Uuid id_;
};

TEST_F(OverFakeBackend, StateProgressAndStatsAreTheHandlesValues) {
  fake_->SetState(id_, api::JobState::kTransferring);
  fake_->SetProgress(id_, {1000, 400, 2, 1});
  fake_->SetSources(id_, {300, 100, 0, 50}, {3, 1, 2'000'000'000});
  fake_->SetFile(id_, 1, {600, 150, false}, {150, 0, 0, 0});

  BG_JOB_STATE state;
  ASSERT_EQ(job_->GetState(&state), S_OK);
  EXPECT_EQ(state, BG_JOB_STATE_TRANSFERRING);
  BG_JOB_PROGRESS p;
  ASSERT_EQ(job_->GetProgress(&p), S_OK);
  EXPECT_EQ(p.BytesTotal, 1000u);
  EXPECT_EQ(p.BytesTransferred, 400u);
  EXPECT_EQ(p.FilesTotal, 2u);
  EXPECT_EQ(p.FilesTransferred, 1u);

  Com<IShoalJob3> shoal_job;
  ASSERT_EQ(job_->QueryInterface(IID_IShoalJob3, reinterpret_cast<void**>(shoal_job.Put())), S_OK);
  SHOAL_TRANSFER_STATS stats;
  ASSERT_EQ(shoal_job->GetStats(&stats), S_OK);
  EXPECT_EQ(stats.BytesFromPeers, 300u);
  EXPECT_EQ(stats.BytesToPeers, 50u);
  EXPECT_EQ(stats.PercentPeerCaching, 75u);
  EXPECT_EQ(stats.NumPeers, 3u);
  EXPECT_EQ(stats.DownloadDurationMs, 2000u);
  EXPECT_EQ(shoal_job->GetFileStats(2, &stats), E_INVALIDARG);

  Com<IEnumBackgroundCopyFiles> files;
  ASSERT_EQ(job_->EnumFiles(files.Put()), S_OK);
  Com<IBackgroundCopyFile> file;
  ULONG fetched = 0;
  ASSERT_EQ(files->Skip(1), S_OK);
  ASSERT_EQ(files->Next(1, file.Put(), &fetched), S_OK);
  BG_FILE_PROGRESS fp;
  ASSERT_EQ(file->GetProgress(&fp), S_OK);
  EXPECT_EQ(fp.BytesTotal, 600u);
  EXPECT_EQ(fp.BytesTransferred, 150u);
  Com<IBackgroundCopyFile3> file3;
  ASSERT_EQ(file->QueryInterface(IID_IBackgroundCopyFile3, reinterpret_cast<void**>(file3.Put())),
            S_OK);
  LPWSTR temp = nullptr;
  ASSERT_EQ(file3->GetTemporaryName(&temp), S_OK);
  EXPECT_EQ(Take(temp), L"/tmp/shoal-fake-b.bin.fake-part");
  BOOL from_peer = FALSE;
  ASSERT_EQ(file3->IsDownloadedFromPeer(&from_peer), S_OK);
  EXPECT_TRUE(from_peer);
}

TEST_F(OverFakeBackend, SettersCrossAsPatchesOfOnlyTheirField) {
  const std::size_t before = fake_->patches().size();
  ASSERT_EQ(job_->SetDisplayName(L"renamed"), S_OK);
  ASSERT_EQ(job_->SetPriority(BG_JOB_PRIORITY_LOW), S_OK);
  ASSERT_EQ(job_->SetMinimumRetryDelay(1), S_OK);  // clamped by the facade
  ASSERT_EQ(job_->TakeOwnership(), S_OK);
  const std::vector<api::JobPropertiesPatch> patches = fake_->patches();
  ASSERT_EQ(patches.size(), before + 4);
  EXPECT_EQ(patches[before].display_name, "renamed");
  EXPECT_FALSE(patches[before].priority.has_value());
  EXPECT_EQ(patches[before + 1].priority, api::Priority::kLow);
  EXPECT_FALSE(patches[before + 1].display_name.has_value());
  EXPECT_EQ(patches[before + 2].minimum_retry_delay_s, 5u);
  EXPECT_FALSE(patches[before + 3].display_name || patches[before + 3].notify_flags);
  LPWSTR name = nullptr;
  ASSERT_EQ(job_->GetDisplayName(&name), S_OK);
  EXPECT_EQ(Take(name), L"renamed");
}

TEST_F(OverFakeBackend, JobErrorOnTheSecondFileReachesTheCallbackWithItsFile) {
  // Written on the dispatcher thread, read here once `seen` is set: under `mu`.
  std::mutex mu;
  bool seen = false;
  std::wstring failing_file;
  std::wstring protocol;
  cb.on_error = [&](IBackgroundCopyJob*, IBackgroundCopyError* error) {
    Com<IBackgroundCopyFile> file;
    LPWSTR text = nullptr;
    std::wstring f, p;
    if (error->GetFile(file.Put()) == S_OK && file->GetLocalName(&text) == S_OK) f = Take(text);
    if (error->GetProtocol(&text) == S_OK) p = Take(text);
    std::lock_guard lock(mu);
    failing_file = f;
    protocol = p;
    seen = true;
    return S_OK;
  };
  ASSERT_EQ(job_->SetNotifyInterface(&cb), S_OK);
  // From a thread of the backend's own, as a service client's socket reader would.
  std::thread::id pusher;
  std::thread([&] {
    pusher = std::this_thread::get_id();
    fake_->Fail(id_, api::JobState::kError,
                {BG_E_HTTP_ERROR_404, api::ErrorContext::kRemoteFile, 1, "gone", "https"});
  }).join();
  // Polled: the callback's own wakeup comes before on_error runs.
  ASSERT_TRUE(::shoal::testing::WaitFor([&] {
    std::lock_guard lock(mu);
    return seen;
  }));
  EXPECT_EQ(cb.last_error_code(), BG_E_HTTP_ERROR_404);
  {
    std::lock_guard lock(mu);
    EXPECT_EQ(failing_file, L"/tmp/shoal-fake-b.bin");
    EXPECT_EQ(protocol, L"https");
  }
  for (std::thread::id t : cb.threads()) {
    EXPECT_NE(t, pusher);
    EXPECT_NE(t, std::this_thread::get_id());
  }
  ULONG count = 0;
  ASSERT_EQ(job_->GetErrorCount(&count), S_OK);
  EXPECT_EQ(count, 1u);
}

TEST_F(OverFakeBackend, JobErrorStopsRepeatingOnceTheJobLeftError) {
  // The client refuses each JobError; on the second, the job moves on to TRANSIENT_ERROR
  // (a retry started) without a new event: the pending repeat must not call again.
  cb.on_error = [&](IBackgroundCopyJob*, IBackgroundCopyError*) {
    if (cb.errors() == 2) fake_->SetState(id_, api::JobState::kTransientError);
    return E_FAIL;
  };
  ASSERT_EQ(job_->SetNotifyInterface(&cb), S_OK);
  fake_->Fail(id_, api::JobState::kError, {E_FAIL, api::ErrorContext::kUnknown, -1, "", ""});
  ASSERT_TRUE(cb.WaitUntil([&] { return cb.errors() >= 2; }));
  EXPECT_FALSE(cb.WaitUntil([&] { return cb.errors() > 2; }, seconds(1)));
}

TEST_F(OverFakeBackend, CompleteFromJobTransferredEndsTheRegistration) {
  HRESULT completed = E_UNEXPECTED;
  cb.on_transferred = [&](IBackgroundCopyJob* job) {
    completed = job->Complete();  // re-entrant, on the dispatcher thread
    return S_OK;
  };
  ASSERT_EQ(job_->SetNotifyInterface(&cb), S_OK);
  fake_->SetProgress(id_, {1000, 1000, 2, 2});
  fake_->SetState(id_, api::JobState::kTransferred);
  fake_->Push({id_, api::JobEvent::kTransferred});
  ASSERT_TRUE(cb.WaitUntil([&] { return cb.transferred() >= 1; }));
  ASSERT_TRUE(testing::WaitFor([&] { return cb.refs() == 1; }));  // registration dropped
  EXPECT_EQ(completed, S_OK);
  IUnknown* registered = nullptr;
  ASSERT_EQ(job_->GetNotifyInterface(&registered), S_OK);
  EXPECT_EQ(registered, nullptr);
  Com<IBackgroundCopyJob> again;
  GUID guid = api::ToGuid(id_);
  EXPECT_EQ(manager_->GetJob(guid, again.Put()), BG_E_NOT_FOUND);
}

// A job already TRANSFERRED when its interface is registered: Windows calls JobTransferred
// then (Wine's qmgr conformance tests record it; nf-bits-ibackgroundcopycallback-jobtransferred
// says BITS calls it "when all of the files in the job have been successfully transferred",
// whenever the client listens), as BG_NOTIFY_JOB_TRANSFERRED allows.
TEST_F(OverFakeBackend, ACallbackRegisteredOnATransferredJobHearsJobTransferred) {
  fake_->SetProgress(id_, {1000, 1000, 2, 2});
  fake_->SetState(id_, api::JobState::kTransferred);  // before anyone listened
  ASSERT_EQ(job_->SetNotifyInterface(&cb), S_OK);
  ASSERT_TRUE(cb.WaitUntil([&] { return cb.transferred() >= 1; }));
  EXPECT_FALSE(cb.WaitUntil([&] { return cb.transferred() > 1; }, seconds(1)));
}

TEST_F(OverFakeBackend, ARegistrationWithoutTheTransferredFlagHearsNothingOfIt) {
  fake_->SetState(id_, api::JobState::kTransferred);
  ASSERT_EQ(job_->SetNotifyFlags(BG_NOTIFY_JOB_ERROR), S_OK);
  ASSERT_EQ(job_->SetNotifyInterface(&cb), S_OK);
  EXPECT_FALSE(cb.WaitUntil([&] { return cb.transferred() > 0; }, seconds(1)));
}

// nf-bits-ibackgroundcopyerror-geterrordescription and -geterrorcontextdescription:
// "E_INVALIDARG: The LanguageId parameter cannot be 0."
TEST_F(OverFakeBackend, ErrorDescriptionsRefuseLanguageIdZero) {
  fake_->Fail(id_, api::JobState::kError,
              {BG_E_HTTP_ERROR_404, api::ErrorContext::kRemoteFile, 1, "gone", "https"});
  Com<IBackgroundCopyError> error;
  ASSERT_EQ(job_->GetError(error.Put()), S_OK);
  LPWSTR text = reinterpret_cast<LPWSTR>(0x1);
  EXPECT_EQ(error->GetErrorDescription(0, &text), E_INVALIDARG);
  EXPECT_EQ(text, nullptr);
  text = reinterpret_cast<LPWSTR>(0x1);
  EXPECT_EQ(error->GetErrorContextDescription(0, &text), E_INVALIDARG);
  EXPECT_EQ(text, nullptr);
  const DWORD en_us = MAKELANGID(LANG_ENGLISH, SUBLANG_ENGLISH_US);
  ASSERT_EQ(error->GetErrorDescription(en_us, &text), S_OK);
  EXPECT_FALSE(Take(text).empty());
  ASSERT_EQ(error->GetErrorContextDescription(en_us, &text), S_OK);
  EXPECT_FALSE(Take(text).empty());
}

TEST_F(OverFakeBackend, SetNotifyInterfaceRefusedByTheBackendKeepsThePreviousOne) {
  // The registration is made ahead of the patch; a backend that refuses it (a service gone
  // away) must leave the previous interface registered and hold no reference on the new one.
  RecordingCallback previous;
  ASSERT_EQ(job_->SetNotifyInterface(&previous), S_OK);
  const HRESULT kBrokenPipe = HRESULT_FROM_WIN32(109);
  fake_->FailNextPatch(kBrokenPipe);
  EXPECT_EQ(job_->SetNotifyInterface(&cb), kBrokenPipe);
  // The dispatcher may have copied the short-lived registration for an event in flight; it
  // drops that reference once the event is handled (TSan's scheduling shows it).
  EXPECT_TRUE(testing::WaitFor([&] { return cb.refs() == 1; })) << cb.refs();
  IUnknown* registered = nullptr;
  ASSERT_EQ(job_->GetNotifyInterface(&registered), S_OK);
  EXPECT_EQ(registered, &previous);
  registered->Release();
  fake_->FailNextPatch(kBrokenPipe);
  EXPECT_EQ(job_->SetNotifyInterface(nullptr), kBrokenPipe);  // the drop is undone too
  ASSERT_EQ(job_->GetNotifyInterface(&registered), S_OK);
  EXPECT_EQ(registered, &previous);
  registered->Release();
  ASSERT_EQ(job_->SetNotifyInterface(nullptr), S_OK);
  EXPECT_TRUE(testing::WaitFor([&] { return previous.refs() == 1; }));  // none in flight
}

TEST_F(OverFakeBackend, AJobFinalBehindTheFacadesBackRefusesRegistrations) {
  // Final without the facade's Cancel (which drops registrations itself).
  fake_->SetState(id_, api::JobState::kCancelled);
  EXPECT_EQ(job_->SetNotifyInterface(&cb), BG_E_INVALID_STATE);
  EXPECT_EQ(cb.refs(), 1u);
  EXPECT_EQ(job_->SetNotifyFlags(BG_NOTIFY_JOB_MODIFICATION), BG_E_INVALID_STATE);
}

TEST_F(OverFakeBackend, ManagerCallsReachTheBackend) {
  api::EngineStats stats;
  stats.bytes.from_peers = 7;
  stats.torrents = 2;
  fake_->set_stats(stats);
  Com<IShoalManager2> manager2;
  ASSERT_EQ(manager_->QueryInterface(IID_IShoalManager2, reinterpret_cast<void**>(manager2.Put())),
            S_OK);
  SHOAL_ENGINE_STATS out;
  ASSERT_EQ(manager2->GetEngineStats(&out), S_OK);
  EXPECT_EQ(out.TotalBytesFromPeers, 7u);
  EXPECT_EQ(out.Torrents, 2u);
  LPWSTR endpoint = nullptr;
  ASSERT_EQ(manager2->GetListenEndpoint(&endpoint), S_OK);
  EXPECT_EQ(Take(endpoint), L"127.0.0.1:6881");
  const BYTE metainfo[] = {'d', 'e'};
  EXPECT_EQ(manager2->AddSeed(metainfo, sizeof(metainfo), L"/tmp"), E_NOTIMPL);
}

TEST(CoreOverABackend, AFactoryThatFailsIsEFailWithItsReason) {
  std::shared_ptr<api::Core> core;
  std::string error;
  EXPECT_EQ(api::Core::Create(
                [](api::BackendEvents*, std::string* why) -> std::unique_ptr<api::Backend> {
                  *why = "service not running";
                  return nullptr;
                },
                &core, &error),
            E_FAIL);
  EXPECT_EQ(error, "service not running");
  EXPECT_EQ(core, nullptr);
}

TEST_F(OverFakeBackend, GetOwnerReportsTheRecordedOwner) {
  LPWSTR owner = nullptr;
  ASSERT_EQ(job_->GetOwner(&owner), S_OK);
  EXPECT_EQ(std::wstring(owner), L"S-1-22-1-" + std::to_wstring(::getuid()))
      << "no owner recorded: the user running the engine";
  CoTaskMemFree(owner);
  api::JobPropertiesPatch patch;
  patch.owner_uid = 4242;  // as the service records its creator's SO_PEERCRED uid
  ASSERT_EQ(fake_->SetProperties(id_, patch), hr::kOk);
  ASSERT_EQ(job_->GetOwner(&owner), S_OK);
  EXPECT_EQ(std::wstring(owner), L"S-1-22-1-4242");
  CoTaskMemFree(owner);
}

}  // namespace
}  // namespace shoal::apitest
