// CDN pieces through a real torrent session: a torrent whose layout pads the file (pad files
// before and after it) finishes byte-exact from a CDN that holds only the file's bytes, and a
// CDN that serves bytes failing the hash check fails the job after a bounded number of tries;
// a client is lone (CDN at once) only with no peer to wait for, a tracker's answer included.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/sha.h>
#include <sys/socket.h>
#include <unistd.h>

#include <future>

#include "engine/range_fetch.h"
#include "tests/integration/http_fixture.h"

namespace shoal::testing {
namespace {

constexpr std::uint64_t kPiece = 16 * 1024;

std::string Str(const std::string& s) { return std::to_string(s.size()) + ":" + s; }

// Bencoded v1 metainfo of one file `name` of `data`, with `pad_before` and `pad_after` bytes of
// pad files around it (BEP 47 attr "p"), piece hashes over the padded layout.
std::string PaddedTorrent(const std::string& name, const std::string& data,
                          std::uint64_t pad_before, std::uint64_t pad_after,
                          const std::string& announce = "") {
  auto pad = [](std::uint64_t n) {
    return "d4:attr1:p6:lengthi" + std::to_string(n) + "e4:pathl" + Str(".pad") +
           Str(std::to_string(n)) + "ee";
  };
  std::string files = "l";
  if (pad_before > 0) files += pad(pad_before);
  files += "d6:lengthi" + std::to_string(data.size()) + "e4:pathl" + Str(name) + "ee";
  if (pad_after > 0) files += pad(pad_after);
  files += "e";
  const std::string payload = std::string(pad_before, '\0') + data + std::string(pad_after, '\0');
  std::string pieces;
  for (std::uint64_t at = 0; at < payload.size(); at += kPiece) {
    unsigned char digest[SHA_DIGEST_LENGTH];
    const std::uint64_t n = std::min<std::uint64_t>(kPiece, payload.size() - at);
    SHA1(reinterpret_cast<const unsigned char*>(payload.data() + at), n, digest);
    pieces.append(reinterpret_cast<const char*>(digest), SHA_DIGEST_LENGTH);
  }
  return (announce.empty() ? "d" : "d8:announce" + Str(announce)) + "4:infod5:files" + files +
         "4:name" + Str("content") + "12:piece lengthi" + std::to_string(kPiece) + "e6:pieces" +
         Str(pieces) + "ee";
}

// A loopback TCP port that accepts connections (the kernel's backlog) and never answers; with
// `listening` false the port is closed again, so connecting is refused at once.
class SilentPort {
 public:
  explicit SilentPort(bool listening) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    EXPECT_EQ(::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
    EXPECT_EQ(::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len), 0);
    port_ = ntohs(a.sin_port);
    if (listening) {
      EXPECT_EQ(::listen(fd_, 16), 0);
    } else {
      ::close(fd_);
      fd_ = -1;
    }
  }
  ~SilentPort() {
    if (fd_ >= 0) ::close(fd_);
  }
  std::string Url(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(port_) + path;
  }

