// IBackgroundCopyJob2-5, IBackgroundCopyJobHttpOptions, IBackgroundCopyFile5 and
// IDeliveryOptimizationFile2 without a transfer: reachability, defaults and the HRESULTs each
// method's page gives (learn.microsoft.com, bits1_5 / bits2_0 / bits2_5 / bits3_0 / bits5_0
// and the delivery_optimization pages), and the notify command line's argv splitting.
#include <gtest/gtest.h>

#include "api/src/notify_cmd.h"
#include "tests/unit/api/api_test_util.h"

namespace shoal::apitest {
namespace {

class BitsExt : public ::testing::Test {
 protected:
  void SetUp() override {
    MakeManager(&manager_);
    GUID id;
    ASSERT_EQ(manager_->CreateJob(L"ext", BG_JOB_TYPE_DOWNLOAD, &id, job_.Put()), S_OK);
    ASSERT_EQ(job_->QueryInterface(IID_IBackgroundCopyJob5, job5_.PutVoid()), S_OK);
  }
  void AddOneFile() {
    ASSERT_EQ(job_->AddFile(L"http://127.0.0.1:1/x.bin", W(dir_ / "x.bin").c_str()), S_OK);
  }

  testing::TempDir dir_;
  Com<IBackgroundCopyManager> manager_;
  Com<IBackgroundCopyJob> job_;
  Com<IBackgroundCopyJob5> job5_;
};

TEST_F(BitsExt, EveryJobVersionIsOneObject) {
  Com<IUnknown> identity;
  ASSERT_EQ(job_->QueryInterface(IID_IUnknown, identity.PutVoid()), S_OK);
  for (const IID* iid : {&IID_IBackgroundCopyJob2, &IID_IBackgroundCopyJob3,
                         &IID_IBackgroundCopyJob4, &IID_IBackgroundCopyJobHttpOptions}) {
    Com<IUnknown> itf;
    ASSERT_EQ(job_->QueryInterface(*iid, itf.PutVoid()), S_OK);
    Com<IUnknown> back;
    ASSERT_EQ(itf->QueryInterface(IID_IUnknown, back.PutVoid()), S_OK);
    EXPECT_EQ(back.get(), identity.get());
  }
}

// GetNotifyCmdLine: L"" for both when SetNotifyCmdLine was never called.
TEST_F(BitsExt, NotifyCmdLineDefaultsAndLimits) {
  LPWSTR program = nullptr;
  LPWSTR params = nullptr;
  ASSERT_EQ(job5_->GetNotifyCmdLine(&program, &params), S_OK);
  EXPECT_EQ(Take(program), L"");
  EXPECT_EQ(Take(params), L"");
  // "The method fails if pProgram is NULL and pParameters is non-NULL."
  EXPECT_EQ(job5_->SetNotifyCmdLine(nullptr, L"x"), E_INVALIDARG);
  EXPECT_EQ(job5_->SetNotifyCmdLine(std::wstring(261, L'a').c_str(), nullptr),
            BG_E_STRING_TOO_LONG);
  EXPECT_EQ(job5_->SetNotifyCmdLine(L"/bin/true", std::wstring(4001, L'a').c_str()),
            BG_E_STRING_TOO_LONG);
  EXPECT_EQ(job5_->SetNotifyCmdLine(L"true", nullptr), E_INVALIDARG);  // no search path
  ASSERT_EQ(job5_->SetNotifyCmdLine(L"/bin/true", L"true --x"), S_OK);
  ASSERT_EQ(job5_->GetNotifyCmdLine(&program, &params), S_OK);
  EXPECT_EQ(Take(program), L"/bin/true");
  EXPECT_EQ(Take(params), L"true --x");
  ASSERT_EQ(job5_->SetNotifyCmdLine(nullptr, nullptr), S_OK);  // removes it
  ASSERT_EQ(job5_->GetNotifyCmdLine(&program, &params), S_OK);
  EXPECT_EQ(Take(program), L"");
  EXPECT_EQ(Take(params), L"");
  ASSERT_EQ(job_->Cancel(), S_OK);
  EXPECT_EQ(job5_->SetNotifyCmdLine(L"/bin/true", nullptr), BG_E_INVALID_STATE);
}

// The reply methods are "not implemented for jobs of type BG_JOB_TYPE_DOWNLOAD".
TEST_F(BitsExt, ReplyMethodsAreNotImplementedForDownloads) {
  BG_JOB_REPLY_PROGRESS progress;
  EXPECT_EQ(job5_->GetReplyProgress(&progress), E_NOTIMPL);
  EXPECT_EQ(job5_->GetReplyProgress(nullptr), E_INVALIDARG);
  LPWSTR name = nullptr;
  EXPECT_EQ(job5_->GetReplyFileName(&name), E_NOTIMPL);
  EXPECT_EQ(name, nullptr);
  EXPECT_EQ(job5_->SetReplyFileName(L"/tmp/reply"), E_NOTIMPL);
  BYTE* data = nullptr;
  UINT64 length = 0;
  EXPECT_EQ(job5_->GetReplyData(&data, &length), E_NOTIMPL);
  BG_AUTH_CREDENTIALS cred{};
  EXPECT_EQ(job5_->SetCredentials(&cred), E_NOTIMPL);
  EXPECT_EQ(job5_->RemoveCredentials(BG_AUTH_TARGET_SERVER, BG_AUTH_SCHEME_BASIC), E_NOTIMPL);
}

TEST_F(BitsExt, Job3FlagsAndNotImplementedParts) {
  DWORD flags = 99;
  ASSERT_EQ(job5_->GetFileACLFlags(&flags), S_OK);
  EXPECT_EQ(flags, 0u);
  ASSERT_EQ(job5_->SetFileACLFlags(BG_COPY_FILE_OWNER | BG_COPY_FILE_DACL), S_OK);
  ASSERT_EQ(job5_->GetFileACLFlags(&flags), S_OK);
  EXPECT_EQ(flags, static_cast<DWORD>(BG_COPY_FILE_OWNER | BG_COPY_FILE_DACL));
  EXPECT_EQ(job5_->SetFileACLFlags(0x10), E_INVALIDARG);
  EXPECT_EQ(job5_->ReplaceRemotePrefix(L"http://a", L"http://b"), E_NOTIMPL);
  BG_FILE_RANGE range{0, 10};
  EXPECT_EQ(job5_->AddFileWithRanges(L"http://127.0.0.1:1/x", W(dir_ / "y").c_str(), 1, &range),
            E_NOTIMPL);
}

// GetMaximumDownloadTime: "The default is 7,776,000 seconds (90 days)"; DO's
// GetPeerCachingFlags: E_NOTIMPL "if other flag values are set".
TEST_F(BitsExt, Job4DefaultsAndRoundTrips) {
  ULONG timeout = 0;
  ASSERT_EQ(job5_->GetMaximumDownloadTime(&timeout), S_OK);
  EXPECT_EQ(timeout, 7776000u);
  ASSERT_EQ(job5_->SetMaximumDownloadTime(60), S_OK);
  ASSERT_EQ(job5_->GetMaximumDownloadTime(&timeout), S_OK);
  EXPECT_EQ(timeout, 60u);
  DWORD flags = 0;
  ASSERT_EQ(job5_->SetPeerCachingFlags(BG_JOB_ENABLE_PEERCACHING_CLIENT), S_OK);
  ASSERT_EQ(job5_->GetPeerCachingFlags(&flags), S_OK);
  EXPECT_EQ(flags, static_cast<DWORD>(BG_JOB_ENABLE_PEERCACHING_CLIENT));
  EXPECT_EQ(job5_->SetPeerCachingFlags(0x8), E_NOTIMPL);
  ULONG level = 0;
  BOOL elevated = TRUE;
  ASSERT_EQ(job5_->GetOwnerIntegrityLevel(&level), S_OK);
  ASSERT_EQ(job5_->GetOwnerElevationState(&elevated), S_OK);
  EXPECT_EQ(elevated == TRUE, ::getuid() == 0);
  EXPECT_EQ(level, ::getuid() == 0 ? 0x3000u : 0x2000u);
}

// DO supports COST_FLAGS and NOTIFICATION_CLSID (GUID_NULL clears); 3, 4, 5, 7, 9, 10 are
// "Not supported".
TEST_F(BitsExt, Job5PropertiesDoSupports) {
  BITS_JOB_PROPERTY_VALUE v{};
  ASSERT_EQ(job5_->GetProperty(BITS_JOB_PROPERTY_ID_COST_FLAGS, &v), S_OK);
  EXPECT_EQ(v.Dword, static_cast<DWORD>(BITS_COST_STATE_TRANSFER_ALWAYS));
  v.Dword = static_cast<DWORD>(BITS_JOB_TRANSFER_POLICY_NOT_ROAMING);
  ASSERT_EQ(job5_->SetProperty(BITS_JOB_PROPERTY_ID_COST_FLAGS, v), S_OK);
  v = {};
  ASSERT_EQ(job5_->GetProperty(BITS_JOB_PROPERTY_ID_COST_FLAGS, &v), S_OK);
  EXPECT_EQ(v.Dword, static_cast<DWORD>(BITS_JOB_TRANSFER_POLICY_NOT_ROAMING));

  v = {};
  v.ClsID = IID_IBackgroundCopyJob5;  // any GUID
  ASSERT_EQ(job5_->SetProperty(BITS_JOB_PROPERTY_NOTIFICATION_CLSID, v), S_OK);
  v = {};
  ASSERT_EQ(job5_->GetProperty(BITS_JOB_PROPERTY_NOTIFICATION_CLSID, &v), S_OK);
  EXPECT_TRUE(v.ClsID == IID_IBackgroundCopyJob5);
  v = {};
  ASSERT_EQ(job5_->SetProperty(BITS_JOB_PROPERTY_NOTIFICATION_CLSID, v), S_OK);  // GUID_NULL
  v.ClsID = IID_IBackgroundCopyJob5;
  ASSERT_EQ(job5_->GetProperty(BITS_JOB_PROPERTY_NOTIFICATION_CLSID, &v), S_OK);
  EXPECT_TRUE(v.ClsID == GUID{});

  for (int id : {3, 4, 5, 7, 9, 10}) {
    EXPECT_EQ(job5_->GetProperty(static_cast<BITS_JOB_PROPERTY_ID>(id), &v), E_NOTIMPL) << id;
    EXPECT_EQ(job5_->SetProperty(static_cast<BITS_JOB_PROPERTY_ID>(id), v), E_NOTIMPL) << id;
  }
  EXPECT_EQ(job5_->GetProperty(static_cast<BITS_JOB_PROPERTY_ID>(6), &v), E_INVALIDARG);
  EXPECT_EQ(job5_->GetProperty(BITS_JOB_PROPERTY_ID_COST_FLAGS, nullptr), E_INVALIDARG);
}

// SetCustomHeaders: BG_E_STRING_TOO_LONG over 16 KB, NULL removes; GetCustomHeaders: S_FALSE
// "The job does not specify custom headers", RPC_X_NULL_REF_POINTER for NULL.
TEST_F(BitsExt, CustomHeadersLimits) {
  Com<IBackgroundCopyJobHttpOptions> http;
  ASSERT_EQ(job_->QueryInterface(IID_IBackgroundCopyJobHttpOptions, http.PutVoid()), S_OK);
  LPWSTR headers = nullptr;
  EXPECT_EQ(http->GetCustomHeaders(&headers), S_FALSE);
  EXPECT_EQ(headers, nullptr);
  EXPECT_EQ(http->GetCustomHeaders(nullptr), RPC_X_NULL_REF_POINTER);
  EXPECT_EQ(http->SetCustomHeaders(std::wstring(16384, L'a').c_str()), BG_E_STRING_TOO_LONG);
  EXPECT_EQ(http->SetCustomHeaders(L"A: 1\nB: 2\r\n"), E_INVALIDARG);  // a bare LF
  ASSERT_EQ(http->SetCustomHeaders(L"A: 1"), S_OK);                    // CRLF added
  ASSERT_EQ(http->GetCustomHeaders(&headers), S_OK);
  EXPECT_EQ(Take(headers), L"A: 1\r\n");
  ASSERT_EQ(http->SetCustomHeaders(nullptr), S_OK);
  EXPECT_EQ(http->GetCustomHeaders(&headers), S_FALSE);
  ULONG flags = 1;
  ASSERT_EQ(http->GetSecurityFlags(&flags), S_OK);
  EXPECT_EQ(flags, 0u);
  EXPECT_EQ(http->SetSecurityFlags(BG_SSL_IGNORE_UNKNOWN_CA), E_NOTIMPL);  // not ignored
  BG_CERT_STORE_LOCATION where;
  LPWSTR store = nullptr;
  LPWSTR subject = nullptr;
  BYTE* hash = nullptr;
  EXPECT_EQ(http->GetClientCertificate(&where, &store, &hash, &subject), RPC_X_BAD_STUB_DATA);
  BYTE blob[20] = {};
  EXPECT_EQ(http->SetClientCertificateByID(BG_CERT_STORE_LOCATION_CURRENT_USER, L"MY", blob),
            E_NOTIMPL);
  ASSERT_EQ(job_->Cancel(), S_OK);
  EXPECT_EQ(http->SetCustomHeaders(L"A: 1\r\n"), BG_E_INVALID_STATE);
}

TEST_F(BitsExt, FileReachesFile5AndTheDeliveryOptimizationFiles) {
  AddOneFile();
  Com<IEnumBackgroundCopyFiles> files;
  ASSERT_EQ(job_->EnumFiles(files.Put()), S_OK);
  Com<IBackgroundCopyFile> file;
  ASSERT_EQ(files->Next(1, file.Put(), nullptr), S_OK);
  Com<IBackgroundCopyFile5> file5;
  ASSERT_EQ(file->QueryInterface(IID_IBackgroundCopyFile5, file5.PutVoid()), S_OK);
  BITS_FILE_PROPERTY_VALUE v{};
  EXPECT_EQ(file5->GetProperty(BITS_FILE_PROPERTY_ID_HTTP_RESPONSE_HEADERS, &v), E_NOTIMPL);
  EXPECT_EQ(file5->GetProperty(static_cast<BITS_FILE_PROPERTY_ID>(2), &v), E_INVALIDARG);

  Com<IDeliveryOptimizationFile2> do2;
  ASSERT_EQ(file->QueryInterface(IID_IDeliveryOptimizationFile2, do2.PutVoid()), S_OK);
  VARIANT value;
  VariantInit(&value);
  ASSERT_EQ(do2->GetProperty(DOFilePropertyId_DownloadSinkFilePath, &value), S_OK);
  ASSERT_EQ(value.vt, VT_BSTR);
  EXPECT_EQ(std::wstring(value.bstrVal), W(dir_ / "x.bin"));
  VariantClear(&value);
  EXPECT_EQ(do2->GetProperty(DOFilePropertyId_TotalSizeBytes, &value), E_NOT_SET);  // unknown
  EXPECT_EQ(do2->GetProperty(DOFilePropertyId_DecryptionInfo, &value), DO_E_WRITE_ONLY_PROPERTY);
  EXPECT_EQ(do2->GetProperty(static_cast<DOFilePropertyId>(7), &value), DO_E_UNKNOWN_PROPERTY_ID);
  EXPECT_EQ(do2->SetProperty(static_cast<DOFilePropertyId>(7), &value), DO_E_UNKNOWN_PROPERTY_ID);
  ASSERT_EQ(job_->Cancel(), S_OK);
  EXPECT_EQ(do2->SetProperty(DOFilePropertyId_IntegrityCheckMandatory, &value), DO_E_INVALID_STATE);
}

TEST(NotifyCmdLine, SplitsAsCommandLineToArgvW) {
  using api::SplitCommandLine;
  EXPECT_EQ(SplitCommandLine(""), std::vector<std::string>{});
  EXPECT_EQ(SplitCommandLine("touch  /tmp/a\t b"),
            (std::vector<std::string>{"touch", "/tmp/a", "b"}));
  EXPECT_EQ(SplitCommandLine("p \"a b\" c\"d e\"f"),
            (std::vector<std::string>{"p", "a b", "cd ef"}));
  EXPECT_EQ(SplitCommandLine("p a\\\\\"b c\" d\\\"e f\\g"),
            (std::vector<std::string>{"p", "a\\b c", "d\"e", "f\\g"}));
  EXPECT_EQ(SplitCommandLine("p \"\""), (std::vector<std::string>{"p", ""}));
}

TEST(NotifyCmdLine, AProgramThatDoesNotExistIsNotStarted) {
  EXPECT_FALSE(api::StartNotifyProgram("/nonexistent/program", ""));
}

}  // namespace
}  // namespace shoal::apitest
