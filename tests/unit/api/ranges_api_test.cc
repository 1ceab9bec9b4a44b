// Byte ranges through the COM facade over a real engine and a loopback origin, written from
// the documentation pages:
// - IDeliveryOptimizationJob::AddFileWithRanges (learn.microsoft.com/windows/win32/
//   delivery_optimization/ideliveryoptimizationjob-addfilewithranges): E_INVALIDARG for a NULL
//   or empty local name; DO_E_INVALID_RANGE ("InitialOffset is set to BG_LENGTH_TO_EOF");
//   DO_E_OVERLAPPING_RANGES ("ranges are sorted by offset"); the job may not be CANCELLED.
// - IBackgroundCopyJob3::AddFileWithRanges (bits2_0.h): the local file holds the ranges
//   packed, in the order given.
// - IBackgroundCopyFile2::GetFileRanges: the ranges (CoTaskMemFree), or S_FALSE with 0/NULL.
// - IDeliveryOptimizationJob2::GetProperty / SetProperty (only DOJobPropertyId_ExtendedErrorInfo,
//   VT_BSTR; SetProperty "is unused").
// - IDODownload::Start (api/deliveryoptimization/nf-deliveryoptimization-idodownload-start): a
//   non-empty DO_DOWNLOAD_RANGES_INFO downloads those ranges; RangeCount 0 the whole file; and
//   DODownloadState: a Transferred download "can start again by downloading another portion".
#include <gtest/gtest.h>

#include <filesystem>

#include "origin/http_origin.h"
#include "shoal/do.h"
#include "tests/support/fixtures.h"
#include "tests/unit/api/api_test_util.h"

namespace shoal::apitest {
namespace {

class RangesApi : public ::testing::Test {
 protected:
  void SetUp() override {
    // No sidecar .torrent: the origin 404s it and the file is fetched over plain HTTP with
    // Range requests for the ranges only.
    content_ = testing::WriteRandomFile(origin_dir_ / "content.bin", 300 * 1024);
    origin::HttpOriginOptions options;
    options.root = origin_dir_.path().string();
    std::string error;
    origin_ = origin::HttpOrigin::Start(options, &error);
    ASSERT_NE(origin_, nullptr) << error;
    MakeManager(&manager_);
    GUID id;
    ASSERT_EQ(manager_->CreateJob(L"ranges", BG_JOB_TYPE_DOWNLOAD, &id, job_.Put()), S_OK);
    ASSERT_EQ(
        job_->QueryInterface(IID_IDeliveryOptimizationJob, reinterpret_cast<void**>(do_job_.Put())),
        S_OK);
  }
  std::wstring Url() const { return W(origin_->BaseUrl() + "/content.bin"); }
  std::wstring Local(const std::string& name) const { return W(out_dir_ / name); }
  bool Transferred() {
    BG_JOB_STATE s;
    return SUCCEEDED(job_->GetState(&s)) && s == BG_JOB_STATE_TRANSFERRED;
  }
  Com<IBackgroundCopyFile2> File(ULONG index) {
    Com<IEnumBackgroundCopyFiles> files;
    EXPECT_EQ(job_->EnumFiles(files.Put()), S_OK);
    Com<IBackgroundCopyFile> file;
    if (index > 0) files->Skip(index);
    EXPECT_EQ(files->Next(1, file.Put(), nullptr), S_OK);
    Com<IBackgroundCopyFile2> file2;
    EXPECT_EQ(file->QueryInterface(IID_IBackgroundCopyFile2, reinterpret_cast<void**>(file2.Put())),
              S_OK);
    return file2;
  }