 private:
  int fd_ = -1;
  int port_ = 0;
};

class CdnPieces : public HttpSource {
 protected:
  std::shared_ptr<const engine::JobView> Start(const std::string& torrent) {
    std::shared_ptr<const engine::JobView> job;
    EXPECT_EQ(engine_->CreateJob("cdn", &job), hr::kOk);
    EXPECT_EQ(engine_->AddFiles(job->id, {{origin_->Url("/p.bin"), work_ / "p.bin", torrent}}),
              hr::kOk);
    EXPECT_EQ(engine_->Resume(job->id), hr::kOk);
    return job;
  }
};

TEST_F(CdnPieces, PadFilesBeforeAndAfterTheFileStillFinishByteExact) {
  // 1000 pad bytes first: every piece straddles the file's offsets; the tail pad completes the
  // last piece, which the CDN (the file's bytes only) serves short.
  const std::string data = RandomBytes(5 * kPiece + 300, 7);
  origin_->Put("/p.bin", data);
  auto job = Start(PaddedTorrent("p.bin", data, 1000, kPiece - 300 - 1000 + kPiece));
  ASSERT_EQ(Settle(*job), JobState::kTransferred);
  ExpectFile(*job, "p.bin", data);
}

TEST_F(CdnPieces, ACdnWhoseBytesFailTheHashCheckFailsTheJobAfterBoundedTries) {
  const std::string data = RandomBytes(3 * kPiece, 8);
  std::string corrupt = data;
  corrupt[kPiece + 5] ^= 0x55;  // piece 1 is wrong at the origin
  origin_->Put("/p.bin", corrupt);
  auto job = Start(PaddedTorrent("p.bin", data, 0, 0));
  ExpectError(*job, JobState::kError, hr::kInvalidData, ErrorContext::kRemoteFile, 1);
  engine::JobErrorInfo info;
  ASSERT_EQ(engine_->GetError(job->id, &info), hr::kOk);
  EXPECT_NE(info.message.find("piece 1"), std::string::npos) << info.message;
  // Each piece asked for at most as often as the bound allows, not forever.
  EXPECT_LE(origin_->Requests("/p.bin"), 2 + 3);
  ExpectAbsent(*job, "p.bin");
}

TEST_F(CdnPieces, AnOriginThatIgnoresRangeIsReadWholeAndEveryPieceChecked) {
  const std::string data = RandomBytes(40 * kPiece + 123, 9);
  Fault whole;
  whole.ignore_range = true;
  whole.drip_bytes = 7000;  // arrives in pieces, as a real stream does
  origin_->Put("/p.bin", data, {}, whole);
  // A tracker (that cannot be reached): the client is lone but not solitary, so the CDN goes
  // piece by piece first (a solitary one streams its rest from byte 0, which a 200 answers).
  const SilentPort closed(/*listening=*/false);
  auto job = Start(PaddedTorrent("p.bin", data, 500, 0, closed.Url("/announce")));
  ASSERT_EQ(Settle(*job), JobState::kTransferred);
  EXPECT_EQ(job->error_count.load(), 0u);
  // The range requests in flight when the first 200 came back (a lone client keeps 8), then
  // one plain GET.
  const std::vector<std::string> ranges = origin_->Ranges("/p.bin");
  ASSERT_FALSE(ranges.empty());
  EXPECT_EQ(ranges.back(), "");
  EXPECT_LE(ranges.size(), 9u);
  ExpectFile(*job, "p.bin", data);
}

// The first piece's request to an origin that ignores Range: the 200's body starts with the
// right bytes and runs on. That is the origin ignoring Range, not a transient overlong answer
// (which, arriving first, put a lone job in TRANSIENT_ERROR instead of reading the file whole).
TEST_F(CdnPieces, TheFirstPieceOfAnOriginIgnoringRangeSaysSo) {
  Fault whole;
  whole.ignore_range = true;
  whole.drip_bytes = 4096;  // the piece arrives whole before the next bytes overflow it
  whole.drip_delay = std::chrono::milliseconds(20);
  origin_->Put("/p.bin", RandomBytes(4 * kPiece, 12), {}, whole);
  engine::RangeFetcher fetcher({}, 1);
  std::promise<engine::FetchResult> done;
  fetcher.Fetch({origin_->Url("/p.bin"), 0, kPiece},
                [&](engine::FetchResult r) { done.set_value(std::move(r)); });
  const engine::FetchResult r = done.get_future().get();
  EXPECT_EQ(r.code, hr::kBgEInsufficientRangeSupport) << r.message;
}

TEST_F(CdnPieces, AnOriginThatIgnoresRangeAndServesOtherBytesFailsTheJob) {
  const std::string data = RandomBytes(4 * kPiece, 10);
  std::string corrupt = data;
  corrupt[2 * kPiece] ^= 1;
  Fault whole;
  whole.ignore_range = true;
  origin_->Put("/p.bin", corrupt, {}, whole);
  auto job = Start(PaddedTorrent("p.bin", data, 0, 0));
  ExpectError(*job, JobState::kError, hr::kInvalidData, ErrorContext::kRemoteFile, 1);
  EXPECT_LE(origin_->Requests("/p.bin"), 4 + 3);  // bounded: never a GET loop
  ExpectAbsent(*job, "p.bin");
}

// The delay before the CDN is for finding peers: with none configured, no tracker and no LSD
// there is nothing to find, and the CDN starts at once (on loopback LSD does not run: decision
// 0012 for where it does). With a peer configured that never connects it waits.
TEST_F(CdnPieces, ALoneClientUsesTheCdnAtOnceAndOneWithPeersWaits) {
  const std::string data = RandomBytes(8 * kPiece, 11);
  origin_->Put("/p.bin", data);
  const std::string torrent = PaddedTorrent("p.bin", data, 0, 0);
  auto run = [&](std::vector<std::string> peers, const fs::path& out) {
    engine::EngineSeams seams;
    seams.clock = clock_;  // never advanced: the 60 s delay is never over by the clock
    engine::EngineOptions o;
    o.listen_interface = "127.0.0.1:0";
    o.peers = std::move(peers);
    o.delay_foreground_download_from_http_s = 60;
    o.delay_background_download_from_http_s = 60;
    std::string error;
    auto e = engine::Engine::Start(o, nullptr, &error, std::move(seams));
    EXPECT_TRUE(e) << error;
    std::shared_ptr<const engine::JobView> job;
    EXPECT_EQ(e->CreateJob("lone", &job), hr::kOk);
    EXPECT_EQ(e->AddFiles(job->id, {{origin_->Url("/p.bin"), out, torrent}}), hr::kOk);
    EXPECT_EQ(e->Resume(job->id), hr::kOk);
    const bool done =
        WaitFor([&] { return job->state.load() == JobState::kTransferred; }, seconds(3));
    e->Cancel(job->id);
    return done;
  };
  EXPECT_TRUE(run({}, work_ / "a.bin"));
  const int before = origin_->Requests("/p.bin");
  // A configured peer that never answers: the job waits for it as the policy says.
  EXPECT_FALSE(run({"127.0.0.9:1"}, work_ / "b.bin"));
  EXPECT_EQ(origin_->Requests("/p.bin"), before);
}

// A tracker named in the metainfo is a way to find peers: until it has answered, the client
// is not lone and waits as the policy says (its CDN requests would race the peers the tracker
// is about to name). A tracker that cannot be reached has answered: the CDN starts at once.
TEST_F(CdnPieces, ALoneClientWaitsForItsTrackersFirstAnswer) {
  const std::string data = RandomBytes(8 * kPiece, 13);
  origin_->Put("/p.bin", data);
  auto run = [&](const std::string& announce, const fs::path& out) {
    engine::EngineSeams seams;
    seams.clock = clock_;  // never advanced: the 60 s delay is never over by the clock
    engine::EngineOptions o;
    o.listen_interface = "127.0.0.1:0";
    o.delay_foreground_download_from_http_s = 60;
    o.delay_background_download_from_http_s = 60;
    std::string error;
    auto e = engine::Engine::Start(o, nullptr, &error, std::move(seams));
    EXPECT_TRUE(e) << error;
    std::shared_ptr<const engine::JobView> job;
    EXPECT_EQ(e->CreateJob("lone", &job), hr::kOk);
    const std::string torrent = PaddedTorrent("p.bin", data, 0, 0, announce);
    EXPECT_EQ(e->AddFiles(job->id, {{origin_->Url("/p.bin"), out, torrent}}), hr::kOk);
    EXPECT_EQ(e->Resume(job->id), hr::kOk);
    const bool done =
        WaitFor([&] { return job->state.load() == JobState::kTransferred; }, seconds(3));
    e->Cancel(job->id);
    return done;
  };
  const SilentPort silent(/*listening=*/true);
  EXPECT_FALSE(run(silent.Url("/announce"), work_ / "a.bin"));
  EXPECT_EQ(origin_->Requests("/p.bin"), 0);
  const SilentPort closed(/*listening=*/false);
  EXPECT_TRUE(run(closed.Url("/announce"), work_ / "b.bin"));
}

// No peer can ever come (no tracker, no LSD on loopback, none configured): the CDN's rest
// comes in one request, as a plain download would, instead of one per piece; with a tracker
// (lone once it failed, but a peer could still be named later) it stays piece by piece.
TEST_F(CdnPieces, ASolitaryClientReadsTheRestInOneRequest) {
  const std::string data = RandomBytes(40 * kPiece + 7, 14);
  origin_->Put("/p.bin", data);
  auto job = Start(PaddedTorrent("p.bin", data, 0, 0));
  ASSERT_EQ(Settle(*job), JobState::kTransferred);
  ExpectFile(*job, "p.bin", data);
  EXPECT_EQ(origin_->Requests("/p.bin"), 1);
}

TEST_F(CdnPieces, ALoneClientWithATrackerStillGoesPieceByPiece) {
  const std::string data = RandomBytes(40 * kPiece + 7, 15);
  origin_->Put("/p.bin", data);
  const SilentPort closed(/*listening=*/false);
  auto job = Start(PaddedTorrent("p.bin", data, 0, 0, closed.Url("/announce")));
  ASSERT_EQ(Settle(*job), JobState::kTransferred);
  ExpectFile(*job, "p.bin", data);
  EXPECT_EQ(origin_->Requests("/p.bin"), 41);
}

}  // namespace
}  // namespace shoal::testing
