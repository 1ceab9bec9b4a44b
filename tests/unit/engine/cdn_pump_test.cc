// CdnPump over a scripted swarm, fetcher and job logic: what it requests, in what amount, and
// what answers do (pieces handed to the swarm, failures by the BITS rules, stale answers
// dropped).
#include "engine/cdn_pump.h"

#include <gtest/gtest.h>

#include <map>
#include <string>

#include "engine/cache_hosts.h"
#include "tests/support/engine_fakes.h"

namespace shoal::engine {
namespace {

using testing::FakeJobControl;
using testing::FakePieceFetcher;
using testing::FakeSwarm;
using testing::MakeJob;

constexpr std::uint64_t kPiece = 16 * 1024;

class CdnPumpTest : public ::testing::Test {
 protected:
  // One active job of one file of `pieces` pieces (the last one short), torrent key 1, no peers.
  Job& StartJob(int pieces) {
    const std::uint64_t size = kPiece * (pieces - 1) + 100;
    Job& job = control_.AddJob(MakeJob(JobState::kTransferring, 1, size));
    TorrentLayout layout;
    layout.piece_length = kPiece;
    layout.files = {{size, 0}};
    job.files[0].tracked = job.tracker.AddTorrent(layout);
    job.files[0].torrent = 1;
    auto& status = swarm_.torrents[1].status;
    status.availability.assign(pieces, 0);
    status.downloading.assign(pieces, false);
    job.cdn.unavailable = true;
    return job;
  }
  // One active job whose torrent has `pad_before` bytes of padding, a file of `size` bytes,
  // then `pad_after` bytes of padding.
  Job& StartPadded(std::uint64_t pad_before, std::uint64_t size, std::uint64_t pad_after) {
    Job& job = control_.AddJob(MakeJob(JobState::kTransferring, 1, size));
    TorrentLayout layout;
    layout.piece_length = kPiece;
    if (pad_before > 0) layout.files.push_back({pad_before, -1});
    layout.files.push_back({size, 0});
    if (pad_after > 0) layout.files.push_back({pad_after, -1});
    job.files[0].tracked = job.tracker.AddTorrent(layout);
    job.files[0].torrent = 1;
    const int pieces = job.tracker.num_pieces(job.files[0].tracked);
    auto& status = swarm_.torrents[1].status;
    status.availability.assign(pieces, 0);
    status.downloading.assign(pieces, false);
    job.cdn.unavailable = true;
    return job;
  }
  // Answers every pending request with bytes 'a'+offset%26, the file's content.
  void AnswerAll() {
    while (!fetcher_.pending.empty()) {
      const RangeRequest req = fetcher_.pending.front().first;
      FetchResult r;
      for (std::uint64_t i = 0; i < req.length; ++i)
        r.body += static_cast<char>('a' + (req.offset + i) % 26);
      fetcher_.Answer(std::move(r));
    }
    control_.RunPosted();
  }
  std::string Added(int piece) {
    const auto& t = swarm_.torrents[1];
    for (std::size_t i = 0; i < t.added_pieces.size(); ++i) {
      if (t.added_pieces[i] == piece) return t.added_data[i];
    }
    return "";
  }
  static std::string Content(std::uint64_t offset, std::uint64_t n) {
    std::string s;
    for (std::uint64_t i = 0; i < n; ++i) s += static_cast<char>('a' + (offset + i) % 26);
    return s;
  }
  FetchResult Body(std::uint64_t n) {
    FetchResult r;
    r.body.assign(n, 'x');
    return r;
  }

