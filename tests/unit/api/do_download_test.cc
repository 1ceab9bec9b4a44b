// IDOManager / IDODownload over a real engine and a loopback origin: activation as the DO SDK
// does it, the state table (Created -> Transferring -> Transferred -> Finalized, Abort), the
// properties' HRESULTs, status callbacks and EnumDownloads. Written from the DO SDK pages
// (learn.microsoft.com/windows/win32/api/deliveryoptimization/: nf-...-idodownload-start,
// -finalize, -abort, -getproperty, -setproperty, ne-...-dodownloadproperty,
// ns-...-do_download_status) and do-api.md section 5.
#include <gtest/gtest.h>

#include <filesystem>

#include "origin/http_origin.h"
#include "shoal/do.h"
#include "tests/support/fixtures.h"
#include "tests/unit/api/api_test_util.h"

namespace shoal::apitest {
namespace {

VARIANT Text(const std::string& s) {
  VARIANT v;
  VariantInit(&v);
  v.vt = VT_BSTR;
  v.bstrVal = SysAllocString(W(s).c_str());
  return v;
}

class StatusRecorder final : public IDODownloadStatusCallback {
 public:
  HRESULT STDMETHODCALLTYPE QueryInterface(REFIID riid, void** ppv) override {
    if (riid == __uuidof(IUnknown) || riid == __uuidof(IDODownloadStatusCallback)) {
      *ppv = static_cast<IDODownloadStatusCallback*>(this);
      AddRef();
      return S_OK;
    }
    *ppv = nullptr;
    return E_NOINTERFACE;
  }
  ULONG STDMETHODCALLTYPE AddRef() override { return ++refs; }
  ULONG STDMETHODCALLTYPE Release() override { return --refs; }
  HRESULT STDMETHODCALLTYPE OnStatusChange(IDODownload*, const DO_DOWNLOAD_STATUS* s) override {
    if (s->State == DODownloadState_Transferred) ++transferred;
    ++calls;
    return S_OK;
  }
  std::atomic<ULONG> refs{1};
  std::atomic<int> calls{0};
  std::atomic<int> transferred{0};
};

class DoDownloads : public ::testing::Test {
 protected:
  void SetUp() override {
    content_ = testing::WriteRandomFile(origin_dir_ / "content.bin", 200 * 1024);
    origin::HttpOriginOptions options;
    options.root = origin_dir_.path().string();
    std::string error;
    origin_ = origin::HttpOrigin::Start(options, &error);
    ASSERT_NE(origin_, nullptr) << error;
    Com<IBackgroundCopyManager> bits;
    MakeManager(&bits);
    ASSERT_EQ(bits->QueryInterface(IID_PPV_ARGS(manager_.Put())), S_OK);
  }
  DODownloadState State(IDODownload* d) {
    DO_DOWNLOAD_STATUS s{};
    EXPECT_EQ(d->GetStatus(&s), S_OK);
    return s.State;
  }
  HRESULT Set(IDODownload* d, DODownloadProperty id, const std::string& text) {
    VARIANT v = Text(text);
    const HRESULT h = d->SetProperty(id, &v);
    VariantClear(&v);
    return h;
  }

