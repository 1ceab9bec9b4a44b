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

}  // namespace
}  // namespace shoal::testing
