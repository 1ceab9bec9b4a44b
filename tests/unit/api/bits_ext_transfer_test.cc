// The later BITS interfaces on real loopback transfers: custom headers seen by the origin,
// IBackgroundCopyCallback2::FileTransferred per file, the notify command line actually run,
// JobError for a callback registered after the job failed, and DO's swarm statistics.
#include <gtest/gtest.h>

#include <filesystem>
#include <mutex>

#include "origin/http_origin.h"
#include "tests/support/fixtures.h"
#include "tests/unit/api/api_test_util.h"

namespace shoal::apitest {
namespace {

namespace fs = std::filesystem;

// Records FileTransferred (IBackgroundCopyCallback2) besides what RecordingCallback records.
class FileCallback final : public IBackgroundCopyCallback2 {
 public:
  HRESULT STDMETHODCALLTYPE QueryInterface(REFIID riid, void** ppv) override {
    if (riid == IID_IUnknown || riid == IID_IBackgroundCopyCallback ||
        riid == IID_IBackgroundCopyCallback2) {
      *ppv = static_cast<IBackgroundCopyCallback2*>(this);
      AddRef();
      return S_OK;
    }
    *ppv = nullptr;
    return E_NOINTERFACE;
  }
  ULONG STDMETHODCALLTYPE AddRef() override { return 2; }  // owned by the test
  ULONG STDMETHODCALLTYPE Release() override { return 1; }
  HRESULT STDMETHODCALLTYPE JobTransferred(IBackgroundCopyJob*) override {
    std::lock_guard lock(mu);
    events.push_back("job");
    return S_OK;
  }
  HRESULT STDMETHODCALLTYPE JobError(IBackgroundCopyJob*, IBackgroundCopyError*) override {
    return S_OK;
  }
  HRESULT STDMETHODCALLTYPE JobModification(IBackgroundCopyJob*, DWORD) override { return S_OK; }
  HRESULT STDMETHODCALLTYPE FileTransferred(IBackgroundCopyJob*,
                                            IBackgroundCopyFile* file) override {
    LPWSTR name = nullptr;
    file->GetLocalName(&name);
    std::lock_guard lock(mu);
    events.push_back(fs::path(Take(name)).filename().string());
    return S_OK;
  }
  std::vector<std::string> Events() {
    std::lock_guard lock(mu);
    return events;
  }

 private:
  std::mutex mu;
  std::vector<std::string> events;
};

class BitsExtTransfer : public ::testing::Test {
 protected:
  void StartOrigin(const std::string& record_header = "") {
    origin::HttpOriginOptions o;
    o.root = origin_dir_.path().string();
    o.record_header = record_header;
    std::string error;
    origin_ = origin::HttpOrigin::Start(o, &error);
    ASSERT_NE(origin_, nullptr) << error;
    MakeManager(&manager_);
    GUID id;
    ASSERT_EQ(manager_->CreateJob(L"ext", BG_JOB_TYPE_DOWNLOAD, &id, job_.Put()), S_OK);
  }
  IBackgroundCopyJob5* job5() {
    if (!job5_) job_->QueryInterface(IID_IBackgroundCopyJob5, job5_.PutVoid());
    return job5_.get();
  }
  std::string Url(const std::string& name) { return origin_->BaseUrl() + "/" + name; }
  std::string Publish(const std::string& name, std::size_t size) {
    return testing::WriteRandomFile(origin_dir_ / name, size);
  }
  void Add(const std::string& name) {
    ASSERT_EQ(job_->AddFile(W(Url(name)).c_str(), W(out_dir_ / name).c_str()), S_OK);
  }
  bool WaitState(BG_JOB_STATE want) {
    return testing::WaitFor(
        [&] {
          BG_JOB_STATE s;
          return job_->GetState(&s) == S_OK && s == want;
        },
        std::chrono::seconds(120));
  }