  FakeSwarm swarm_;
  FakePieceFetcher fetcher_;
  FakeJobControl control_;
  CdnPump pump_{swarm_, fetcher_, control_, 42};
};

TEST_F(CdnPumpTest, NothingBeforeTheDelayIsOver) {
  Job& job = StartJob(8);
  job.cdn.unavailable = false;
  pump_.Pump(job);
  EXPECT_TRUE(fetcher_.pending.empty());
}

TEST_F(CdnPumpTest, AloneItKeepsFourPieceRequestsInFlightWithExactRanges) {
  Job& job = StartJob(8);
  pump_.Pump(job);
  ASSERT_EQ(fetcher_.pending.size(), 4u);
  EXPECT_EQ(CdnPump::InFlight(job.files[0]), 4u);
  std::set<std::uint64_t> offsets;
  for (const auto& [req, done] : fetcher_.pending) {
    EXPECT_EQ(req.url, job.files[0].spec.remote_url);
    EXPECT_EQ(req.offset % kPiece, 0u);
    EXPECT_EQ(req.length, req.offset == 7 * kPiece ? 100u : kPiece);
    offsets.insert(req.offset);
  }
  EXPECT_EQ(offsets.size(), 4u);  // four different pieces
  pump_.Pump(job);                // topped up already: nothing more
  EXPECT_EQ(fetcher_.pending.size(), 4u);
}

// Lone (nobody connected or named, LSD may still bring someone): eight, since each piece waits
// for its hash check and no other peer's share is at stake.
TEST_F(CdnPumpTest, ALoneClientKeepsEightPieceRequestsInFlight) {
  Job& job = StartJob(12);
  SourcePolicy policy;
  pump_.Decide(job, policy, 0, 0, /*lone=*/true, /*solitary=*/false);
  pump_.Pump(job);
  EXPECT_EQ(fetcher_.pending.size(), 8u);
  pump_.Decide(job, policy, 0, 0, /*lone=*/false, /*solitary=*/false, /*found=*/true);
  pump_.Pump(job);  // no longer lone: what is in flight stays, nothing more goes
  EXPECT_EQ(fetcher_.pending.size(), 8u);
}

// Decision 0021: while LSD's window is open and no peer is in sight the CDN serves the pieces
// no peer has, 256 KiB of them at a time (16 of 16 KiB here), not through the gate: a peer
// that connects a moment later does not find the CDN serving the pieces it has.
TEST_F(CdnPumpTest, ListeningForLsdTheCdnServesAQuarterMebibyteAtATimeAndNotThePeersPieces) {
  Job& job = StartJob(40);
  job.cdn = CdnJobState();
  SourcePolicy policy;  // DO's delay: nothing before it, lone or found aside
  policy.delay_background_download_from_http_s = 600;
  job.queued_at_s = 10;
  pump_.Decide(job, policy, 10.1, 0, /*lone=*/false, /*solitary=*/false, /*found=*/false,
               /*listening=*/true);
  EXPECT_TRUE(job.cdn.unavailable);
  EXPECT_FALSE(job.cdn.any);
  pump_.Pump(job);
  EXPECT_EQ(fetcher_.pending.size(), 16u);
  // A peer connects (and has every piece): no longer listening; nothing more from the CDN.
  auto& status = swarm_.torrents[1].status;
  status.self = "10.0.0.1";
  status.peers = {"10.0.0.2"};
  status.availability.assign(40, 1);
  pump_.Decide(job, policy, 10.2, 0, /*lone=*/false, /*solitary=*/false, /*found=*/false,
               /*listening=*/false);
  EXPECT_FALSE(job.cdn.unavailable);
  EXPECT_FALSE(job.cdn.any);
  AnswerAll();
  pump_.Pump(job);
  EXPECT_TRUE(fetcher_.pending.empty());
  // HTTP off: listening opens nothing.
  policy.no_http = true;
  pump_.Decide(job, policy, 10.3, 0, false, false, false, /*listening=*/true);
  EXPECT_FALSE(job.cdn.unavailable);
}

TEST_F(CdnPumpTest, PiecesPeersHaveAreLeftToThemUnlessThePolicySaysOtherwise) {
  Job& job = StartJob(4);
  auto& status = swarm_.torrents[1].status;
  status.availability = {1, 1, 1, 0};  // a peer has the first three
  status.self = "10.0.0.1";
  status.peers = {"10.0.0.2"};
  pump_.Pump(job);
  // Only the piece nobody has, and only if this peer owns it; else after the steal delay.
  for (const auto& [req, done] : fetcher_.pending) EXPECT_EQ(req.offset, 3 * kPiece);
  control_.now_s = 100;
  pump_.Pump(job);
  ASSERT_EQ(fetcher_.pending.size(), 1u);
  EXPECT_EQ(fetcher_.pending.front().first.offset, 3 * kPiece);
  job.cdn.any = true;  // MinBackgroundQos: complement slow peers
  pump_.Pump(job);
  EXPECT_EQ(fetcher_.pending.size(), 2u);  // two in flight with peers
}

TEST_F(CdnPumpTest, AnAnswerIsHandedToTheSwarmAndVerificationFreesItsSlot) {
  Job& job = StartJob(8);
  pump_.Pump(job);
  const int piece = static_cast<int>(fetcher_.pending.front().first.offset / kPiece);
  fetcher_.Answer(Body(fetcher_.pending.front().first.length));
  EXPECT_TRUE(swarm_.torrents[1].added_pieces.empty());  // answers come back as tasks
  control_.RunPosted();
  EXPECT_EQ(swarm_.torrents[1].added_pieces, std::vector<int>{piece});
  EXPECT_EQ(CdnPump::InFlight(job.files[0]), 4u);  // in flight until verified
  EXPECT_TRUE(pump_.OnVerified(job.files[0], piece));
  EXPECT_FALSE(pump_.OnVerified(job.files[0], piece));  // not a CDN piece any more
  EXPECT_EQ(CdnPump::InFlight(job.files[0]), 3u);
}

TEST_F(CdnPumpTest, AFailureWithNoPeerIsTheJobsByTheBitsRules) {
  Job& job = StartJob(8);
  pump_.Pump(job);
  FetchResult r;
  r.code = hr::HttpError(503);
  r.transient = true;
  r.message = "503";
  fetcher_.Answer(r);
  control_.RunPosted();
  ASSERT_EQ(control_.failures.size(), 1u);
  EXPECT_TRUE(control_.failures[0].transient);
  EXPECT_EQ(control_.failures[0].code, hr::HttpError(503));
  EXPECT_EQ(control_.failures[0].file, 0);
}

TEST_F(CdnPumpTest, AFailureWithPeersOnlyRestsTheCdn) {
  Job& job = StartJob(8);
  swarm_.torrents[1].stats.peers = 1;
  pump_.Pump(job);
  FetchResult r;
  r.code = hr::HttpError(500);
  fetcher_.Answer(r);
  control_.RunPosted();
  EXPECT_TRUE(control_.failures.empty());
  EXPECT_EQ(CdnPump::InFlight(job.files[0]), 3u);
  while (!fetcher_.pending.empty()) fetcher_.pending.pop_front();
  pump_.Pump(job);  // resting: nothing new for 5 s
  EXPECT_TRUE(fetcher_.pending.empty());
  control_.now_s = 5;
  pump_.Pump(job);
  EXPECT_EQ(fetcher_.pending.size(), 1u);  // topped up to four again
}

TEST_F(CdnPumpTest, AnswersToAnOlderGenerationAreDropped) {
  Job& job = StartJob(8);
  pump_.Pump(job);
  ++job.generation;  // suspended and resumed meanwhile
  pump_.Reset(job);
  fetcher_.Answer(Body(kPiece));
  control_.RunPosted();
  EXPECT_TRUE(swarm_.torrents[1].added_pieces.empty());
  EXPECT_EQ(CdnPump::InFlight(job.files[0]), 0u);
  EXPECT_FALSE(job.cdn.unavailable);
}

TEST_F(CdnPumpTest, PaddingBeforeTheFileShiftsTheRangesAndIsFilledWithZeros) {
  // The CDN URL holds the file's bytes only: piece 0 is 1000 pad bytes then the file's first.
  Job& job = StartPadded(1000, 2 * kPiece, 0);
  pump_.Pump(job);
  ASSERT_EQ(fetcher_.pending.size(), 3u);
  std::map<std::uint64_t, std::uint64_t> ranges;
  for (const auto& [req, done] : fetcher_.pending) ranges[req.offset] = req.length;
  const std::map<std::uint64_t, std::uint64_t> want = {
      {0, kPiece - 1000}, {kPiece - 1000, kPiece}, {2 * kPiece - 1000, 1000}};
  EXPECT_EQ(ranges, want);
  AnswerAll();
  EXPECT_EQ(Added(0), std::string(1000, '\0') + Content(0, kPiece - 1000));
  EXPECT_EQ(Added(1), Content(kPiece - 1000, kPiece));
  EXPECT_EQ(Added(2), Content(2 * kPiece - 1000, 1000));
}

TEST_F(CdnPumpTest, PaddingAfterTheFileCompletesTheLastPiece) {
  Job& job = StartPadded(0, kPiece + 100, kPiece - 100);
  pump_.Pump(job);
  ASSERT_EQ(fetcher_.pending.size(), 2u);
  AnswerAll();
  EXPECT_EQ(Added(1), Content(kPiece, 100) + std::string(kPiece - 100, '\0'));
  EXPECT_EQ(Added(1).size(), kPiece);
}

TEST_F(CdnPumpTest, APieceThatKeepsFailingItsHashIsBannedAndFailsTheJobWithNoPeer) {
  Job& job = StartJob(1);
  int fetches = 0;
  for (int round = 0; round < 10 && control_.failures.empty(); ++round) {
    pump_.Pump(job);
    if (fetcher_.pending.empty()) break;
    ++fetches;
    AnswerAll();
    pump_.OnFailed(job, 0, 0);  // the swarm's hash check said no
  }
  EXPECT_EQ(fetches, 3);  // bounded, not forever
  ASSERT_EQ(control_.failures.size(), 1u);
  EXPECT_FALSE(control_.failures[0].transient);
  EXPECT_EQ(control_.failures[0].code, hr::kInvalidData);
  EXPECT_NE(control_.failures[0].message.find("hash check"), std::string::npos);
  EXPECT_NE(control_.failures[0].message.find("piece 0"), std::string::npos);
}

TEST_F(CdnPumpTest, ABannedPieceIsLeftToPeersWhileThereAreAny) {
  Job& job = StartJob(2);
  swarm_.torrents[1].stats.peers = 1;
  for (int round = 0; round < 3; ++round) {
    pump_.Pump(job);
    AnswerAll();
    pump_.OnFailed(job, 0, 0);
    pump_.OnVerified(job.files[0], 1);
  }
  pump_.Pump(job);
  for (const auto& [req, done] : fetcher_.pending) EXPECT_NE(req.offset, 0u);
  EXPECT_TRUE(control_.failures.empty());
  swarm_.torrents[1].stats.peers = 0;  // the last peer left: nobody can supply piece 0
  pump_.Pump(job);
  ASSERT_EQ(control_.failures.size(), 1u);
  EXPECT_EQ(control_.failures[0].code, hr::kInvalidData);
}

// A hash failure is charged to the CDN when its answer was in flight, but a connected peer's
// bad blocks may have been in the same piece: with peers connected a ban lifts after kBanS for
// one more try (bounded: once per kBanS, never a loop), so a swarm whose only other source of
// the piece is a lying peer still finishes.
TEST_F(CdnPumpTest, ABanLiftsForOneMoreTryWhilePeersAreConnected) {
  Job& job = StartJob(2);
  swarm_.torrents[1].stats.peers = 1;
  swarm_.torrents[1].status.self = "10.0.0.1";
  swarm_.torrents[1].status.peers = {"10.0.0.2"};
  auto asks_for_piece_0 = [&] {
    int n = 0;
    for (int round = 0; round < 4; ++round) {
      control_.now_s += 3;  // past the steal delay: other peers' shares are eligible too
      pump_.Pump(job);
      for (const auto& [req, done] : fetcher_.pending) n += req.offset == 0 ? 1 : 0;
      AnswerAll();
      pump_.OnVerified(job.files[0], 1);
      if (n > 0) break;
    }
    return n;
  };
  for (int round = 0; round < CdnPump::kMaxPieceFailures; ++round) {
    ASSERT_EQ(asks_for_piece_0(), 1) << "round " << round;
    pump_.OnFailed(job, 0, 0);
  }
  EXPECT_EQ(asks_for_piece_0(), 0);  // banned
  control_.now_s += CdnPump::kBanS;
  EXPECT_EQ(asks_for_piece_0(), 1);  // one more try after the ban
  pump_.OnFailed(job, 0, 0);
  EXPECT_EQ(asks_for_piece_0(), 0);  // banned again at once
  EXPECT_TRUE(control_.failures.empty());
}

TEST_F(CdnPumpTest, APieceTheSwarmRefusesCountsAsAFailureNotASilentDrop) {
  Job& job = StartJob(1);
  swarm_.refuse_pieces = true;
  for (int round = 0; round < 10 && control_.failures.empty(); ++round) {
    pump_.Pump(job);
    if (fetcher_.pending.empty()) break;
    AnswerAll();
  }
  EXPECT_EQ(CdnPump::InFlight(job.files[0]), 0u);
  ASSERT_EQ(control_.failures.size(), 1u);
  EXPECT_EQ(control_.failures[0].code, hr::kInvalidData);
}

// An origin that ignores Range answers a range request with the whole file (200): the file is
// streamed by one plain GET and cut into pieces as the bytes arrive, each one hash-checked.
TEST_F(CdnPumpTest, AnOriginIgnoringRangeIsStreamedWholeAndCutIntoPieces) {
  Job& job = StartPadded(1000, 3 * kPiece, 0);  // 4 pieces, the file's bytes shifted by 1000
  pump_.Pump(job);
  ASSERT_EQ(fetcher_.pending.size(), 4u);
  FetchResult ignored;
  ignored.code = hr::kBgEInsufficientRangeSupport;
  for (int i = 0; i < 4; ++i) {
    fetcher_.Answer(ignored);
    control_.RunPosted();
  }
  EXPECT_TRUE(control_.failures.empty());
  ASSERT_EQ(fetcher_.pending.size(), 1u);  // one GET, however many range answers said so
  const RangeRequest whole = fetcher_.pending.front().first;
  EXPECT_TRUE(whole.whole_file);
  EXPECT_EQ(whole.offset, 0u);
  EXPECT_EQ(whole.length, 3 * kPiece);
  ASSERT_TRUE(whole.on_bytes);
  // Odd chunks: pieces go to the swarm as soon as their bytes are in, not at the end.
  const std::string content = Content(0, 3 * kPiece);
  whole.on_bytes(content.substr(0, 20000));
  control_.RunPosted();
  EXPECT_EQ(swarm_.torrents[1].added_pieces, (std::vector<int>{0}));
  whole.on_bytes(content.substr(20000));
  control_.RunPosted();
  EXPECT_EQ(swarm_.torrents[1].added_pieces, (std::vector<int>{0, 1, 2, 3}));
  EXPECT_EQ(Added(0), std::string(1000, '\0') + Content(0, kPiece - 1000));
  EXPECT_EQ(Added(3), Content(3 * kPiece - 1000, 1000));
  fetcher_.Answer(FetchResult());
  control_.RunPosted();
  for (int p = 0; p < 4; ++p) pump_.OnVerified(job.files[0], p);
  job.tracker.OnPieceVerified(job.files[0].tracked, 0);
  job.tracker.OnPieceVerified(job.files[0].tracked, 1);
  job.tracker.OnPieceVerified(job.files[0].tracked, 2);
  job.tracker.OnPieceVerified(job.files[0].tracked, 3);
  pump_.Pump(job);
  EXPECT_TRUE(fetcher_.pending.empty());  // done: no second GET
  EXPECT_TRUE(control_.failures.empty());
}

TEST_F(CdnPumpTest, WholeFileStreamsAreBoundedWhenTheirPiecesKeepFailing) {
  Job& job = StartJob(1);
  pump_.Pump(job);
  FetchResult ignored;
  ignored.code = hr::kBgEInsufficientRangeSupport;
  fetcher_.Answer(ignored);
  control_.RunPosted();
  int streams = 0;
  while (!fetcher_.pending.empty() && streams < 10) {
    ++streams;
    fetcher_.pending.front().first.on_bytes(std::string(100, 'x'));
    fetcher_.Answer(FetchResult());
    control_.RunPosted();
    pump_.OnFailed(job, 0, 0);  // the bytes failed the hash check
    pump_.Pump(job);
  }
  EXPECT_EQ(streams, CdnPump::kMaxPieceFailures);
  ASSERT_EQ(control_.failures.size(), 1u);
  EXPECT_EQ(control_.failures[0].code, hr::kInvalidData);
}

// No peer can ever come (no LSD, no tracker, none configured): the missing pieces come in one
// ranged GET of the run from the first missing one, cut into pieces as it arrives, not a
// request per piece; a piece that then fails its check comes back as a run of one.
TEST_F(CdnPumpTest, ASolitaryFileStreamsItsRestInOneRangedGet) {
  Job& job = StartJob(8);  // the last piece is 100 bytes
  job.cdn.solitary = true;
  job.tracker.OnPieceVerified(job.files[0].tracked, 0);  // on disk already
  pump_.Pump(job);
  ASSERT_EQ(fetcher_.pending.size(), 1u);
  const RangeRequest rest = fetcher_.pending.front().first;
  EXPECT_FALSE(rest.whole_file);
  EXPECT_EQ(rest.offset, kPiece);
  EXPECT_EQ(rest.length, 6 * kPiece + 100);
  ASSERT_TRUE(rest.on_bytes);
  const std::string content = Content(kPiece, rest.length);
  rest.on_bytes(content.substr(0, 20000));  // odd chunks: each piece as soon as it is in
  control_.RunPosted();
  EXPECT_EQ(swarm_.torrents[1].added_pieces, (std::vector<int>{1}));
  rest.on_bytes(content.substr(20000));
  control_.RunPosted();
  EXPECT_EQ(swarm_.torrents[1].added_pieces, (std::vector<int>{1, 2, 3, 4, 5, 6, 7}));
  EXPECT_EQ(Added(7), Content(7 * kPiece, 100));
  fetcher_.Answer(FetchResult());
  control_.RunPosted();
  EXPECT_TRUE(fetcher_.pending.empty());  // its pieces wait for their checks
  for (int p = 1; p < 8; ++p) {
    if (p == 3) continue;
    pump_.OnVerified(job.files[0], p);
    job.tracker.OnPieceVerified(job.files[0].tracked, p);
  }
  pump_.OnFailed(job, 0, 3);
  pump_.Pump(job);
  ASSERT_EQ(fetcher_.pending.size(), 1u);  // piece 3 alone, a run of one
  EXPECT_EQ(fetcher_.pending.front().first.offset, 3 * kPiece);
  EXPECT_EQ(fetcher_.pending.front().first.length, kPiece);
  EXPECT_TRUE(control_.failures.empty());
}

// Runs are bounded (1 MiB), and the next goes only once less than half a run waits for its
// hash check: what a fast origin sends never piles up in memory ahead of the swarm.
TEST_F(CdnPumpTest, ASolitaryFilesRunsAreBoundedAndWaitForTheirChecks) {
  Job& job = StartJob(1000);  // 999 pieces of 16 KiB and one of 100 bytes
  job.cdn.solitary = true;
  pump_.Pump(job);
  ASSERT_EQ(fetcher_.pending.size(), 1u);
  const RangeRequest run = fetcher_.pending.front().first;
  EXPECT_EQ(run.offset, 0u);
  EXPECT_EQ(run.length, 64 * kPiece);
  run.on_bytes(Content(0, run.length));
  fetcher_.Answer(FetchResult());
  control_.RunPosted();
  EXPECT_EQ(swarm_.torrents[1].added_pieces.size(), 64u);
  EXPECT_TRUE(fetcher_.pending.empty());  // a run waits for its checks
  for (int p = 0; p < 31; ++p) {
    pump_.OnVerified(job.files[0], p);
    job.tracker.OnPieceVerified(job.files[0].tracked, p);
  }
  pump_.Pump(job);
  EXPECT_TRUE(fetcher_.pending.empty());  // still more than half a run
  pump_.OnVerified(job.files[0], 31);
  job.tracker.OnPieceVerified(job.files[0].tracked, 31);
  pump_.Pump(job);
  ASSERT_EQ(fetcher_.pending.size(), 1u);
  EXPECT_EQ(fetcher_.pending.front().first.offset, 64 * kPiece);
  EXPECT_EQ(fetcher_.pending.front().first.length, 64 * kPiece);
}

// Under a rate cap a run is half a second of the rate (at least a piece): the origin pushes
// no more ahead of the cap than a request of pieces would.
TEST_F(CdnPumpTest, ASolitaryRunUnderARateCapIsHalfASecondOfIt) {
  Job& job = StartJob(100);
  job.cdn.solitary = true;
  control_.rate = 10 * kPiece;
  pump_.Pump(job);
  ASSERT_EQ(fetcher_.pending.size(), 1u);
  EXPECT_EQ(fetcher_.pending.front().first.length, 5 * kPiece);
}

// A peer turns up during a run (the job is no longer lone): the run stops, as not the CDN's
// failure, and the rest is chosen as with peers, so the site does not fetch it twice.
TEST_F(CdnPumpTest, ASolitaryRunStopsWhenAPeerTurnsUp) {
  Job& job = StartJob(8);
  job.cdn.solitary = true;
  pump_.Pump(job);
  ASSERT_EQ(fetcher_.pending.size(), 1u);
  const RangeRequest run = fetcher_.pending.front().first;
  ASSERT_TRUE(run.abandon);
  run.on_bytes(Content(0, kPiece));
  control_.RunPosted();
  EXPECT_FALSE(run.abandon->load());
  job.cdn.solitary = false;  // Decide: a peer connected
  pump_.Pump(job);
  EXPECT_TRUE(run.abandon->load());
  FetchResult abandoned;
  abandoned.code = hr::kFail;
  fetcher_.Answer(abandoned);
  control_.RunPosted();
  EXPECT_TRUE(control_.failures.empty());
  EXPECT_EQ(fetcher_.pending.size(), 3u);  // piece by piece, as with peers (piece 0: in flight)
  for (const auto& [req, done] : fetcher_.pending) {
    EXPECT_FALSE(req.on_bytes);
    EXPECT_NE(req.offset, 0u);  // piece 0 came with the run
  }
}

// The rest's range answered with the whole file (a 200): the origin ignores Range, so the file
// is read whole without one.
TEST_F(CdnPumpTest, ASolitaryRestAnsweredWholeFallsBackToAPlainGet) {
  Job& job = StartJob(4);
  job.cdn.solitary = true;
  job.tracker.OnPieceVerified(job.files[0].tracked, 0);
  pump_.Pump(job);
  ASSERT_EQ(fetcher_.pending.size(), 1u);
  FetchResult ignored;
  ignored.code = hr::kBgEInsufficientRangeSupport;
  fetcher_.Answer(ignored);
  control_.RunPosted();
  ASSERT_EQ(fetcher_.pending.size(), 1u);
  EXPECT_TRUE(fetcher_.pending.front().first.whole_file);
  EXPECT_EQ(fetcher_.pending.front().first.offset, 0u);
  EXPECT_TRUE(control_.failures.empty());
}

// Byte ranges keep to their pieces: streaming the rest would fetch what is not wanted.
TEST_F(CdnPumpTest, ASolitaryFileWithByteRangesStillGoesPieceByPiece) {
  Job& job = StartJob(8);
  job.cdn.solitary = true;
  job.files[0].spec.ranges = {{0, 10}};
  pump_.Pump(job);
  EXPECT_EQ(fetcher_.pending.size(), 4u);
  for (const auto& [req, done] : fetcher_.pending) EXPECT_FALSE(req.on_bytes);
}

TEST_F(CdnPumpTest, DecideFollowsTheDelayPolicy) {
  Job& job = StartJob(8);
  job.cdn = CdnJobState();
  SourcePolicy policy;
  policy.delay_background_download_from_http_s = 5;
  job.queued_at_s = 10;
  pump_.Decide(job, policy, 14, 0);
  EXPECT_FALSE(job.cdn.unavailable);
  pump_.Decide(job, policy, 15, 0);
  EXPECT_TRUE(job.cdn.unavailable);
  EXPECT_TRUE(job.cdn.any);  // peers at 0 B/s are below MinBackgroundQos
  policy.no_http = true;
  pump_.Decide(job, policy, 16, 0);
  EXPECT_FALSE(job.cdn.unavailable);
  EXPECT_FALSE(job.cdn.any);
}

TEST_F(CdnPumpTest, FoundPeersLetTheCdnServePiecesNoneHasBeforeTheDelay) {
  Job& job = StartJob(8);
  job.cdn = CdnJobState();
  SourcePolicy policy;
  policy.delay_background_download_from_http_s = 5;
  job.queued_at_s = 10;
  pump_.Decide(job, policy, 11, 0, /*lone=*/false, /*solitary=*/false, /*found=*/true);
  EXPECT_TRUE(job.cdn.unavailable);
  EXPECT_FALSE(job.cdn.any);
  pump_.Decide(job, policy, 11, 0, /*lone=*/false, /*solitary=*/false, /*found=*/false);
  EXPECT_FALSE(job.cdn.unavailable);
}

// A partial piece whose sender left (a banned peer's blocks): no connected peer has it, so the
// CDN takes it; while a connected peer has it, it stays the peers'.
TEST_F(CdnPumpTest, APartialPieceNoConnectedPeerHasIsTheCdns) {
  Job& job = StartJob(2);
  auto& status = swarm_.torrents[1].status;
  status.self = "10.0.0.1";
  // A peer that makes this one the piece's owner, so no steal delay applies.
  for (int i = 2; status.peers.empty() || !OwnsCdnPiece(status.self, status.peers, 1); ++i) {
    status.peers = {"10.0.0." + std::to_string(i)};
  }
  status.availability = {1, 0};
  status.downloading = {true, true};
  control_.now_s = 100;  // not a stall: nothing was downloading before
  pump_.Pump(job);
  ASSERT_EQ(fetcher_.pending.size(), 1u);
  EXPECT_EQ(fetcher_.pending.front().first.offset, kPiece);
}

// Peers supplied a piece while the CDN's answer for it was on its way: the swarm ignores such
// bytes and gives no verdict, so the piece must not stay in flight (it held the file's CDN
// slots forever: a site stalled one piece short).
TEST_F(CdnPumpTest, AnAnswerForAPiecePeersSuppliedMeanwhileFreesItsSlot) {
  Job& job = StartJob(8);
  pump_.Pump(job);
  ASSERT_EQ(fetcher_.pending.size(), 4u);
  const int piece = static_cast<int>(fetcher_.pending.front().first.offset / kPiece);
  job.tracker.OnPieceVerified(job.files[0].tracked, piece);
  EXPECT_TRUE(pump_.OnVerified(job.files[0], piece));  // the peers' piece verified
  fetcher_.Answer(Body(fetcher_.pending.front().first.length));
  control_.RunPosted();
  EXPECT_TRUE(swarm_.torrents[1].added_pieces.empty());
  EXPECT_EQ(CdnPump::InFlight(job.files[0]), 3u);
}

// A piece peers are downloading that stays so (a peer that does not deliver: libtorrent
// re-requests only after its 60 s request timeout): after kPeerStallS the CDN takes it, though
// a connected peer has it (the emulated site stalled a minute one piece short).
TEST_F(CdnPumpTest, APieceStuckOnAPeerIsTheCdnsAfterAFewSeconds) {
  Job& job = StartJob(2);
  auto& status = swarm_.torrents[1].status;
  status.self = "10.0.0.1";
  status.peers = {"10.0.0.2"};
  status.availability = {1, 1};
  status.downloading = {false, true};
  job.tracker.OnPieceVerified(job.files[0].tracked, 0);
  control_.now_s = 100;
  pump_.Pump(job);
  control_.now_s = 103;  // downloading for 3 s: still the peers'
  pump_.Pump(job);
  EXPECT_TRUE(fetcher_.pending.empty());
  control_.now_s = 105.5;  // 5.5 s
  pump_.Pump(job);
  ASSERT_EQ(fetcher_.pending.size(), 1u);
  EXPECT_EQ(fetcher_.pending.front().first.offset, kPiece);
}

// A late peer takes over other peers' unfetched pieces, but not an owner's last two (most likely
// in flight at their owner, where no other peer sees them: the site's tail fetched them twice),
// and only pieces it is next in line for (two late peers took the same ones); a stuck owner's
// last pieces are anyone's after kPeerStallS more.
TEST_F(CdnPumpTest, ALatePeerLeavesOwnersTheirLastPiecesAndTakesOnlyItsTurn) {
  constexpr int kPieces = 60;
  Job& job = StartJob(kPieces);
  auto& status = swarm_.torrents[1].status;
  status.self = "10.0.0.1";
  status.peers = {"10.0.0.2", "10.0.0.3"};
  const int tracked = job.files[0].tracked;
  std::map<std::string, std::vector<int>> share;  // each other owner's pieces
  for (int p = 0; p < kPieces; ++p) {
    std::string owner;
    CdnPieceRank(status.self, status.peers, p, &owner);
    if (owner == status.self) {
      job.tracker.OnPieceVerified(tracked, p);  // this peer's own share is done
    } else {
      share[owner].push_back(p);
    }
  }
  ASSERT_EQ(share.size(), 2u);
  control_.now_s = 100;
  pump_.Pump(job);  // own share done now
  EXPECT_TRUE(fetcher_.pending.empty());
  control_.now_s = 102.5;  // late
  pump_.Pump(job);
  ASSERT_EQ(fetcher_.pending.size(), 1u);
  const int taken = static_cast<int>(fetcher_.pending.front().first.offset / kPiece);
  EXPECT_EQ(CdnPieceRank(status.self, status.peers, taken), 1) << "piece " << taken;
  AnswerAll();
  job.tracker.OnPieceVerified(tracked, taken);
  pump_.OnVerified(job.files[0], taken);
  // Each owner has two pieces left (and has the rest): both are left to it.
  for (auto& [owner, pieces] : share) {
    std::vector<int> left;
    for (int p : pieces) {
      if (p != taken && left.size() < 2) {
        left.push_back(p);
      } else if (p != taken) {
        status.availability[static_cast<std::size_t>(p)] = 1;
        job.tracker.OnPieceVerified(tracked, p);
      }
    }
  }
  control_.now_s = 103;
  pump_.Pump(job);
  EXPECT_TRUE(fetcher_.pending.empty());
  control_.now_s = 107.5;  // the owners are stuck: kStealAfterS + kPeerStallS after
  pump_.Pump(job);
  EXPECT_EQ(fetcher_.pending.size(), 1u);
}

}  // namespace
}  // namespace shoal::engine

