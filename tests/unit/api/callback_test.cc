// IBackgroundCopyCallback delivery: on the dispatcher thread (neither the engine's nor the
// caller's), JobError repeated until S_OK, notify flags honoured, re-entrant calls into the job
// from a callback, and the reference held on the registered interface.
#include <gtest/gtest.h>

#include "api/src/callback_dispatcher.h"
#include "tests/support/fixtures.h"
#include "tests/unit/api/api_test_util.h"

namespace shoal::apitest {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

class Callbacks : public ::testing::Test {
 protected:
  void SetUp() override {
    api::SetJobErrorRetryInterval(milliseconds(50));
    MakeManager(&manager_);
    GUID id;
    ASSERT_EQ(manager_->CreateJob(L"fails fast", BG_JOB_TYPE_DOWNLOAD, &id, job_.Put()), S_OK);
    // Nothing listens there: the metainfo fetch fails, a transient error, and with a
    // no-progress timeout of 0 ("no retry") the engine puts the job in ERROR at once.
    url_ = L"http://127.0.0.1:" + std::to_wstring(ClosedPort()) + L"/content.bin";
    ASSERT_EQ(job_->AddFile(url_.c_str(), L"/tmp/shoal-api-callback-test.bin"), S_OK);
    ASSERT_EQ(job_->SetNoProgressTimeout(0), S_OK);
  }
  void TearDown() override {
    job_.Reset();
    manager_.Reset();
    // The registrations' references go with the engine (maybe on the dispatcher thread).
    for (RecordingCallback* c : {&cb, &marker, &other}) {
      EXPECT_TRUE(testing::WaitFor([&] { return c->refs() == 1; }));
    }
    api::SetJobErrorRetryInterval(seconds(5));
  }

  BG_JOB_STATE State() {
    BG_JOB_STATE s = BG_JOB_STATE_QUEUED;
    job_->GetState(&s);
    return s;
  }
  bool WaitForState(BG_JOB_STATE want) {
    return testing::WaitFor([&] { return State() == want; });
  }