  // Declared first: they outlive the jobs that may still call them when an assertion fails.
  FileCallback file_cb_;
  RecordingCallback rec_cb_;
  testing::TempDir origin_dir_;
  testing::TempDir out_dir_;
  std::unique_ptr<origin::HttpOrigin> origin_;
  Com<IBackgroundCopyManager> manager_;
  Com<IBackgroundCopyJob> job_;
  Com<IBackgroundCopyJob5> job5_;
};

// IBackgroundCopyJobHttpOptions::SetCustomHeaders: "if multiple HTTP requests are sent, the
// headers are sent with each request" (learn.microsoft.com, bits2_5 SetCustomHeaders).
TEST_F(BitsExtTransfer, CustomHeadersAreSentWithEveryRequest) {
  StartOrigin("X-Shoal-Test");
  const std::string content = Publish("a.bin", 100 * 1024);
  Add("a.bin");
  Com<IBackgroundCopyJobHttpOptions> http;
  ASSERT_EQ(job_->QueryInterface(IID_IBackgroundCopyJobHttpOptions, http.PutVoid()), S_OK);
  ASSERT_EQ(http->SetCustomHeaders(L"X-Shoal-Test: hello\r\nX-Other: 2\r\n"), S_OK);
  LPWSTR got = nullptr;
  ASSERT_EQ(http->GetCustomHeaders(&got), S_OK);
  EXPECT_EQ(Take(got), L"X-Shoal-Test: hello\r\nX-Other: 2\r\n");
  ASSERT_EQ(job_->Resume(), S_OK);
  ASSERT_TRUE(WaitState(BG_JOB_STATE_TRANSFERRED));
  const std::vector<std::string> seen = origin_->RecordedHeaders();
  ASSERT_FALSE(seen.empty());
  bool content_request = false;
  for (const std::string& entry : seen) {
    EXPECT_EQ(entry.substr(entry.find(' ')), " hello") << entry;
    content_request |= entry.rfind("/a.bin ", 0) == 0;
  }
  EXPECT_TRUE(content_request);  // not only the .torrent sidecar probe
  ASSERT_EQ(job_->Complete(), S_OK);
  EXPECT_EQ(testing::ReadFile(out_dir_ / "a.bin"), content);
}

// Without custom headers the origin sees none (the test above can fail).
TEST_F(BitsExtTransfer, NoCustomHeadersByDefault) {
  StartOrigin("X-Shoal-Test");
  Publish("a.bin", 10 * 1024);
  Add("a.bin");
  ASSERT_EQ(job_->Resume(), S_OK);
  ASSERT_TRUE(WaitState(BG_JOB_STATE_TRANSFERRED));
  for (const std::string& entry : origin_->RecordedHeaders()) {
    EXPECT_EQ(entry.back(), ' ') << entry;
  }
}

// IBackgroundCopyCallback2::FileTransferred: "BITS calls your implementation of the
// FileTransferred method when BITS successfully finishes transferring a file" (bits3_0);
// BG_NOTIFY_FILE_TRANSFERRED asks for it (IBackgroundCopyJob::SetNotifyFlags).
TEST_F(BitsExtTransfer, FileTransferredOncePerFileInOrderBeforeJobTransferred) {
  StartOrigin();
  for (const char* name : {"one.bin", "two.bin", "three.bin"}) {
    Publish(name, 40 * 1024);
    Add(name);
  }
  FileCallback& cb = file_cb_;
  ASSERT_EQ(job_->SetNotifyFlags(BG_NOTIFY_JOB_TRANSFERRED | BG_NOTIFY_FILE_TRANSFERRED), S_OK);
  ASSERT_EQ(job_->SetNotifyInterface(&cb), S_OK);
  ASSERT_EQ(job_->Resume(), S_OK);
  ASSERT_TRUE(testing::WaitFor([&] { return cb.Events().size() >= 4; }, std::chrono::seconds(120)));
  EXPECT_EQ(cb.Events(), (std::vector<std::string>{"one.bin", "two.bin", "three.bin", "job"}));
  job_->SetNotifyInterface(nullptr);
  job_->Cancel();
}

// Without BG_NOTIFY_FILE_TRANSFERRED no FileTransferred is called.
TEST_F(BitsExtTransfer, FileTransferredNeedsItsFlag) {
  StartOrigin();
  Publish("one.bin", 20 * 1024);
  Add("one.bin");
  FileCallback& cb = file_cb_;
  ASSERT_EQ(job_->SetNotifyInterface(&cb), S_OK);  // default flags: TRANSFERRED | ERROR
  ASSERT_EQ(job_->Resume(), S_OK);
  ASSERT_TRUE(testing::WaitFor([&] { return !cb.Events().empty(); }, std::chrono::seconds(120)));
  EXPECT_EQ(cb.Events(), std::vector<std::string>{"job"});
  job_->SetNotifyInterface(nullptr);
  job_->Cancel();
}

// IBackgroundCopyJob2::SetNotifyCmdLine: "Specifies a program to execute if the job enters the
// BG_JOB_STATE_ERROR or BG_JOB_STATE_TRANSFERRED state"; the first parameter is the program.
TEST_F(BitsExtTransfer, NotifyCmdLineRunsTheProgramWhenTransferred) {
  StartOrigin();
  Publish("a.bin", 20 * 1024);
  Add("a.bin");
  const fs::path marker = out_dir_ / "marker with space";
  Com<IBackgroundCopyJob2> job2;
  ASSERT_EQ(job_->QueryInterface(IID_IBackgroundCopyJob2, job2.PutVoid()), S_OK);
  const std::wstring params = L"touch \"" + W(marker.string()) + L"\"";
  ASSERT_EQ(job2->SetNotifyCmdLine(L"/usr/bin/touch", params.c_str()), S_OK);
  ASSERT_EQ(job_->Resume(), S_OK);
  ASSERT_TRUE(WaitState(BG_JOB_STATE_TRANSFERRED));
  EXPECT_TRUE(testing::WaitFor([&] { return fs::exists(marker); }, std::chrono::seconds(60)));
  job_->Cancel();
}

// "BITS will execute the command line even if you call SetNotifyCmdLine after the event
// occurs"; here the job is in ERROR (a 404 is fatal).
TEST_F(BitsExtTransfer, NotifyCmdLineSetAfterTheErrorStillRuns) {
  StartOrigin();
  Add("missing.bin");
  ASSERT_EQ(job_->Resume(), S_OK);
  ASSERT_TRUE(WaitState(BG_JOB_STATE_ERROR));
  const fs::path marker = out_dir_ / "error-marker";
  Com<IBackgroundCopyJob2> job2;
  ASSERT_EQ(job_->QueryInterface(IID_IBackgroundCopyJob2, job2.PutVoid()), S_OK);
  const std::wstring params = L"touch " + W(marker.string());
  ASSERT_EQ(job2->SetNotifyCmdLine(L"/usr/bin/touch", params.c_str()), S_OK);
  EXPECT_TRUE(testing::WaitFor([&] { return fs::exists(marker); }, std::chrono::seconds(60)));
  job_->Cancel();
}

// A callback registered on a job already in ERROR hears JobError, as one registered on a
// TRANSFERRED job hears JobTransferred (IBackgroundCopyCallback::JobError).
TEST_F(BitsExtTransfer, JobErrorReachesACallbackRegisteredAfterTheError) {
  StartOrigin();
  Add("missing.bin");
  ASSERT_EQ(job_->Resume(), S_OK);
  ASSERT_TRUE(WaitState(BG_JOB_STATE_ERROR));
  RecordingCallback& cb = rec_cb_;
  ASSERT_EQ(job_->SetNotifyInterface(&cb), S_OK);
  EXPECT_TRUE(cb.WaitUntil([&] { return cb.errors() >= 1; }));
  EXPECT_EQ(cb.last_error_code(), BG_E_HTTP_ERROR_404);
  job_->SetNotifyInterface(nullptr);
  job_->Cancel();
}

// IDeliveryOptimizationFile::GetStats fills DOSwarmStats (doswarmstats.md): the file's URL,
// size and bytes, here all from HTTP.
TEST_F(BitsExtTransfer, SwarmStatsCountTheFilesBytes) {
  StartOrigin();
  Publish("a.bin", 64 * 1024);
  Add("a.bin");
  ASSERT_EQ(job_->Resume(), S_OK);
  ASSERT_TRUE(WaitState(BG_JOB_STATE_TRANSFERRED));
  Com<IEnumBackgroundCopyFiles> files;
  ASSERT_EQ(job_->EnumFiles(files.Put()), S_OK);
  Com<IBackgroundCopyFile> file;
  ASSERT_EQ(files->Next(1, file.Put(), nullptr), S_OK);
  Com<IDeliveryOptimizationFile> dofile;
  ASSERT_EQ(file->QueryInterface(IID_IDeliveryOptimizationFile, dofile.PutVoid()), S_OK);
  DOSwarmStats stats;
  // Per-source counters follow the engine's poll tick: wait for them.
  ASSERT_TRUE(testing::WaitFor([&] {
    if (dofile->GetStats(&stats) != S_OK) return false;
    const bool counted = stats.bytesFromHttp + stats.bytesFromLanPeers == 64 * 1024;
    if (!counted) {
      CoTaskMemFree(stats.fileId);
      CoTaskMemFree(stats.sourceURL);
    }
    return counted;
  }));
  EXPECT_EQ(Take(stats.sourceURL), W(Url("a.bin")));
  EXPECT_EQ(Take(stats.fileId), L"");
  EXPECT_EQ(stats.fileSize, 64u * 1024);
  EXPECT_EQ(stats.totalBytesDownloaded, 64u * 1024);
  EXPECT_EQ(stats.bytesFromHttp, 64u * 1024);
  EXPECT_EQ(stats.bytesFromLanPeers, 0u);
  EXPECT_EQ(stats.status, SwarmStatus_Complete);
  EXPECT_EQ(dofile->GetStats(nullptr), E_INVALIDARG);
  job_->Cancel();
}

// IDODownload's HttpCustomHeaders (DODownloadProperty) go out with the download's requests,
// as the job's custom headers do.
TEST_F(BitsExtTransfer, DoDownloadCustomHeadersReachTheOrigin) {
  StartOrigin("X-Shoal-Test");
  Publish("a.bin", 30 * 1024);
  Com<IDOManager> dom;
  ASSERT_EQ(manager_->QueryInterface(IID_PPV_ARGS(dom.Put())), S_OK);
  Com<IDODownload> d;
  ASSERT_EQ(dom->CreateDownload(d.Put()), S_OK);
  auto set = [&](DODownloadProperty id, const std::string& text) {
    VARIANT v;
    VariantInit(&v);
    v.vt = VT_BSTR;
    v.bstrVal = SysAllocString(W(text).c_str());
    const HRESULT h = d->SetProperty(id, &v);
    VariantClear(&v);
    return h;
  };
  ASSERT_EQ(set(DODownloadProperty_Uri, Url("a.bin")), S_OK);
  ASSERT_EQ(set(DODownloadProperty_LocalPath, out_dir_ / "a.bin"), S_OK);
  VARIANT got;
  EXPECT_EQ(d->GetProperty(DODownloadProperty_HttpCustomHeaders, &got), E_NOT_SET);
  ASSERT_EQ(set(DODownloadProperty_HttpCustomHeaders, "X-Shoal-Test: do\r\n"), S_OK);
  ASSERT_EQ(d->GetProperty(DODownloadProperty_HttpCustomHeaders, &got), S_OK);
  EXPECT_EQ(std::wstring(got.bstrVal), L"X-Shoal-Test: do\r\n");
  VariantClear(&got);
  ASSERT_EQ(d->Start(nullptr), S_OK);
  ASSERT_TRUE(testing::WaitFor(
      [&] {
        DO_DOWNLOAD_STATUS st{};
        return d->GetStatus(&st) == S_OK && st.State == DODownloadState_Transferred;
      },
      std::chrono::seconds(120)));
  const std::vector<std::string> seen = origin_->RecordedHeaders();
  ASSERT_FALSE(seen.empty());
  for (const std::string& entry : seen) EXPECT_EQ(entry.substr(entry.find(' ')), " do") << entry;
  d->Abort();
}

// DO_DOWNLOAD_STATUS (do-api.md section 5, the Linux agent): retries that ran out of the
// no-progress timeout report Error = DO_E_DOWNLOAD_NO_PROGRESS with the last failure as
// ExtendedError; a fatal failure reports itself as Error.
TEST_F(BitsExtTransfer, DoStatusNamesTheNoProgressTimeout) {
  StartOrigin();
  const std::string refused = "http://127.0.0.1:" + std::to_string(ClosedPort()) + "/x.bin";
  ASSERT_EQ(job_->AddFile(W(refused).c_str(), W(out_dir_ / "x.bin").c_str()), S_OK);
  ASSERT_EQ(job_->SetNoProgressTimeout(0), S_OK);  // "no retry": the first transient error ends it
  ASSERT_EQ(job_->Resume(), S_OK);
  ASSERT_TRUE(WaitState(BG_JOB_STATE_ERROR));
  Com<IDOManager> dom;
  ASSERT_EQ(manager_->QueryInterface(IID_PPV_ARGS(dom.Put())), S_OK);
  Com<IEnumUnknown> downloads;
  ASSERT_EQ(dom->EnumDownloads(nullptr, downloads.Put()), S_OK);
  Com<IUnknown> item;
  ASSERT_EQ(downloads->Next(1, item.Put(), nullptr), S_OK);
  Com<IDODownload> d;
  ASSERT_EQ(item->QueryInterface(IID_PPV_ARGS(d.Put())), S_OK);
  DO_DOWNLOAD_STATUS st{};
  ASSERT_EQ(d->GetStatus(&st), S_OK);
  EXPECT_EQ(st.State, DODownloadState_Paused);
  EXPECT_EQ(st.Error, DO_E_DOWNLOAD_NO_PROGRESS);
  EXPECT_TRUE(FAILED(st.ExtendedError));
  EXPECT_NE(st.ExtendedError, DO_E_DOWNLOAD_NO_PROGRESS);
  job_->Cancel();
}

TEST_F(BitsExtTransfer, DoStatusOfAFatalErrorIsTheErrorItself) {
  StartOrigin();
  Add("missing.bin");
  ASSERT_EQ(job_->Resume(), S_OK);
  ASSERT_TRUE(WaitState(BG_JOB_STATE_ERROR));
  Com<IDOManager> dom;
  ASSERT_EQ(manager_->QueryInterface(IID_PPV_ARGS(dom.Put())), S_OK);
  Com<IEnumUnknown> downloads;
  ASSERT_EQ(dom->EnumDownloads(nullptr, downloads.Put()), S_OK);
  Com<IUnknown> item;
  ASSERT_EQ(downloads->Next(1, item.Put(), nullptr), S_OK);
  Com<IDODownload> d;
  ASSERT_EQ(item->QueryInterface(IID_PPV_ARGS(d.Put())), S_OK);
  DO_DOWNLOAD_STATUS st{};
  ASSERT_EQ(d->GetStatus(&st), S_OK);
  EXPECT_EQ(st.Error, BG_E_HTTP_ERROR_404);
  EXPECT_EQ(st.ExtendedError, S_OK);
  job_->Cancel();
}

// IBackgroundCopyJob4::SetMaximumDownloadTime: "The job enters the fatal error state with an
// error code of BG_E_MAXDOWNLOAD_TIMEOUT if the transfer time exceeds the timeout value."
TEST_F(BitsExtTransfer, MaximumDownloadTimeFailsASlowJob) {
  StartOrigin();
  origin_->SetRateLimit(16 * 1024);  // 2 MB takes minutes
  Publish("slow.bin", 2 << 20);
  Add("slow.bin");
  ASSERT_EQ(job5()->SetMaximumDownloadTime(1), S_OK);
  ASSERT_EQ(job_->Resume(), S_OK);
  ASSERT_TRUE(WaitState(BG_JOB_STATE_ERROR));
  Com<IBackgroundCopyError> error;
  ASSERT_EQ(job_->GetError(error.Put()), S_OK);
  BG_ERROR_CONTEXT context;
  HRESULT code = S_OK;
  ASSERT_EQ(error->GetError(&context, &code), S_OK);
  EXPECT_EQ(code, BG_E_MAXDOWNLOAD_TIMEOUT);
  job_->Cancel();
}

}  // namespace
}  // namespace shoal::apitest
