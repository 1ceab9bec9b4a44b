// A real download through the facade on loopback: an HTTP origin publishing content and its
// sidecar .torrent, JobTransferred on the dispatcher thread, Complete called from inside the
// callback, and the file at its final name with the origin's bytes.
#include <gtest/gtest.h>

#include <filesystem>

#include "api/src/callback_dispatcher.h"
#include "engine/metainfo.h"
#include "origin/http_origin.h"
#include "tests/support/fixtures.h"
#include "tests/unit/api/api_test_util.h"

namespace shoal::apitest {
namespace {

TEST(TransferFacade, JobTransferredFiresAndCompleteFromTheCallbackWorks) {
  testing::TempDir origin_dir;
  testing::TempDir out_dir;
  const std::string content = testing::WriteRandomFile(origin_dir / "content.bin", 300 * 1024);
  origin::HttpOriginOptions origin_options;
  origin_options.root = origin_dir.path().string();
  std::string error;
  auto origin = origin::HttpOrigin::Start(origin_options, &error);
  ASSERT_NE(origin, nullptr) << error;
  const std::string url = origin->BaseUrl() + "/content.bin";

  MetainfoOptions meta;
  meta.path = origin_dir / "content.bin";
  meta.web_seeds = {url};
  std::string torrent;
  ASSERT_EQ(MakeMetainfo(meta, &torrent, &error), S_OK) << error;
  testing::WriteFile(origin_dir / "content.bin.torrent", torrent);

  RecordingCallback cb;  // declared first: outlives the objects that call it
  Com<IBackgroundCopyManager> manager;
  MakeManager(&manager);
  Com<IBackgroundCopyJob> job;
  GUID id;
  ASSERT_EQ(manager->CreateJob(L"real", BG_JOB_TYPE_DOWNLOAD, &id, job.Put()), S_OK);
  const std::string local = out_dir / "content.bin";
  ASSERT_EQ(job->AddFile(W(url).c_str(), W(local).c_str()), S_OK);

  std::atomic<HRESULT> complete_hr{E_FAIL};
  std::atomic<bool> progress_was_whole{false};
  cb.on_transferred = [&](IBackgroundCopyJob* j) {
    BG_JOB_PROGRESS p;
    j->GetProgress(&p);
    progress_was_whole = p.BytesTotal == content.size() && p.BytesTransferred == p.BytesTotal &&
                         p.FilesTransferred == 1;
    complete_hr = j->Complete();
    return S_OK;
  };
  ASSERT_EQ(job->SetNotifyInterface(&cb), S_OK);
  ASSERT_EQ(job->Resume(), S_OK);
  ASSERT_TRUE(cb.WaitUntil([&] { return cb.transferred() >= 1; }, std::chrono::seconds(120)));
  ASSERT_TRUE(testing::WaitFor([&] { return complete_hr.load() != E_FAIL; }));
  EXPECT_EQ(complete_hr.load(), S_OK);
  EXPECT_TRUE(progress_was_whole.load());
  BG_JOB_STATE state;
  ASSERT_EQ(job->GetState(&state), S_OK);
  EXPECT_EQ(state, BG_JOB_STATE_ACKNOWLEDGED);
  EXPECT_EQ(testing::ReadFile(local), content);
  EXPECT_EQ(cb.errors(), 0);
  for (std::thread::id t : cb.threads()) {
    EXPECT_NE(t, std::this_thread::get_id());
    EXPECT_NE(t, api::LastEngineEventThread());
  }
  BG_JOB_TIMES times;
  ASSERT_EQ(job->GetTimes(&times), S_OK);
  EXPECT_NE(times.TransferCompletionTime.dwHighDateTime, 0u);
  Com<IShoalJob> ext;
  ASSERT_EQ(job->QueryInterface(IID_IShoalJob, ext.PutVoid()), S_OK);
  UINT64 from_peers = 0, from_http = 0;
  ASSERT_EQ(ext->GetSourceStats(&from_peers, &from_http), S_OK);
  // Per-source counters are published on the engine's poll tick, which a fast loopback
  // transfer can beat to TRANSFERRED; they may lag but never exceed the verified bytes.
  EXPECT_LE(from_peers + from_http, content.size());
  ext.Reset();
  job.Reset();
  manager.Reset();
  EXPECT_TRUE(testing::WaitFor([&] { return cb.refs() == 1; }));
}

// Content with no metainfo, fetched over plain HTTP (IShoalJob2::AddFileEx with
// SHOAL_FILE_HTTP_ONLY), with the expected SHA-256 right and then wrong.
TEST(TransferFacade, PlainHttpWithAnExpectedSha256) {
  testing::TempDir origin_dir;
  testing::TempDir out_dir;
  const std::string content = testing::WriteRandomFile(origin_dir / "plain.bin", 700 * 1024 + 1);
  std::string error, digest;
  ASSERT_EQ(engine::Sha256File(origin_dir / "plain.bin", &digest, &error), S_OK) << error;
  origin::HttpOriginOptions origin_options;
  origin_options.root = origin_dir.path().string();
  auto origin = origin::HttpOrigin::Start(origin_options, &error);
  ASSERT_NE(origin, nullptr) << error;
  const std::wstring url = W(origin->BaseUrl() + "/plain.bin");
  Com<IBackgroundCopyManager> manager;
  MakeManager(&manager);
  for (bool right : {true, false}) {
    std::string expected = digest;
    if (!right) expected[31] = static_cast<char>(expected[31] ^ 0x80);
    Com<IBackgroundCopyJob> job;
    GUID id;
    ASSERT_EQ(manager->CreateJob(L"plain", BG_JOB_TYPE_DOWNLOAD, &id, job.Put()), S_OK);
    Com<IShoalJob2> ext;
    ASSERT_EQ(job->QueryInterface(IID_IShoalJob2, ext.PutVoid()), S_OK);
    const std::string local = out_dir / "plain.bin";
    ASSERT_EQ(ext->AddFileEx(url.c_str(), W(local).c_str(), nullptr, 0,
                             reinterpret_cast<const BYTE*>(expected.data()), SHOAL_FILE_HTTP_ONLY),
              S_OK);
    ASSERT_EQ(job->Resume(), S_OK);
    BG_JOB_STATE state = BG_JOB_STATE_QUEUED;
    ASSERT_TRUE(testing::WaitFor([&] {
      job->GetState(&state);
      return state == BG_JOB_STATE_TRANSFERRED || state == BG_JOB_STATE_ERROR;
    }));
    if (right) {
      ASSERT_EQ(state, BG_JOB_STATE_TRANSFERRED);
      UINT64 from_peers = 1, from_http = 0;
      ASSERT_EQ(ext->GetSourceStats(&from_peers, &from_http), S_OK);
      EXPECT_EQ(from_peers, 0u);
      EXPECT_EQ(from_http, content.size());
      // The BITS 4 per-file figures and the DO-style stats agree with the job's counters.
      Com<IEnumBackgroundCopyFiles> files;
      ASSERT_EQ(job->EnumFiles(files.Put()), S_OK);
      Com<IBackgroundCopyFile> file;
      ULONG fetched = 0;
      ASSERT_EQ(files->Next(1, file.Put(), &fetched), S_OK);
      Com<IBackgroundCopyFile4> file4;
      ASSERT_EQ(file->QueryInterface(IID_IBackgroundCopyFile4, file4.PutVoid()), S_OK);
      UINT64 origin_bytes = 0, peer_bytes = 1;
      ASSERT_EQ(file4->GetPeerDownloadStats(&origin_bytes, &peer_bytes), S_OK);
      EXPECT_EQ(origin_bytes, content.size());
      EXPECT_EQ(peer_bytes, 0u);
      EXPECT_EQ(file4->GetPeerDownloadStats(nullptr, &peer_bytes), E_POINTER);
      BOOL from_peer = TRUE;
      ASSERT_EQ(file4->IsDownloadedFromPeer(&from_peer), S_OK);
      EXPECT_EQ(from_peer, FALSE);
      DWORD ranges = 7;
      BG_FILE_RANGE* range_list = nullptr;
      EXPECT_EQ(file4->GetFileRanges(&ranges, &range_list), S_FALSE);
      EXPECT_EQ(ranges, 0u);
      LPWSTR temp = nullptr;
      ASSERT_EQ(file4->GetTemporaryName(&temp), S_OK);
      EXPECT_TRUE(std::filesystem::exists(std::filesystem::path(Take(temp))));
      EXPECT_EQ(file4->SetRemoteName(url.c_str()), E_NOTIMPL);
      Com<IShoalJob3> ext3;
      ASSERT_EQ(job->QueryInterface(IID_IShoalJob3, ext3.PutVoid()), S_OK);
      SHOAL_TRANSFER_STATS stats{};
      ASSERT_EQ(ext3->GetStats(&stats), S_OK);
      EXPECT_EQ(stats.BytesFromHttp, content.size());
      EXPECT_EQ(stats.BytesFromPeers, 0u);
      EXPECT_EQ(stats.BytesFromCacheServer, 0u);
      EXPECT_EQ(stats.PercentPeerCaching, 0u);
      EXPECT_EQ(stats.HttpConnectionCount, 0u);
      EXPECT_GT(stats.DownloadDurationMs, 0u);
      SHOAL_TRANSFER_STATS file_stats{};
      ASSERT_EQ(ext3->GetFileStats(0, &file_stats), S_OK);
      EXPECT_EQ(file_stats.BytesFromHttp, content.size());
      EXPECT_EQ(ext3->GetFileStats(1, &file_stats), E_INVALIDARG);
      EXPECT_EQ(job->Complete(), S_OK);
      EXPECT_EQ(testing::ReadFile(local), content);
      std::filesystem::remove(local);
    } else {
      ASSERT_EQ(state, BG_JOB_STATE_ERROR);
      Com<IBackgroundCopyError> err;
      ASSERT_EQ(job->GetError(err.Put()), S_OK);
      BG_ERROR_CONTEXT context;
      HRESULT code = S_OK;
      ASSERT_EQ(err->GetError(&context, &code), S_OK);
      EXPECT_EQ(code, BG_E_VALIDATION_FAILED);
      EXPECT_EQ(context, BG_ERROR_CONTEXT_REMOTE_FILE);
      Com<IBackgroundCopyFile> file;
      EXPECT_EQ(err->GetFile(file.Put()), S_OK);
      EXPECT_EQ(job->Complete(), BG_S_PARTIAL_COMPLETE);
      EXPECT_FALSE(std::filesystem::exists(local)) << "a file failing its check is never exposed";
    }
  }
}

// Two BITS jobs of one process for the same URL (issue 15): on Windows they are independent;
// here they share one download (decision 0013) and each reports and completes on its own.
TEST(TransferFacade, TwoJobsForTheSameUrlBothTransferFromOneDownload) {
  testing::TempDir origin_dir;
  testing::TempDir out_a;
  testing::TempDir out_b;
  const std::string content = testing::WriteRandomFile(origin_dir / "twice.bin", 900 * 1024 + 3);
  origin::HttpOriginOptions origin_options;
  origin_options.root = origin_dir.path().string();
  std::string error;
  auto origin = origin::HttpOrigin::Start(origin_options, &error);
  ASSERT_NE(origin, nullptr) << error;
  const std::wstring url = W(origin->BaseUrl() + "/twice.bin");
  Com<IBackgroundCopyManager> manager;
  MakeManager(&manager);
  Com<IBackgroundCopyJob> jobs[2];
  const std::string locals[2] = {out_a / "twice.bin", out_b / "twice.bin"};
  for (int i = 0; i < 2; ++i) {
    GUID id;
    ASSERT_EQ(manager->CreateJob(L"twice", BG_JOB_TYPE_DOWNLOAD, &id, jobs[i].Put()), S_OK);
    ASSERT_EQ(jobs[i]->AddFile(url.c_str(), W(locals[i]).c_str()), S_OK);
  }
  for (auto& job : jobs) ASSERT_EQ(job->Resume(), S_OK);
  for (auto& job : jobs) {
    BG_JOB_STATE state = BG_JOB_STATE_QUEUED;
    ASSERT_TRUE(testing::WaitFor([&] {
      job->GetState(&state);
      return state == BG_JOB_STATE_TRANSFERRED || state == BG_JOB_STATE_ERROR;
    }));
    ASSERT_EQ(state, BG_JOB_STATE_TRANSFERRED);
    BG_JOB_PROGRESS p;
    ASSERT_EQ(job->GetProgress(&p), S_OK);
    EXPECT_EQ(p.BytesTransferred, content.size());
  }
  for (auto& job : jobs) EXPECT_EQ(job->Complete(), S_OK);
  EXPECT_EQ(testing::ReadFile(locals[0]), content);
  EXPECT_EQ(testing::ReadFile(locals[1]), content);
  EXPECT_EQ(origin->BytesServed("/twice.bin"), content.size());
}

}  // namespace
}  // namespace shoal::apitest