  testing::TempDir origin_dir_;
  testing::TempDir out_dir_;
  std::string content_;
  std::unique_ptr<origin::HttpOrigin> origin_;
  Com<IBackgroundCopyManager> manager_;
  Com<IBackgroundCopyJob> job_;
  Com<IDeliveryOptimizationJob> do_job_;
};

TEST_F(RangesApi, TheExtensionsAreTheJobsOwnInterfaces) {
  Com<IUnknown> from_job, from_ext;
  ASSERT_EQ(job_->QueryInterface(IID_IUnknown, reinterpret_cast<void**>(from_job.Put())), S_OK);
  ASSERT_EQ(do_job_->QueryInterface(IID_IUnknown, reinterpret_cast<void**>(from_ext.Put())), S_OK);
  EXPECT_EQ(from_job.get(), from_ext.get()) << "IUnknown identity";
  Com<IDeliveryOptimizationJob2> job2;
  ASSERT_EQ(do_job_->QueryInterface(__uuidof(IDeliveryOptimizationJob2),
                                    reinterpret_cast<void**>(job2.Put())),
            S_OK);
  Com<IBackgroundCopyJob> back;
  ASSERT_EQ(job2->QueryInterface(IID_IBackgroundCopyJob, reinterpret_cast<void**>(back.Put())),
            S_OK);
  EXPECT_EQ(back.get(), job_.get());
}

TEST_F(RangesApi, AddFileWithRangesAnswersWithTheDocumentedCodes) {
  BG_FILE_RANGE ok[] = {{100, 10}};
  EXPECT_EQ(do_job_->AddFileWithRanges(L"id", Url().c_str(), nullptr, 1, ok, DO_UNKNOWN_FILE_SIZE),
            E_INVALIDARG);
  EXPECT_EQ(do_job_->AddFileWithRanges(L"id", Url().c_str(), L"", 1, ok, DO_UNKNOWN_FILE_SIZE),
            E_INVALIDARG);
  BG_FILE_RANGE eof_offset[] = {{BG_LENGTH_TO_EOF, 10}};
  EXPECT_EQ(do_job_->AddFileWithRanges(L"id", Url().c_str(), Local("a").c_str(), 1, eof_offset,
                                       DO_UNKNOWN_FILE_SIZE),
            DO_E_INVALID_RANGE);
  BG_FILE_RANGE zero[] = {{5, 0}};
  EXPECT_EQ(do_job_->AddFileWithRanges(L"id", Url().c_str(), Local("a").c_str(), 1, zero,
                                       DO_UNKNOWN_FILE_SIZE),
            DO_E_INVALID_RANGE);
  // The documentation's own example: 100.5 then 100.0, the same offset in reverse order.
  BG_FILE_RANGE same_offset[] = {{100, 5}, {100, 1}};
  EXPECT_EQ(do_job_->AddFileWithRanges(L"id", Url().c_str(), Local("a").c_str(), 2, same_offset,
                                       DO_UNKNOWN_FILE_SIZE),
            DO_E_OVERLAPPING_RANGES);
  BG_FILE_RANGE overlap[] = {{400, 100}, {100, 301}};
  EXPECT_EQ(do_job_->AddFileWithRanges(L"id", Url().c_str(), Local("a").c_str(), 2, overlap,
                                       DO_UNKNOWN_FILE_SIZE),
            DO_E_OVERLAPPING_RANGES);
  BG_FILE_RANGE past[] = {{990, 20}};
  EXPECT_EQ(do_job_->AddFileWithRanges(L"id", Url().c_str(), Local("a").c_str(), 1, past, 1000),
            DO_E_INVALID_RANGE);
  EXPECT_EQ(do_job_->AddFileWithRanges(L"id", L"ftp://x/y", Local("a").c_str(), 1, ok,
                                       DO_UNKNOWN_FILE_SIZE),
            E_INVALIDARG);
  BG_JOB_PROGRESS p{};
  ASSERT_EQ(job_->GetProgress(&p), S_OK);
  EXPECT_EQ(p.FilesTotal, 0u) << "every refusal added nothing";
  ASSERT_EQ(job_->Cancel(), S_OK);
  EXPECT_EQ(do_job_->AddFileWithRanges(L"id", Url().c_str(), Local("a").c_str(), 1, ok,
                                       DO_UNKNOWN_FILE_SIZE),
            BG_E_INVALID_STATE);
}

TEST_F(RangesApi, OnlyTheRangesAreTransferredAndTheLocalFileHoldsThemPacked) {
  BG_FILE_RANGE ranges[] = {{200 * 1024, BG_LENGTH_TO_EOF}, {10, 20}, {1000, 5000}};
  ASSERT_EQ(do_job_->AddFileWithRanges(L"content", Url().c_str(), Local("r.bin").c_str(), 3, ranges,
                                       DO_UNKNOWN_FILE_SIZE),
            S_OK);
  ASSERT_EQ(do_job_->AddFileWithRanges(L"whole", Url().c_str(), Local("w.bin").c_str(), 0, nullptr,
                                       DO_UNKNOWN_FILE_SIZE),
            S_OK)
      << "no ranges: the whole file";
  // GetFileRanges: the ranges as given; S_FALSE with 0/NULL for the whole file.
  DWORD count = 0;
  BG_FILE_RANGE* got = nullptr;
  ASSERT_EQ(File(0)->GetFileRanges(&count, &got), S_OK);
  ASSERT_EQ(count, 3u);
  for (DWORD i = 0; i < count; ++i) {
    EXPECT_EQ(got[i].InitialOffset, ranges[i].InitialOffset);
    EXPECT_EQ(got[i].Length, ranges[i].Length);
  }
  CoTaskMemFree(got);
  count = 7;
  got = reinterpret_cast<BG_FILE_RANGE*>(1);
  EXPECT_EQ(File(1)->GetFileRanges(&count, &got), S_FALSE);
  EXPECT_EQ(count, 0u);
  EXPECT_EQ(got, nullptr);

  ASSERT_EQ(job_->Resume(), S_OK);
  ASSERT_TRUE(testing::WaitFor([&] { return Transferred(); }));
  const std::string packed =
      content_.substr(200 * 1024) + content_.substr(10, 20) + content_.substr(1000, 5000);
  BG_JOB_PROGRESS p{};
  ASSERT_EQ(job_->GetProgress(&p), S_OK);
  EXPECT_EQ(p.BytesTotal, packed.size() + content_.size()) << "range sums, and the whole file";
  EXPECT_EQ(p.BytesTransferred, p.BytesTotal);
  EXPECT_EQ(p.FilesTransferred, 2u);
  Com<IBackgroundCopyFile> first;
  ASSERT_EQ(File(0)->QueryInterface(IID_IBackgroundCopyFile, reinterpret_cast<void**>(first.Put())),
            S_OK);
  BG_FILE_PROGRESS fp{};
  ASSERT_EQ(first->GetProgress(&fp), S_OK);
  EXPECT_EQ(fp.BytesTotal, packed.size());
  ASSERT_EQ(job_->Complete(), S_OK);
  EXPECT_TRUE(testing::ReadFile(out_dir_ / "r.bin") == packed);
  EXPECT_TRUE(testing::ReadFile(out_dir_ / "w.bin") == content_);
}

TEST_F(RangesApi, Job2AnswersForItsOnePropertyAndItsSinklessAddFile) {
  Com<IDeliveryOptimizationJob2> job2;
  ASSERT_EQ(
      job_->QueryInterface(IID_IDeliveryOptimizationJob2, reinterpret_cast<void**>(job2.Put())),
      S_OK);
  VARIANT v;
  VariantInit(&v);
  EXPECT_EQ(job2->GetProperty(DOJobPropertyId_ExtendedErrorInfo, nullptr), E_INVALIDARG);
  EXPECT_EQ(job2->GetProperty(DOJobPropertyId_ExtendedErrorInfo, &v), E_NOT_SET) << "no error";
  EXPECT_EQ(job2->GetProperty(static_cast<DOJobPropertyId>(7), &v), DO_E_UNKNOWN_PROPERTY_ID);
  EXPECT_EQ(job2->SetProperty(DOJobPropertyId_ExtendedErrorInfo, &v), DO_E_READ_ONLY_PROPERTY);
  EXPECT_EQ(job2->SetProperty(static_cast<DOJobPropertyId>(7), &v), DO_E_UNKNOWN_PROPERTY_ID);
  void* file = reinterpret_cast<void*>(1);
  EXPECT_EQ(job2->AddFile(L"id", Url().c_str(), 0, nullptr, IID_IBackgroundCopyFile, &file),
            DO_E_FILE_DOWNLOADSINK_UNSPECIFIED);
  EXPECT_EQ(file, nullptr);
  // A job in ERROR: the extended error information is its error's description.
  ASSERT_EQ(job_->AddFile(W(origin_->BaseUrl() + "/missing.bin").c_str(), Local("m").c_str()),
            S_OK);
  ASSERT_EQ(job_->Resume(), S_OK);
  ASSERT_TRUE(testing::WaitFor([&] {
    BG_JOB_STATE s;
    return SUCCEEDED(job_->GetState(&s)) && s == BG_JOB_STATE_ERROR;
  }));
  ASSERT_EQ(job2->GetProperty(DOJobPropertyId_ExtendedErrorInfo, &v), S_OK);
  ASSERT_EQ(v.vt, VT_BSTR);
  EXPECT_NE(std::wstring(v.bstrVal).find(L"missing.bin"), std::wstring::npos);
  VariantClear(&v);
}

class DoRanges : public RangesApi {
 protected:
  void SetUp() override {
    RangesApi::SetUp();
    ASSERT_EQ(manager_->QueryInterface(IID_PPV_ARGS(do_manager_.Put())), S_OK);
    ASSERT_EQ(do_manager_->CreateDownload(download_.Put()), S_OK);
    Set(DODownloadProperty_Uri, Url());
    Set(DODownloadProperty_LocalPath, Local("d.bin"));
  }
  void Set(DODownloadProperty id, const std::wstring& text) {
    VARIANT v;
    VariantInit(&v);
    v.vt = VT_BSTR;
    v.bstrVal = SysAllocString(text.c_str());
    EXPECT_EQ(download_->SetProperty(id, &v), S_OK);
    VariantClear(&v);
  }
  DO_DOWNLOAD_STATUS Status() {
    DO_DOWNLOAD_STATUS s{};
    EXPECT_EQ(download_->GetStatus(&s), S_OK);
    return s;
  }
  Com<IDOManager> do_manager_;
  Com<IDODownload> download_;
};

// Two ranges, variable length: the structure is allocated as the SDK's callers do.
struct TwoRanges {
  UINT RangeCount;
  DO_DOWNLOAD_RANGE Ranges[2];
  const DO_DOWNLOAD_RANGES_INFO* get() const {
    return reinterpret_cast<const DO_DOWNLOAD_RANGES_INFO*>(this);
  }
};

TEST_F(DoRanges, StartWithRangesDownloadsThoseRangesOnly) {
  const TwoRanges ranges{2, {{250 * 1024, DO_LENGTH_TO_EOF}, {7, 93}}};
  ASSERT_EQ(download_->Start(ranges.get()), S_OK);
  ASSERT_TRUE(testing::WaitFor([&] { return Status().State == DODownloadState_Transferred; }));
  const std::string packed = content_.substr(250 * 1024) + content_.substr(7, 93);
  const DO_DOWNLOAD_STATUS s = Status();
  EXPECT_EQ(s.BytesTotal, packed.size());
  EXPECT_EQ(s.BytesTransferred, packed.size());
  EXPECT_EQ(download_->Start(ranges.get()), S_OK) << "the same ranges: nothing to do";
  EXPECT_EQ(download_->Start(nullptr), S_OK);
  // The whole file after ranges is not supported: said so (docs/api.md).
  const TwoRanges whole{0, {}};
  EXPECT_EQ(download_->Start(whole.get()), E_NOTIMPL);
  ASSERT_EQ(download_->Finalize(), S_OK);
  EXPECT_TRUE(testing::ReadFile(out_dir_ / "d.bin") == packed);
}

// DODownloadState (api/deliveryoptimization/ne-deliveryoptimization-dodownloadstate):
// "DODownloadState_Transferred: Download is transferred and can start again by downloading
// another portion of the file"; IDODownload::Start: a non-empty DO_DOWNLOAD_RANGES_INFO asks
// for those ranges. The new ranges are fetched (only they: the origin serves their bytes and
// no more), the download goes Transferred again, its status counts every range's bytes, and
// the local file holds the first portion's ranges and then the new ones, packed.
TEST_F(DoRanges, StartWithNewRangesOnATransferredDownloadFetchesAnotherPortion) {
  const TwoRanges first{2, {{250 * 1024, DO_LENGTH_TO_EOF}, {7, 93}}};
  ASSERT_EQ(download_->Start(first.get()), S_OK);
  ASSERT_TRUE(testing::WaitFor([&] { return Status().State == DODownloadState_Transferred; }));
  const std::uint64_t served = origin_->BytesServed("/content.bin");
  // Checked with the ranges it has: 50-59 overlaps 7-99; nothing changes.
  const TwoRanges overlap{1, {{50, 10}, {}}};
  EXPECT_EQ(download_->Start(overlap.get()), DO_E_OVERLAPPING_RANGES);
  const TwoRanges zero{1, {{100 * 1024, 0}, {}}};
  EXPECT_EQ(download_->Start(zero.get()), DO_E_INVALID_RANGE);
  EXPECT_EQ(Status().State, DODownloadState_Transferred);
  const TwoRanges more{2, {{100 * 1024, 4000}, {0, 7}}};
  ASSERT_EQ(download_->Start(more.get()), S_OK);
  const std::string packed = content_.substr(250 * 1024) + content_.substr(7, 93) +
                             content_.substr(100 * 1024, 4000) + content_.substr(0, 7);
  ASSERT_TRUE(testing::WaitFor([&] {
    const DO_DOWNLOAD_STATUS s = Status();
    return s.State == DODownloadState_Transferred && s.BytesTransferred == packed.size();
  }));
  EXPECT_EQ(Status().BytesTotal, packed.size());
  EXPECT_EQ(origin_->BytesServed("/content.bin") - served, 4007u) << "only the new ranges";
  EXPECT_EQ(download_->Start(more.get()), S_OK) << "ranges it has: nothing to do";
  ASSERT_EQ(download_->Finalize(), S_OK);
  EXPECT_TRUE(testing::ReadFile(out_dir_ / "d.bin") == packed);
}

TEST_F(DoRanges, StartRefusesInvalidRangesWithDosCodes) {
  const TwoRanges zero{1, {{5, 0}, {}}};
  EXPECT_EQ(download_->Start(zero.get()), DO_E_INVALID_RANGE);
  const TwoRanges overlap{2, {{10, 10}, {15, 10}}};
  EXPECT_EQ(download_->Start(overlap.get()), DO_E_OVERLAPPING_RANGES);
  EXPECT_EQ(Status().State, DODownloadState_Created) << "nothing was added";
  // RangeCount 0: the whole file.
  const TwoRanges none{0, {}};
  ASSERT_EQ(download_->Start(none.get()), S_OK);
  ASSERT_TRUE(testing::WaitFor([&] { return Status().State == DODownloadState_Transferred; }));
  EXPECT_EQ(Status().BytesTotal, content_.size());
}

}  // namespace
}  // namespace shoal::apitest