namespace shoal::engine {
namespace {

// The site's cache node takes the CDN's place while it answers; a failing one is retried for
// the fallback delay, then skipped for the CDN; a refusal (4xx) goes to the CDN at once.
TEST_F(CdnPumpTest, TheCacheNodeServesPiecesBeforeTheCdnUntilItFails) {
  CacheHosts hosts({"node:3144"});
  SourcePolicy policy;
  policy.delay_cache_server_fallback_background_s = 10;
  pump_.UseCacheNodes(&hosts, &policy);
  Job& job = StartJob(8);
  const std::string url = job.files[0].spec.remote_url;
  pump_.Pump(job);
  // The node waits for the site's peers to connect (decision 0015), then serves.
  EXPECT_TRUE(fetcher_.pending.empty());
  control_.now_s = CdnPump::kNodePeerGraceS;
  pump_.Pump(job);
  ASSERT_EQ(fetcher_.pending.size(), 4u);
  EXPECT_EQ(fetcher_.pending.front().first.url, ConnectedCacheUrl(url, "node:3144"));
  AnswerAll();
  EXPECT_EQ(swarm_.torrents[1].pieces_from_cache, 4);  // counted as the cache server's
  for (int p : swarm_.torrents[1].added_pieces) pump_.OnVerified(job.files[0], p);

  FetchResult down;
  down.code = hr::kFail;
  down.transient = true;
  down.message = "connection refused";
  pump_.Pump(job);
  fetcher_.Answer(down);
  control_.RunPosted();
  EXPECT_TRUE(control_.failures.empty());  // the node's failure, not the job's
  control_.now_s = 5;                      // within the delay: the node again
  pump_.Pump(job);
  EXPECT_EQ(fetcher_.pending.back().first.url, ConnectedCacheUrl(url, "node:3144"));
  control_.now_s = 11;  // past it: skipped, the CDN
  fetcher_.Answer(down);
  control_.RunPosted();
  pump_.Pump(job);
  EXPECT_EQ(fetcher_.pending.back().first.url, url);
  EXPECT_EQ(hosts.Pick(url, 12), "");
}

// Decision 0015: the node is asked before DO's HTTP delay is over (after the peers' grace),
// and never for pieces peers have, even when the gate would let the CDN complement them.
TEST_F(CdnPumpTest, TheNodeServesWhatNoPeerHasAfterTheGraceAndNothingPeersHave) {
  CacheHosts hosts({"node:3144"});
  SourcePolicy policy;
  pump_.UseCacheNodes(&hosts, &policy);
  Job& job = StartJob(4);  // DO's delay over,
  job.cdn.any = true;      // and the gate lets the CDN complement slow peers
  auto& status = swarm_.torrents[1].status;
  status.availability = {1, 1, 1, 1};  // a peer has every piece, and sends them
  status.downloading = {true, true, true, true};
  status.self = "10.0.0.1";
  status.peers = {"10.0.0.2"};
  pump_.Pump(job);
  control_.now_s = 100;
  pump_.Pump(job);
  EXPECT_TRUE(fetcher_.pending.empty());  // the peers' pieces stay theirs

  Job& lone = StartJob(4);  // its torrent: no peer, nothing downloading
  lone.cdn.unavailable = false;  // DO's delay not over: the CDN would still wait
  status.peers.clear();
  pump_.Pump(lone);
  EXPECT_TRUE(fetcher_.pending.empty());  // the site's peers get their grace first
  control_.now_s = 100 + CdnPump::kNodePeerGraceS;
  pump_.Pump(lone);
  ASSERT_EQ(fetcher_.pending.size(), 4u);  // no peer: every piece, from the node
  EXPECT_EQ(fetcher_.pending.front().first.url,
            ConnectedCacheUrl(lone.files[0].spec.remote_url, "node:3144"));
}

TEST_F(CdnPumpTest, ANodeRefusingTheOriginLeavesItToTheCdnAtOnce) {
  CacheHosts hosts({"node"});
  SourcePolicy policy;
  policy.delay_cache_server_fallback_background_s = 60;
  pump_.UseCacheNodes(&hosts, &policy);
  Job& job = StartJob(8);
  pump_.Pump(job);
  control_.now_s = CdnPump::kNodePeerGraceS;  // the site's peers had their time (0015)
  pump_.Pump(job);
  ASSERT_FALSE(fetcher_.pending.empty());
  FetchResult refused;
  refused.code = hr::HttpError(403);
  refused.http_status = 403;
  fetcher_.Answer(refused);
  control_.RunPosted();
  pump_.Pump(job);
  EXPECT_EQ(fetcher_.pending.back().first.url, job.files[0].spec.remote_url);
  EXPECT_EQ(hosts.Pick("http://other.invalid/x", 0), "node:3144");  // that origin only
  EXPECT_TRUE(control_.failures.empty());
}

}  // namespace
}  // namespace shoal::engine
