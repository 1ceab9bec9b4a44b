// Byte ranges through shoald (a real service process): the ranges travel in the local API's
// File object (docs/local-api.md), come back from GetFiles (IBackgroundCopyFile2::GetFileRanges
// through the service), and the client's file holds them packed, as
// IBackgroundCopyJob3::AddFileWithRanges documents ("the ranges are written to the LocalName
// file in the order given").
#include <gtest/gtest.h>

#include "api/src/service_backend.h"
#include "tests/integration/service_fixture.h"
#include "tests/support/fault_origin.h"

namespace shoal::testing {
namespace {

TEST(ServiceRanges, AServiceBackedJobFetchesOnlyItsRangesAndTheClientGetsThemPacked) {
  TempDir dir;
  std::string error;
  auto origin = FaultOrigin::Start(&error);
  ASSERT_TRUE(origin) << error;
  ServiceProcess service(dir.path().string());
  ASSERT_TRUE(service.Start(&error)) << error;
  EventLog events;
  auto backend = api::ConnectServiceBackend(service.socket(), &events, &error);
  ASSERT_TRUE(backend) << error;

  const std::string data = RandomBytes(3 << 20, 11);
  origin->Put("/s.bin", data);
  const std::vector<engine::ByteRange> ranges = {{2 << 20, engine::kLengthToEof}, {5, 50}};
  std::shared_ptr<const api::JobHandle> job;
  ASSERT_EQ(backend->CreateJob("ranges", &job), hr::kOk);
  api::FileSpec spec;
  spec.remote_url = origin->Url("/s.bin");
  spec.local_path = dir / "s.bin";
  spec.http_only = true;
  spec.ranges = ranges;
  ASSERT_EQ(backend->AddFiles(job->id(), {spec}), hr::kOk);
  std::vector<api::FileInfo> files;
  ASSERT_EQ(backend->GetFiles(job->id(), &files), hr::kOk);
  ASSERT_EQ(files.size(), 1u);
  EXPECT_EQ(files[0].ranges, ranges);
  ASSERT_EQ(backend->Resume(job->id()), hr::kOk);
  ASSERT_TRUE(WaitFor([&] { return job->State() == api::JobState::kTransferred; }))
      << service.Log();
  const std::string packed = data.substr(2 << 20) + data.substr(5, 50);
  EXPECT_EQ(job->Progress().bytes_total, packed.size());
  EXPECT_EQ(origin->BytesSent("/s.bin"), 1 + packed.size()) << "only the ranges were fetched";
  ASSERT_EQ(backend->Complete(job->id()), hr::kOk);
  EXPECT_TRUE(ReadFile(dir / "s.bin") == packed);
}

// IDODownload::Start with new ranges on a Transferred download (DODownloadState_Transferred
// "can start again by downloading another portion of the file") through the service: POST
// /v1/jobs/ID/ranges (docs/local-api.md) fetches only the new ranges and the client's file
// holds both portions, packed.
TEST(ServiceRanges, AnotherPortionOfATransferredJobComesThroughTheService) {
  TempDir dir;
  std::string error;
  auto origin = FaultOrigin::Start(&error);
  ASSERT_TRUE(origin) << error;
  ServiceProcess service(dir.path().string());
  ASSERT_TRUE(service.Start(&error)) << error;
  EventLog events;
  auto backend = api::ConnectServiceBackend(service.socket(), &events, &error);
  ASSERT_TRUE(backend) << error;

  const std::string data = RandomBytes(1 << 20, 12);
  origin->Put("/p.bin", data);
  std::shared_ptr<const api::JobHandle> job;
  ASSERT_EQ(backend->CreateJob("portions", &job), hr::kOk);
  api::FileSpec spec;
  spec.remote_url = origin->Url("/p.bin");
  spec.local_path = dir / "p.bin";
  spec.http_only = true;
  spec.ranges = {{1000, 10}};
  ASSERT_EQ(backend->AddFiles(job->id(), {spec}), hr::kOk);
  EXPECT_EQ(backend->AddRanges(job->id(), 0, {{0, 5}}), hr::kBgEInvalidState) << "not yet";
  ASSERT_EQ(backend->Resume(job->id()), hr::kOk);
  ASSERT_TRUE(WaitFor([&] { return job->State() == api::JobState::kTransferred; }))
      << service.Log();
  const std::uint64_t sent = origin->BytesSent("/p.bin");
  EXPECT_EQ(backend->AddRanges(job->id(), 0, {{1005, 1}}), hr::kBgEOverlappingRanges);
  ASSERT_EQ(backend->AddRanges(job->id(), 0, {{500 * 1024, 300}}), hr::kOk);
  ASSERT_TRUE(WaitFor([&] {
    return job->State() == api::JobState::kTransferred && job->Progress().bytes_transferred == 310;
  })) << service.Log();
  EXPECT_EQ(job->Progress().bytes_total, 310u);
  EXPECT_EQ(origin->BytesSent("/p.bin") - sent, 300u) << "only the new range";
  ASSERT_EQ(backend->Complete(job->id()), hr::kOk);
  EXPECT_TRUE(ReadFile(dir / "p.bin") == data.substr(1000, 10) + data.substr(500 * 1024, 300));
}

}  // namespace
}  // namespace shoal::testing