  StatusRecorder recorder_;  // outlives the downloads
  testing::TempDir origin_dir_;
  testing::TempDir out_dir_;
  std::string content_;
  std::unique_ptr<origin::HttpOrigin> origin_;
  Com<IDOManager> manager_;
};

// The DO SDK's activation: CoCreateInstance(__uuidof(DeliveryOptimization), ...,
// CLSCTX_LOCAL_SERVER, IID_PPV_ARGS(&manager)).
TEST(DoActivation, CoCreateInstanceOfDeliveryOptimizationGivesAnIDOManager) {
  testing::ScopedEnv listen("SHOAL_LISTEN", "127.0.0.1:0");
  testing::ScopedEnv lsd("SHOAL_LSD", "0");
  testing::ScopedEnv config("SHOAL_CONFIG", "");
  Com<IDOManager> manager;
  ASSERT_EQ(CoCreateInstance(__uuidof(DeliveryOptimization), nullptr, CLSCTX_LOCAL_SERVER,
                             IID_PPV_ARGS(manager.Put())),
            S_OK);
  Com<IDODownload> download;
  ASSERT_EQ(manager->CreateDownload(download.Put()), S_OK);
  EXPECT_EQ(download->Abort(), S_OK);
}

// Start: DO_E_DOWNLOAD_NO_URI without Uri, DO_E_FILE_DOWNLOADSINK_UNSPECIFIED without LocalPath;
// the file appears only at Finalize; after it, Start and Abort are DO_E_INVALID_STATE.
TEST_F(DoDownloads, StartTransfersAndFinalizeMovesTheFileIntoPlace) {
  Com<IDODownload> d;
  ASSERT_EQ(manager_->CreateDownload(d.Put()), S_OK);
  EXPECT_EQ(State(d.get()), DODownloadState_Created);
  EXPECT_EQ(d->Start(nullptr), DO_E_DOWNLOAD_NO_URI);
  ASSERT_EQ(Set(d.get(), DODownloadProperty_Uri, origin_->BaseUrl() + "/content.bin"), S_OK);
  EXPECT_EQ(d->Start(nullptr), DO_E_FILE_DOWNLOADSINK_UNSPECIFIED);
  const std::string local = out_dir_ / "content.bin";
  ASSERT_EQ(Set(d.get(), DODownloadProperty_LocalPath, local), S_OK);
  VARIANT cb;
  VariantInit(&cb);
  cb.vt = VT_UNKNOWN;
  cb.punkVal = &recorder_;
  ASSERT_EQ(d->SetProperty(DODownloadProperty_CallbackInterface, &cb), S_OK);
  EXPECT_EQ(d->Finalize(), DO_E_INVALID_STATE) << "not transferred yet";
  ASSERT_EQ(d->Start(nullptr), S_OK);
  ASSERT_TRUE(testing::WaitFor([&] { return State(d.get()) == DODownloadState_Transferred; }));
  DO_DOWNLOAD_STATUS s{};
  ASSERT_EQ(d->GetStatus(&s), S_OK);
  EXPECT_EQ(s.BytesTotal, content_.size());
  EXPECT_EQ(s.BytesTransferred, content_.size());
  EXPECT_EQ(s.Error, S_OK);
  EXPECT_FALSE(std::filesystem::exists(local)) << "nothing at LocalPath before Finalize";
  EXPECT_TRUE(testing::WaitFor([&] { return recorder_.transferred.load() >= 1; }));
  ASSERT_EQ(d->Finalize(), S_OK);
  EXPECT_EQ(State(d.get()), DODownloadState_Finalized);
  EXPECT_TRUE(testing::ReadFile(local) == content_);
  EXPECT_EQ(d->Start(nullptr), DO_E_INVALID_STATE);
  EXPECT_EQ(d->Abort(), DO_E_INVALID_STATE);
  EXPECT_EQ(d->Finalize(), S_OK) << "Finalized: a no-op";
  d.Reset();
  EXPECT_TRUE(testing::WaitFor([&] { return recorder_.refs.load() == 1; }));
}

// A 404 is a real failure: Paused with Error set (do-api.md section 6, DO status).
TEST_F(DoDownloads, AMissingFilePausesWithItsError) {
  Com<IDODownload> d;
  ASSERT_EQ(manager_->CreateDownload(d.Put()), S_OK);
  ASSERT_EQ(Set(d.get(), DODownloadProperty_Uri, origin_->BaseUrl() + "/missing.bin"), S_OK);
  ASSERT_EQ(Set(d.get(), DODownloadProperty_LocalPath, out_dir_ / "missing.bin"), S_OK);
  ASSERT_EQ(d->Start(nullptr), S_OK);
  DO_DOWNLOAD_STATUS s{};
  ASSERT_TRUE(testing::WaitFor([&] { return d->GetStatus(&s) == S_OK && FAILED(s.Error); }));
  EXPECT_EQ(s.State, DODownloadState_Paused);
  EXPECT_EQ(s.Error, BG_E_HTTP_ERROR_404);
  EXPECT_EQ(d->Abort(), S_OK);
  EXPECT_EQ(State(d.get()), DODownloadState_Aborted);
  EXPECT_EQ(d->Start(nullptr), DO_E_INVALID_STATE);
  EXPECT_EQ(d->Pause(), DO_E_INVALID_STATE);
  EXPECT_EQ(d->Abort(), S_OK) << "Aborted: a no-op";
}

// GetProperty / SetProperty: DO_E_UNKNOWN_PROPERTY_ID, DO_E_READ_ONLY_PROPERTY (Id),
// DO_E_WRITE_ONLY_PROPERTY, E_NOT_SET for a property never set, the documented defaults.
TEST_F(DoDownloads, PropertiesAnswerWithDosHresults) {
  Com<IDODownload> d;
  ASSERT_EQ(manager_->CreateDownload(d.Put()), S_OK);
  VARIANT v;
  VariantInit(&v);
  EXPECT_EQ(d->GetProperty(static_cast<DODownloadProperty>(99), &v), DO_E_UNKNOWN_PROPERTY_ID);
  EXPECT_EQ(d->SetProperty(static_cast<DODownloadProperty>(99), &v), DO_E_UNKNOWN_PROPERTY_ID);
  EXPECT_EQ(d->GetProperty(DODownloadProperty_Uri, &v), E_NOT_SET);
  EXPECT_EQ(d->GetProperty(DODownloadProperty_SecurityFlags, &v), DO_E_WRITE_ONLY_PROPERTY);
  ASSERT_EQ(d->GetProperty(DODownloadProperty_Id, &v), S_OK);
  ASSERT_EQ(v.vt, VT_BSTR);
  EXPECT_EQ(SysStringLen(v.bstrVal), 38u);  // {8-4-4-4-12}
  EXPECT_EQ(d->SetProperty(DODownloadProperty_Id, &v), DO_E_READ_ONLY_PROPERTY);
  VariantClear(&v);
  ASSERT_EQ(d->GetProperty(DODownloadProperty_CallbackFreqSeconds, &v), S_OK);
  EXPECT_EQ(v.vt, VT_UI4);
  EXPECT_EQ(v.ulVal, 1u);
  ASSERT_EQ(d->GetProperty(DODownloadProperty_ForegroundPriority, &v), S_OK);
  EXPECT_EQ(v.boolVal, VARIANT_FALSE);
  v.vt = VT_UI4;
  v.ulVal = 1;
  EXPECT_EQ(d->SetProperty(DODownloadProperty_Uri, &v), E_INVALIDARG) << "a BSTR property";
  EXPECT_EQ(Set(d.get(), DODownloadProperty_DisplayName, "shown"), S_OK);
  ASSERT_EQ(d->GetProperty(DODownloadProperty_DisplayName, &v), S_OK);
  EXPECT_EQ(std::wstring(v.bstrVal), L"shown");
  VariantClear(&v);
  DO_DOWNLOAD_RANGES_INFO ranges{1, {{0, 10}}};
  EXPECT_EQ(d->Start(&ranges), DO_E_DOWNLOAD_NO_URI) << "ranges need a Uri as much";
  EXPECT_EQ(d->Abort(), S_OK);
  EXPECT_EQ(Set(d.get(), DODownloadProperty_DisplayName, "late"), DO_E_INVALID_STATE);
}

TEST_F(DoDownloads, EnumDownloadsFiltersByOneProperty) {
  Com<IDODownload> a, b;
  ASSERT_EQ(manager_->CreateDownload(a.Put()), S_OK);
  ASSERT_EQ(manager_->CreateDownload(b.Put()), S_OK);
  ASSERT_EQ(Set(a.get(), DODownloadProperty_DisplayName, "first"), S_OK);
  ASSERT_EQ(Set(b.get(), DODownloadProperty_DisplayName, "second"), S_OK);
  Com<IEnumUnknown> all;
  ASSERT_EQ(manager_->EnumDownloads(nullptr, all.Put()), S_OK);
  IUnknown* items[3] = {};
  ULONG fetched = 0;
  EXPECT_EQ(all->Next(3, items, &fetched), S_FALSE);
  EXPECT_EQ(fetched, 2u);
  for (ULONG i = 0; i < fetched; ++i) items[i]->Release();
  DO_DOWNLOAD_ENUM_CATEGORY by_name{DODownloadProperty_DisplayName, L"second"};
  Com<IEnumUnknown> one;
  ASSERT_EQ(manager_->EnumDownloads(&by_name, one.Put()), S_OK);
  IUnknown* item = nullptr;
  ASSERT_EQ(one->Next(1, &item, nullptr), S_OK);
  Com<IDODownload> found;
  ASSERT_EQ(item->QueryInterface(IID_PPV_ARGS(found.Put())), S_OK);
  item->Release();
  VARIANT v;
  VariantInit(&v);
  ASSERT_EQ(found->GetProperty(DODownloadProperty_DisplayName, &v), S_OK);
  EXPECT_EQ(std::wstring(v.bstrVal), L"second");
  VariantClear(&v);
  DO_DOWNLOAD_ENUM_CATEGORY bad{DODownloadProperty_CostPolicy, L"0"};
  Com<IEnumUnknown> none;
  EXPECT_EQ(manager_->EnumDownloads(&bad, none.Put()), E_INVALIDARG);
  a->Abort();
  b->Abort();
}

}  // namespace
}  // namespace shoal::apitest