  // Declared first: they outlive every object that may call them.
  RecordingCallback cb;
  RecordingCallback marker;
  RecordingCallback other;
  Com<IBackgroundCopyManager> manager_;
  Com<IBackgroundCopyJob> job_;
  std::wstring url_;
};

TEST_F(Callbacks, JobErrorArrivesOnTheDispatcherThread) {
  ASSERT_EQ(job_->SetNotifyInterface(&cb), S_OK);
  ASSERT_EQ(job_->Resume(), S_OK);
  ASSERT_TRUE(cb.WaitUntil([&] { return cb.errors() >= 1; }));
  const std::thread::id engine_thread = api::LastEngineEventThread();
  ASSERT_NE(engine_thread, std::thread::id());
  for (std::thread::id t : cb.threads()) {
    EXPECT_NE(t, std::this_thread::get_id());
    EXPECT_NE(t, engine_thread);
  }
  EXPECT_TRUE(FAILED(cb.last_error_code()));
  EXPECT_EQ(State(), BG_JOB_STATE_ERROR);
}

TEST_F(Callbacks, JobErrorRepeatsUntilTheClientReturnsSOk) {
  std::atomic<int> calls{0};
  cb.on_error = [&](IBackgroundCopyJob*, IBackgroundCopyError*) {
    return ++calls < 3 ? E_FAIL : S_OK;
  };
  ASSERT_EQ(job_->SetNotifyInterface(&cb), S_OK);
  ASSERT_EQ(job_->Resume(), S_OK);
  ASSERT_TRUE(cb.WaitUntil([&] { return cb.errors() >= 3; }));
  // Accepted on the third call: no fourth within many retry intervals.
  EXPECT_FALSE(cb.WaitUntil([&] { return cb.errors() > 3; }, seconds(1)));
  EXPECT_EQ(cb.errors(), 3);
}

TEST_F(Callbacks, ErrorObjectDescribesTheFailingFile) {
  ASSERT_EQ(job_->Resume(), S_OK);
  ASSERT_TRUE(WaitForState(BG_JOB_STATE_ERROR));
  Com<IBackgroundCopyError> error;
  ASSERT_EQ(job_->GetError(error.Put()), S_OK);
  BG_ERROR_CONTEXT context;
  HRESULT code = S_OK;
  ASSERT_EQ(error->GetError(&context, &code), S_OK);
  EXPECT_TRUE(FAILED(code));
  EXPECT_EQ(context, BG_ERROR_CONTEXT_REMOTE_FILE);
  Com<IBackgroundCopyFile> file;
  ASSERT_EQ(error->GetFile(file.Put()), S_OK);
  LPWSTR name = nullptr;
  ASSERT_EQ(file->GetRemoteName(&name), S_OK);
  EXPECT_EQ(Take(name), url_);
  LPWSTR text = nullptr;
  ASSERT_EQ(error->GetErrorDescription(0x409, &text), S_OK);
  EXPECT_FALSE(Take(text).empty());
  ASSERT_EQ(error->GetErrorContextDescription(0x409, &text), S_OK);
  EXPECT_FALSE(Take(text).empty());
  ASSERT_EQ(error->GetProtocol(&text), S_OK);
  EXPECT_EQ(Take(text), L"http");
  ULONG count = 0;
  ASSERT_EQ(job_->GetErrorCount(&count), S_OK);
  EXPECT_GE(count, 1u);
}

TEST_F(Callbacks, CallbackCanCallBackIntoTheJobWithoutDeadlock) {
  std::atomic<bool> done{false};
  std::atomic<HRESULT> progress_hr{E_FAIL}, name_hr{E_FAIL}, cancel_hr{E_FAIL};
  std::atomic<BG_JOB_STATE> seen{BG_JOB_STATE_QUEUED};
  cb.on_error = [&](IBackgroundCopyJob* job, IBackgroundCopyError*) {
    BG_JOB_PROGRESS p;
    progress_hr = job->GetProgress(&p);
    BG_JOB_STATE s;
    job->GetState(&s);
    seen = s;
    LPWSTR name = nullptr;
    name_hr = job->GetDisplayName(&name);
    CoTaskMemFree(name);
    cancel_hr = job->Cancel();  // a full engine round trip from inside the callback
    done = true;
    return S_OK;
  };
  ASSERT_EQ(job_->SetNotifyInterface(&cb), S_OK);
  ASSERT_EQ(job_->Resume(), S_OK);
  ASSERT_TRUE(cb.WaitUntil([&] { return cb.errors() >= 1; }));
  ASSERT_TRUE(WaitForState(BG_JOB_STATE_CANCELLED));
  ASSERT_TRUE(testing::WaitFor([&] { return done.load(); }));
  EXPECT_EQ(progress_hr.load(), S_OK);
  EXPECT_EQ(name_hr.load(), S_OK);
  EXPECT_EQ(cancel_hr.load(), S_OK);
  EXPECT_EQ(seen.load(), BG_JOB_STATE_ERROR);
  // Cancel dropped the registration's reference; the dispatcher's own ends with the call.
  EXPECT_TRUE(testing::WaitFor([&] { return cb.refs() == 1; }));
}

TEST_F(Callbacks, NotifyFlagsWithoutJobErrorSuppressIt) {
  // A marker job whose callback tells when the dispatcher has drained past a point.
  Com<IBackgroundCopyJob> marker_job;
  GUID id;
  ASSERT_EQ(manager_->CreateJob(L"marker", BG_JOB_TYPE_DOWNLOAD, &id, marker_job.Put()), S_OK);
  ASSERT_EQ(marker_job->SetNotifyFlags(BG_NOTIFY_JOB_MODIFICATION), S_OK);
  ASSERT_EQ(marker_job->SetNotifyInterface(&marker), S_OK);
  ASSERT_TRUE(marker.WaitUntil([&] { return marker.modifications() >= 1; }));

  ASSERT_EQ(job_->SetNotifyFlags(BG_NOTIFY_JOB_TRANSFERRED), S_OK);
  ASSERT_EQ(job_->SetNotifyInterface(&cb), S_OK);
  ASSERT_EQ(job_->Resume(), S_OK);
  ASSERT_TRUE(WaitForState(BG_JOB_STATE_ERROR));
  // The failing job's events were queued before this one: once it arrives, they were handled.
  ASSERT_EQ(marker_job->SetDescription(L"after the error"), S_OK);
  ASSERT_TRUE(marker.WaitUntil([&] { return marker.modifications() >= 2; }));
  EXPECT_EQ(cb.errors(), 0);
  EXPECT_EQ(cb.modifications(), 0);
}

TEST_F(Callbacks, ModificationFlagDeliversJobModification) {
  ASSERT_EQ(job_->SetNotifyFlags(BG_NOTIFY_JOB_MODIFICATION), S_OK);
  ASSERT_EQ(job_->SetNotifyInterface(&cb), S_OK);
  ASSERT_EQ(job_->SetDescription(L"changed"), S_OK);
  ASSERT_TRUE(cb.WaitUntil([&] { return cb.modifications() >= 1; }));
  for (std::thread::id t : cb.threads()) EXPECT_NE(t, std::this_thread::get_id());
}

TEST_F(Callbacks, RegistrationIsReleasedWithTheLastObject) {
  ASSERT_EQ(job_->SetNotifyInterface(&cb), S_OK);
  EXPECT_GE(cb.refs(), 2u);  // the registration (and maybe a delivery in flight)
  job_.Reset();
  manager_.Reset();  // the engine stops; its registrations go with it
  EXPECT_TRUE(testing::WaitFor([&] { return cb.refs() == 1; }));
}

TEST_F(Callbacks, ReplacingTheInterfaceReleasesTheOldOne) {
  RecordingCallback& a = other;
  RecordingCallback& b = cb;
  ASSERT_EQ(job_->SetNotifyInterface(&a), S_OK);
  ASSERT_EQ(job_->SetNotifyInterface(&b), S_OK);
  EXPECT_TRUE(testing::WaitFor([&] { return a.refs() == 1; }));
  EXPECT_GE(b.refs(), 2u);
  ASSERT_EQ(job_->Resume(), S_OK);
  ASSERT_TRUE(b.WaitUntil([&] { return b.errors() >= 1; }));
  EXPECT_EQ(a.errors(), 0);
  ASSERT_EQ(job_->Cancel(), S_OK);
  EXPECT_TRUE(testing::WaitFor([&] { return b.refs() == 1; }));
}

}  // namespace
}  // namespace shoal::apitest
