// Response bodies that do not match what their headers say, against the plain-HTTP source and
// the CDN's range requests: never a success with a wrong file, and each with the HRESULT that
// says what the server did (tests/integration/http_fixture.h).
#include "engine/metainfo.h"
#include "tests/integration/http_fixture.h"

namespace shoal::testing {
namespace {

std::string ErrorMessage(engine::Engine& e, const engine::JobView& job) {
  engine::JobErrorInfo info;
  e.GetError(job.id, &info);
  return info.message;
}

TEST_F(HttpSource, ResumedRangeLongerThanItsContentRangeIsAnErrorNotAFile) {
  const std::string data = RandomBytes(2 * kMiB);
  Fault cut;
  cut.end = Fault::End::kFin;
  cut.cut_at = kMiB;
  Fault longer;
  longer.extra_body = 4096;  // 206 for bytes 1 MiB-end, then 4 KiB more in the same body
  origin_->Put("/long.bin", data, {cut, longer});
  auto job = StartJob("/long.bin", "long.bin");
  ExpectError(*job, JobState::kTransientError, hr::kInternetConnectionAborted,
              ErrorContext::kRemoteFile, 1);
  clock_->Advance(seconds(600));
  ASSERT_TRUE(WaitFor([&] { return job->error_count.load() == 2; }));
  ExpectError(*job, JobState::kTransientError, hr::kHttpInvalidServerResponse,
              ErrorContext::kRemoteFile, 2);
  EXPECT_NE(ErrorMessage(*engine_, *job).find("Content-Range"), std::string::npos)
      << ErrorMessage(*engine_, *job);
  EXPECT_LE(job->progress.Load().bytes_transferred, data.size());
  RetryAndExpectFile(*job, "long.bin", data);
  EXPECT_EQ(origin_->Ranges("/long.bin").back(), "bytes=" + std::to_string(kMiB) + "-")
      << "nothing of the refused response was kept; ranges: "
      << ::testing::PrintToString(origin_->Ranges("/long.bin"));
}

TEST_F(HttpSource, EncodedBodyIsRefusedAndIdentityIsAskedFor) {
  const std::string data = RandomBytes(64 << 10);
  Fault gzip;
  gzip.content_encoding = "gzip";
  origin_->Put("/gz.bin", data, {}, gzip);
  auto job = StartJob("/gz.bin", "gz.bin");
  ExpectError(*job, JobState::kError, hr::kHttpInvalidServerResponse, ErrorContext::kRemoteFile, 1);
  EXPECT_NE(ErrorMessage(*engine_, *job).find("gzip"), std::string::npos)
      << ErrorMessage(*engine_, *job);
  ASSERT_FALSE(origin_->AcceptEncodings("/gz.bin").empty());
  EXPECT_EQ(origin_->AcceptEncodings("/gz.bin")[0], "identity");
  ExpectAbsent(*job, "gz.bin");
}

TEST_F(HttpSource, SuspendingACappedDownloadStopsItAtTheCap) {
  // Ctrl-C of `shoal get` and Suspend both cancel the transfer: the rest of the body must not
  // then come in uncapped (curl hands over many buffered chunks between progress checks).
  engine::EngineOptions o;
  o.listen_interface = "127.0.0.1:0";
  o.delay_foreground_download_from_http_s = 0;
  o.delay_background_download_from_http_s = 0;
  o.max_foreground_download_kbps = 256;
  o.max_background_download_kbps = 256;
  std::string error;
  auto capped = engine::Engine::Start(o, nullptr, &error);
  ASSERT_TRUE(capped) << error;
  const std::string data = RandomBytes(48 * kMiB);
  Fault chunks;
  chunks.drip_bytes = 64 << 10;  // counted as the socket takes them
  origin_->Put("/capped.bin", data, {}, chunks);
  std::shared_ptr<const engine::JobView> job;
  ASSERT_EQ(capped->CreateJob("capped", &job), hr::kOk);
  ASSERT_EQ(capped->AddFiles(job->id, {{origin_->Url("/capped.bin"), work_ / "capped.bin", ""}}),
            hr::kOk);
  ASSERT_EQ(capped->Resume(job->id), hr::kOk);
  ASSERT_TRUE(WaitFor([&] { return job->progress.Load().bytes_transferred >= 64 << 10; }));
  ASSERT_EQ(capped->Suspend(job->id), hr::kOk);
  ASSERT_TRUE(WaitFor([&] { return origin_->Served("/capped.bin") == 1; }, seconds(120)))
      << "the client never hung up";
  EXPECT_LT(origin_->BytesSent("/capped.bin"), data.size() / 2) << "the body went on after Suspend";
  EXPECT_EQ(capped->Cancel(job->id), hr::kOk);
}

class CdnBody : public HttpSource {
 protected:
  // Publishes `name` with its sidecar; the content's requests follow `script`, then `then`.
  // `trackers`: for the metainfo (a client that has one is never solitary, so its CDN goes
  // piece by piece: decision 0014).
  std::string Publish(const std::string& name, std::size_t size, std::vector<Fault> script,
                      Fault then, std::vector<std::string> trackers = {}) {
    const std::string data = WriteRandomFile(src_ / name, size);
    engine::MetainfoSpec spec;
    spec.path = src_ / name;
    spec.trackers = std::move(trackers);
    std::string torrent, error;
    EXPECT_EQ(engine::CreateMetainfo(spec, &torrent, &error), hr::kOk) << error;
    origin_->Put("/" + name + ".torrent", torrent);
    origin_->Put("/" + name, data, std::move(script), then);
    return data;
  }
  TempDir src_;
};

TEST_F(CdnBody, OverLongRangeIsAnInvalidResponseNotAWriteFailure) {
  Fault longer;
  longer.extra_body = 100;
  const std::string data = Publish("cl.bin", kMiB, {}, longer);
  auto job = StartJob("/cl.bin", "cl.bin");
  ExpectError(*job, JobState::kTransientError, hr::kHttpInvalidServerResponse,
              ErrorContext::kRemoteFile, 1);
  const std::string message = ErrorMessage(*engine_, *job);
  EXPECT_EQ(message.find("Failure writing"), std::string::npos) << message;
  EXPECT_NE(message.find("more than"), std::string::npos) << message;
  origin_->Put("/cl.bin", data);
  RetryAndExpectFile(*job, "cl.bin", data);
}

TEST_F(CdnBody, JunkAfterAKeptAliveBodyIsTransientNotARedirect) {
  Fault alive;
  alive.keep_alive = true;
  Fault junk;
  junk.junk = "garbage that is not HTTP\r\n\r\n";
  // Piece by piece (a tracker, closed), so a kept-alive connection carries a next request.
  const std::string data =
      Publish("junk.bin", 4 * kMiB, {alive}, junk, {"http://127.0.0.1:1/announce"});
  auto job = StartJob("/junk.bin", "junk.bin");
  ExpectError(*job, JobState::kTransientError, hr::kHttpInvalidServerResponse,
              ErrorContext::kRemoteFile, 1);
  origin_->Put("/junk.bin", data);
  RetryAndExpectFile(*job, "junk.bin", data);
}

}  // namespace
}  // namespace shoal::testing
