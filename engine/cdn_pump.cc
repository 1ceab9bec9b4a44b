#include "engine/cdn_pump.h"

#include <algorithm>
#include <cstdio>
#include <map>
#include <string>

#include "engine/cache_hosts.h"
#include "engine/job.h"
#include "engine/job_control.h"
#include "engine/log.h"
#include "engine/range_fetch.h"
#include "engine/swarm.h"

namespace shoal::engine {
namespace {

// Piece requests in flight per file: enough to keep one origin connection busy, few enough
// that the peers of a site rarely ask the origin for the same piece.
constexpr std::size_t kInflightWithPeers = 2;
constexpr std::size_t kInflightAlone = 4;
// A lone client (nobody connected, nobody named) keeps more in flight: each piece waits for its
// hash check, and no other peer's ownership is at stake. Up to kLoneInflightBytes of them,
// four at least: what is in flight when peers turn up may be fetched again by its owner.
constexpr std::size_t kInflightLone = 8;
constexpr std::uint64_t kLoneInflightBytes = 1 << 20;
// While LSD's window is open (no peer yet, decision 0021): a client alone does not idle, and
// the clients of a site starting together each take a few pieces of their own from the origin
// (from a random start each), which their neighbours then get from them. Up to this many
// bytes, one piece at least.
constexpr std::uint64_t kListeningInflightBytes = 256 << 10;
// After a failed CDN request: how long the file leaves the origin alone.
constexpr double kCdnRetryS = 5.0;
// How long after its own share is done a peer starts taking over other peers' unfetched ones.
constexpr double kStealAfterS = 2.0;
// ... and when the pieces come from the site's cache node (decision 0015).
constexpr double kNodeStealAfterS = 0.5;
// How long a piece may stay in the swarm's download queue before the CDN may take it.
constexpr double kPeerStallS = 5.0;
// A solitary file's runs: bytes per GET (the next starts once less than half a run waits for
// its hash check). Small enough that a run cut short (Suspend, a handover to another job, a
// peer turning up) wastes little of the origin's bytes, large enough that requests cost little.
constexpr std::uint64_t kSolitaryRunBytes = 1 << 20;

// Of the pieces a late peer may take over (no peer has them), leaves out each owner's last
// kInflightWithPeers: most likely in flight at their owner, which no other peer can see. Of the
// rest it keeps those this peer is next in line for, so two late peers do not take the same.
void LeaveOwnersTheirLastPieces(const PieceStatus& status, std::vector<bool>* eligible) {
  std::vector<std::string> owner(eligible->size());
  std::vector<int> rank(eligible->size(), -1);
  std::map<std::string, std::size_t> left;
  for (std::size_t p = 0; p < eligible->size(); ++p) {
    if (!(*eligible)[p] || status.availability[p] > 0) continue;  // stuck on a peer: not this
    rank[p] = CdnPieceRank(status.self, status.peers, static_cast<int>(p), &owner[p]);
    ++left[owner[p]];
  }
  for (std::size_t p = 0; p < eligible->size(); ++p) {
    if (rank[p] >= 0 && (rank[p] != 1 || left[owner[p]] <= kInflightWithPeers)) {
      (*eligible)[p] = false;
    }
  }
}

}  // namespace

CdnPump::CdnPump(Swarm& swarm, PieceFetcher& fetcher, JobControl& control, std::uint64_t seed)
    : swarm_(swarm), fetcher_(fetcher), control_(control), rng_(seed) {}

void CdnPump::Decide(Job& job, const SourcePolicy& policy, double now_s, double peer_rate_bytes_s,
                     bool lone, bool solitary, bool found, bool listening) {
  HttpGate::Input in;
  in.now_s = now_s;
  in.transfer_start_s = job.queued_at_s;
  in.foreground = Foreground(job);
  in.peer_rate_bytes_s = peer_rate_bytes_s;
  in.lone = lone;
  in.found = found;
  job.cdn.any = job.cdn.gate.Decide(policy, in);
  job.cdn.unavailable = HttpGate::UnavailableOpen(policy, in);
  job.cdn.found_only = job.cdn.unavailable && !HttpGate::DelayOver(policy, in);
  job.cdn.solitary = lone && solitary;
  job.cdn.lone = lone;
  // Not through the gate: its decisions hold for kHoldS, and a peer LSD connects a moment
  // later must not find the CDN serving the pieces it has.
  job.cdn.listening = listening && !policy.no_http;
  if (job.cdn.listening) {
    job.cdn.unavailable = true;
    job.cdn.found_only = false;
  }
}

void CdnPump::Reset(Job& job) {
  for (JobFile& f : job.files) {
    f.cdn.inflight.clear();
    f.cdn.streaming = false;  // a late stream's bytes are dropped by generation
    if (f.cdn.stream_abandon) f.cdn.stream_abandon->store(true);
    f.cdn.stream_abandon.reset();
    f.cdn.streams = 0;
    f.cdn.stream_piece = 0;
    f.cdn.stream_buf.clear();
    f.cdn.failures.clear();  // a retry (or the user's Resume) gives the CDN another chance
    f.cdn.banned.clear();
    f.cdn.ban_lifts_at_s.clear();
    f.cdn.node_since_s = -1;  // the site's peers get their time to connect again
    f.cdn.idle_since_s.clear();
  }
  job.cdn = CdnJobState();
}

void CdnPump::UseCacheNodes(CacheHosts* hosts, const SourcePolicy* policy) {
  cache_ = hosts;
  policy_ = policy;
}

std::size_t CdnPump::InFlight(const JobFile& file) { return file.cdn.inflight.size(); }

bool CdnPump::OnVerified(JobFile& file, int piece) {
  if (file.cdn.inflight.erase(piece) > 0) return true;
  // Where a site's bytes come from (apt_fleet_bench's APT_FLEET_TRACE, docs/benchmarks.md).
  if (!file.cdn.peer_piece_logged && LogEnabled(LogLevel::kDebug)) {
    file.cdn.peer_piece_logged = true;
    Logf(LogLevel::kDebug, "cdn", "%s: first piece from a peer (%d) at %.3f s",
         file.spec.remote_url.c_str(), piece, control_.NowS());
  }
  return false;
}

void CdnPump::OnFailed(Job& job, int index, int piece) {
  JobFile& f = job.files[index];
  if (f.cdn.inflight.erase(piece) == 0) return;  // a peer's: libtorrent bans the peer
  ++f.cdn.failures[piece];
  Logf(LogLevel::kDebug, "cdn", "piece %d of %s from the CDN failed its hash check (%d times)",
       piece, f.spec.remote_url.c_str(), f.cdn.failures[piece]);
  if (f.cdn.failures[piece] < kMaxPieceFailures) return;
  f.cdn.banned.insert(piece);
  f.cdn.ban_lifts_at_s[piece] = control_.NowS() + kBanS;
  FailIfUnsuppliable(job, index);
}

bool CdnPump::FailIfUnsuppliable(Job& job, int index) {
  JobFile& f = job.files[index];
  if (f.cdn.banned.empty() || !IsActive(job.state) || swarm_.Poll(f.torrent).peers > 0) {
    return false;
  }
  for (int piece : f.cdn.banned) {
    if (job.tracker.PieceCounted(f.tracked, piece)) continue;
    control_.Fail(job, hr::kInvalidData, ErrorContext::kRemoteFile, index,
                  "piece " + std::to_string(piece) + " of " + f.spec.remote_url + " failed its " +
                      "hash check " + std::to_string(f.cdn.failures[piece]) +
                      " times from the CDN and no peer has it");
    return true;
  }
  return false;
}

void CdnPump::Pump(Job& job) {
  if (!IsActive(job.state)) return;
  const double now = control_.NowS();
  for (int i = 0; i < static_cast<int>(job.files.size()); ++i) {
    JobFile& f = job.files[i];
    if (f.torrent < 0 || f.tracked < 0 || f.awaiting_check || job.tracker.FileDone(i) ||
        now < f.cdn.retry_at_s) {
      continue;
    }
    // A site's cache node is the second source, after the peers (decision 0015): a piece no
    // peer has goes to its one owner from the node as soon as the peers had time to connect
    // (DO's HTTP delays guard the CDN, not the LAN), and a piece a peer has comes from peers
    // only. Without a node (or once it is skipped) the CDN's rules hold.
    const bool node = !f.cdn.whole && NodeServes(f, now);
    bool unavailable = job.cdn.unavailable;
    bool any = job.cdn.any;
    if (node) {
      if (f.cdn.node_since_s < 0) f.cdn.node_since_s = now;
      unavailable = !(policy_ != nullptr && policy_->no_http) &&
                    (job.cdn.lone || now - f.cdn.node_since_s >= kNodePeerGraceS);
      any = false;
    }
    if (!unavailable) continue;
    if (FailIfUnsuppliable(job, i)) return;
    if (f.cdn.whole) {
      if (!f.cdn.streaming && f.cdn.inflight.empty()) StartStream(job, i, /*whole=*/true);
      continue;
    }
    if (f.cdn.streaming) {
      // A peer connected (the job is no longer lone): the run would fetch what it may have.
      if (!job.cdn.solitary && f.cdn.stream_abandon) f.cdn.stream_abandon->store(true);
      continue;
    }
    // No peer can come: a request per piece (each waiting for its hash check before the next
    // goes) only costs time. The missing pieces go in runs of consecutive ones, each one GET
    // streamed, the next once the swarm has checked most of the last (bounding what waits
    // in memory); a piece that failed its check comes back as a run of one. Byte ranges keep
    // their pieces: the rest of the file is not wanted.
    if (job.cdn.solitary && f.spec.ranges.empty()) {
      const std::uint64_t piece_length = job.tracker.piece_length(f.tracked);
      // Under a rate cap a run is half a second of it: what the origin pushes into socket
      // buffers ahead of the cap stays what one request of pieces would.
      std::uint64_t run_bytes = kSolitaryRunBytes;
      if (const std::uint64_t rate = control_.RateFor(job); rate > 0) {
        run_bytes = std::clamp<std::uint64_t>(rate / 2, piece_length, kSolitaryRunBytes);
      }
      if (f.cdn.inflight.size() * piece_length > run_bytes / 2) continue;
      const int pieces = job.tracker.num_pieces(f.tracked);
      auto missing = [&](int p) {
        return job.tracker.PieceWanted(f.tracked, p) && !job.tracker.PieceCounted(f.tracked, p) &&
               f.cdn.inflight.count(p) == 0 && f.cdn.banned.count(p) == 0;
      };
      int first = 0;
      while (first < pieces && !missing(first)) ++first;
      if (first == pieces) continue;
      int end = first + 1;
      while (end < pieces && missing(end) &&
             static_cast<std::uint64_t>(end + 1 - first) * piece_length <= run_bytes) {
        ++end;
      }
      StartStream(job, i, /*whole=*/false, first, end);
      continue;
    }
    PieceStatus status;
    if (!swarm_.GetPieceStatus(f.torrent, &status)) continue;
    // The peers found are gone since the last Decide (the one that had every piece left, say):
    // none of their pieces is "nobody's" before the delay.
    if (!node && job.cdn.found_only && status.peers.empty()) continue;
    const bool alone = std::all_of(status.availability.begin(), status.availability.end(),
                                   [](int a) { return a == 0; });
    const std::size_t lone_limit = std::clamp<std::size_t>(
        kLoneInflightBytes / std::max<std::uint64_t>(job.tracker.piece_length(f.tracked), 1),
        kInflightAlone, kInflightLone);
    const std::size_t listening_limit = std::max<std::size_t>(
        kListeningInflightBytes / std::max<std::uint64_t>(job.tracker.piece_length(f.tracked), 1),
        1);
    const std::size_t limit = job.cdn.listening ? listening_limit
                              : job.cdn.lone    ? lone_limit
                              : alone           ? kInflightAlone
                                                : kInflightWithPeers;
    LogStall(job, i, status, now);
    if (f.cdn.inflight.size() >= limit) continue;
    // First the pieces no peer has that this peer owns, then those no peer has (others' share
    // when they are slow or gone), then pieces peers have, when the policy lets the CDN
    // complement them.
    // Bans lift after kBanS while peers are connected (with none, FailIfUnsuppliable has
    // failed the job): one more answer from the CDN, and one more failure bans it again.
    if (!status.peers.empty()) {
      for (auto it = f.cdn.ban_lifts_at_s.begin(); it != f.cdn.ban_lifts_at_s.end();) {
        if (now < it->second) {
          ++it;
          continue;
        }
        f.cdn.banned.erase(it->first);
        f.cdn.failures[it->first] = kMaxPieceFailures - 1;
        it = f.cdn.ban_lifts_at_s.erase(it);
      }
    }
    // When each piece peers are downloading was first seen so: one that stays so for
    // kPeerStallS is stuck on a peer that does not deliver (libtorrent gives up on a request
    // only after its 60 s timeout), and the CDN may take it as if no peer had it.
    for (std::size_t p = 0; p < status.downloading.size(); ++p) {
      if (status.downloading[p]) f.cdn.downloading_since_s.emplace(static_cast<int>(p), now);
    }
    for (auto it = f.cdn.downloading_since_s.begin(); it != f.cdn.downloading_since_s.end();) {
      const auto p = static_cast<std::size_t>(it->first);
      it = p < status.downloading.size() && status.downloading[p]
               ? std::next(it)
               : f.cdn.downloading_since_s.erase(it);
    }
    auto stalled = [&](std::size_t p) {
      const auto it = f.cdn.downloading_since_s.find(static_cast<int>(p));
      return it != f.cdn.downloading_since_s.end() && now - it->second >= kPeerStallS;
    };
    // With a node: a piece peers have that the swarm does not even ask them for (their
    // connections choke this one, or are still coming up) for kNodeIdleS is this client's to
    // take from the node, whoever owns it (decision 0015): the LAN copy is cheap, the wait not.
    // Only while the swarm downloads nothing of the file: a busy swarm takes the rest in turn.
    const bool swarm_busy =
        std::any_of(status.downloading.begin(), status.downloading.end(), [](bool d) { return d; });
    if (node && swarm_busy) f.cdn.idle_since_s.clear();
    if (node && !swarm_busy) {
      for (std::size_t p = 0; p < status.availability.size(); ++p) {
        const int piece = static_cast<int>(p);
        if (status.availability[p] > 0 && !status.downloading[p] &&
            !job.tracker.PieceCounted(f.tracked, piece)) {
          f.cdn.idle_since_s.emplace(piece, now);
        } else {
          f.cdn.idle_since_s.erase(piece);
        }
      }
    }
    auto idle = [&](std::size_t p) {
      const auto it = f.cdn.idle_since_s.find(static_cast<int>(p));
      return node && it != f.cdn.idle_since_s.end() && now - it->second >= kNodeIdleS;
    };
    std::vector<bool> eligible(status.availability.size());
    enum Pass { kOwned, kUnavailable, kAny };
    auto fill = [&](Pass pass) {
      bool any = false;
      for (std::size_t p = 0; p < eligible.size(); ++p) {
        const int piece = static_cast<int>(p);
        // A piece being downloaded is the peers' unless no connected peer has it: a partial
        // piece whose sender left (or was banned) would otherwise wait forever.
        const bool stuck = stalled(p);
        const bool peers_busy = status.downloading[p] && status.availability[p] > 0 && !stuck;
        const bool out_of_reach = idle(p);
        eligible[p] = job.tracker.PieceWanted(f.tracked, piece) &&
                      !job.tracker.PieceCounted(f.tracked, piece) && !peers_busy &&
                      f.cdn.inflight.count(piece) == 0 && f.cdn.banned.count(piece) == 0 &&
                      (pass == kAny || status.availability[p] == 0 || stuck || out_of_reach) &&
                      (pass != kOwned || out_of_reach ||
                       OwnsCdnPiece(status.self, status.peers, piece));
        any = any || eligible[p];
      }
      return any;
    };
    // Another peer's share is taken over only once it is late: while its owner works on it,
    // the shared origin link gives the owner this peer's bandwidth anyway.
    std::size_t cap = limit;
    if (fill(kOwned)) {
      f.cdn.own_done_at_s = -1;
    } else {
      if (f.cdn.own_done_at_s < 0) f.cdn.own_done_at_s = now;
      // The node's LAN link is not shared with the site's WAN: a late owner's pieces are
      // taken sooner, and all of them (decision 0015).
      const double steal_after = node ? kNodeStealAfterS : kStealAfterS;
      const bool late = now - f.cdn.own_done_at_s >= steal_after;
      if (late && fill(kUnavailable)) {
        cap = node ? limit : 1;
        // Owners finish their own last pieces; a stuck one's are anyone's kPeerStallS later.
        if (!node && now - f.cdn.own_done_at_s < kStealAfterS + kPeerStallS) {
          LeaveOwnersTheirLastPieces(status, &eligible);
          if (std::none_of(eligible.begin(), eligible.end(), [](bool e) { return e; })) continue;
        }
      } else if (!(any && fill(kAny))) {
        continue;
      }
    }
    while (f.cdn.inflight.size() < cap) {
      const int piece = PickCdnPiece(eligible, rng_(), &f.cdn.cursor);
      if (piece < 0) break;
      eligible[piece] = false;
      Fetch(job, i, piece);
    }
  }
}

bool CdnPump::NodeServes(const JobFile& file, double now_s) const {
  if (cache_ == nullptr) return false;
  const std::string host = cache_->Pick(file.spec.remote_url, now_s);
  return !host.empty() && !ConnectedCacheUrl(file.spec.remote_url, host).empty();
}

void CdnPump::LogStall(Job& job, int index, const PieceStatus& status, double now) {
  JobFile& f = job.files[index];
  if (!LogEnabled(LogLevel::kDebug) || now - f.cdn.stall_logged_at_s < 5.0) return;
  std::string missing;
  int count = 0;
  for (std::size_t p = 0; p < status.availability.size(); ++p) {
    const int piece = static_cast<int>(p);
    if (job.tracker.PieceCounted(f.tracked, piece) || !job.tracker.PieceWanted(f.tracked, piece)) {
      continue;
    }
    if (++count > 8) continue;
    missing += " " + std::to_string(piece) + "(avail " + std::to_string(status.availability[p]) +
               (status.downloading[p] ? ", downloading" : "") +
               (f.cdn.inflight.count(piece) ? ", cdn in flight" : "") +
               (f.cdn.banned.count(piece) ? ", banned" : "") + ")";
  }
  if (count == 0 || count > 8) return;
  f.cdn.stall_logged_at_s = now;
  Logf(LogLevel::kDebug, "cdn", "%s: %d pieces left, %zu peers:%s", f.spec.remote_url.c_str(),
       count, status.peers.size(), missing.c_str());
}

void CdnPump::Fetch(Job& job, int index, int piece) {
  JobFile& f = job.files[index];
  // The URL holds the job file's bytes only: the piece's run of them, the rest is padding.
  const ProgressTracker::PieceExtent ext = job.tracker.Extent(f.tracked, piece, index);
  if (ext.size == 0) return;
  f.cdn.inflight.insert(piece);
  if (ext.length == 0) {  // all padding: nothing to fetch
    FetchResult r;
    return OnAnswer(job.view->id, index, piece, job.generation, f.torrent, "", std::move(r));
  }
  // The site's cache node first, while one answers; the CDN itself otherwise.
  std::string host = cache_ ? cache_->Pick(f.spec.remote_url, control_.NowS()) : "";
  std::string url = host.empty() ? "" : ConnectedCacheUrl(f.spec.remote_url, host);
  if (url.empty()) {
    host.clear();
    url = f.spec.remote_url;
  }
  if (!host.empty() && LogEnabled(LogLevel::kDebug)) {
    Logf(LogLevel::kDebug, "cdn", "%s: piece %d from cache node %s at %.3f s (%zu peers)",
         f.spec.remote_url.c_str(), piece, host.c_str(), control_.NowS(),
         static_cast<std::size_t>(swarm_.Poll(f.torrent).peers));
  }
  RangeRequest request{url, ext.file_offset, ext.length};
  request.headers = job.props.custom_headers;
  // Half the job's rate goes to the CDN while peers may take the rest (bandwidth.cc), shared
  // by the requests a file may have in flight.
  if (const std::uint64_t rate = control_.RateFor(job); rate > 0) {
    request.max_bytes_s = std::max<std::uint64_t>(rate / 2 / kInflightLone, 1024);
  }
  const Uuid id = job.view->id;
  const int generation = job.generation;
  const int key = f.torrent;
  fetcher_.Fetch(std::move(request), [this, id, index, piece, generation, key,
                                      host = std::move(host)](FetchResult r) {
    control_.Post([this, id, index, piece, generation, key, host, r = std::move(r)]() mutable {
      OnAnswer(id, index, piece, generation, key, host, std::move(r));
    });
  });
}

void CdnPump::OnAnswer(const Uuid& id, int index, int piece, int generation, int key,
                       const std::string& host, FetchResult r) {
  Job* job = control_.FindJob(id);
  if (job == nullptr || job->generation != generation || !IsActive(job->state)) return;
  JobFile& f = job->files[index];
  if (f.torrent != key) return;
  if (!host.empty()) {
    if (hr::Failed(r.code)) {
      f.cdn.inflight.erase(piece);
      return NodeFailed(*job, index, host, r);  // the next Pump asks the next source
    }
    f.cache.failing_since_s = -1;
    return Deliver(*job, index, piece, r.body, /*from_cache=*/true);
  }
  if (hr::Failed(r.code)) {
    f.cdn.inflight.erase(piece);
    // The origin ignores Range: stream the whole file instead. Range requests that were in
    // flight when it showed so end as they may (a whole body cut off as too long, a reset):
    // their aftermath, not the job's error.
    if (r.code == hr::kBgEInsufficientRangeSupport || f.cdn.whole) {
      f.cdn.whole = true;
      if (!f.cdn.streaming && f.cdn.inflight.empty()) StartStream(*job, index, /*whole=*/true);
      return;
    }
    return FailRequest(*job, index, r);
  }
  Deliver(*job, index, piece, r.body, /*from_cache=*/false);
}

void CdnPump::NodeFailed(Job& job, int index, const std::string& host, const FetchResult& r) {
  JobFile& f = job.files[index];
  const double now = control_.NowS();
  // A 4xx is the node's verdict on this origin (refused by its policy, or the origin's own
  // answer passed through): the CDN is asked at once. Anything else is the node's failure.
  const bool refused = !r.transient && r.http_status >= 400 && r.http_status < 500;
  if (f.cache.failing_since_s < 0) f.cache.failing_since_s = now;
  const double delay = Foreground(job) ? policy_->delay_cache_server_fallback_foreground_s
                                       : policy_->delay_cache_server_fallback_background_s;
  if (!refused && now - f.cache.failing_since_s < delay) {
    f.cdn.retry_at_s = now + 1.0;  // DODelayCacheServerFallback*: the node again, a bit later
    return;
  }
  if (!cache_->Pick(f.spec.remote_url, now).empty()) {
    Logf(LogLevel::kInfo, "cache", "%s: cache node %s %s (%s): skipped for %.0f s",
         f.spec.remote_url.c_str(), host.c_str(), refused ? "refused the origin" : "did not answer",
         r.message.c_str(), CacheHosts::kSkipS);
  }
  if (refused) {
    cache_->SkipOrigin(host, f.spec.remote_url, now);
  } else {
    cache_->SkipHost(host, now);
  }
  f.cache.failing_since_s = -1;
}

void CdnPump::FailRequest(Job& job, int index, const FetchResult& r) {
  JobFile& f = job.files[index];
  // With peers connected a failing CDN only rests for a while: peers may carry on. With no
  // peer it is the job's failure, by the BITS rules: transient ones are retried.
  if (swarm_.Poll(f.torrent).peers == 0) {
    if (r.transient) {
      return control_.TransientError(job, r.code, ErrorContext::kRemoteFile, index, r.message);
    }
    return control_.Fail(job, r.code, ErrorContext::kRemoteFile, index, r.message);
  }
  f.cdn.retry_at_s = control_.NowS() + kCdnRetryS;
}

void CdnPump::Deliver(Job& job, int index, int piece, const std::string& file_bytes,
                      bool from_cache) {
  JobFile& f = job.files[index];
  // Peers may have supplied it meanwhile: the swarm would ignore the bytes, and no verdict
  // would ever take the piece out of flight.
  if (job.tracker.PieceCounted(f.tracked, piece)) {
    f.cdn.inflight.erase(piece);
    return;
  }
  // In flight until the swarm verified it (OnVerified) or not (OnFailed).
  f.cdn.inflight.insert(piece);
  const ProgressTracker::PieceExtent ext = job.tracker.Extent(f.tracked, piece, index);
  std::string data;
  if (file_bytes.size() == ext.length) {
    data.assign(ext.size, '\0');
    data.replace(ext.at, ext.length, file_bytes);
  }
  if (!swarm_.AddPiece(f.torrent, piece, data, from_cache)) {
    std::fprintf(stderr, "shoal: piece %d of %s: the CDN's %zu bytes do not fit the piece\n", piece,
                 f.spec.remote_url.c_str(), file_bytes.size());
    OnFailed(job, index, piece);
  }
}

void CdnPump::StartStream(Job& job, int index, bool whole, int first_piece, int end_piece) {
  JobFile& f = job.files[index];
  const std::uint64_t size = job.tracker.FileSize(index);
  if (size == kSizeUnknown || size == 0) return;
  if (whole && f.cdn.streams >= kMaxPieceFailures) {
    return control_.Fail(job, hr::kInvalidData, ErrorContext::kRemoteFile, index,
                         f.spec.remote_url + " ignores Range and " + std::to_string(f.cdn.streams) +
                             " whole-file answers left pieces failing the hash check");
  }
  const int pieces = job.tracker.num_pieces(f.tracked);
  if (whole || end_piece < 0 || end_piece > pieces) end_piece = pieces;
  if (whole) first_piece = 0;
  const std::uint64_t offset = job.tracker.Extent(f.tracked, first_piece, index).file_offset;
  const ProgressTracker::PieceExtent last = job.tracker.Extent(f.tracked, end_piece - 1, index);
  const std::uint64_t end = whole ? size : last.file_offset + last.length;
  if (first_piece >= end_piece || offset >= end) return;
  if (whole) ++f.cdn.streams;
  f.cdn.streaming = true;
  f.cdn.stream_piece = first_piece;
  f.cdn.stream_end = end_piece;
  f.cdn.stream_buf.clear();
  f.cdn.stream_abandon.reset();
  if (!whole) f.cdn.stream_abandon = std::make_shared<std::atomic<bool>>(false);
  // A solitary run asks the site's cache node first, as single pieces do (Fetch); the origin
  // ignoring Range (whole-file mode) is the CDN's own.
  f.cdn.stream_host = !whole && cache_ ? cache_->Pick(f.spec.remote_url, control_.NowS()) : "";
  std::string url =
      f.cdn.stream_host.empty() ? "" : ConnectedCacheUrl(f.spec.remote_url, f.cdn.stream_host);
  if (url.empty()) {
    f.cdn.stream_host.clear();
    url = f.spec.remote_url;
  }
  if (!f.cdn.stream_host.empty() && LogEnabled(LogLevel::kDebug)) {
    Logf(LogLevel::kDebug, "cdn", "%s: run of pieces %d-%d from cache node %s at %.3f s",
         f.spec.remote_url.c_str(), first_piece, end_piece - 1, f.cdn.stream_host.c_str(),
         control_.NowS());
  }
  RangeRequest request{url, whole ? 0 : offset, whole ? size : end - offset};
  request.whole_file = whole;
  request.abandon = f.cdn.stream_abandon;
  request.headers = job.props.custom_headers;
  if (const std::uint64_t rate = control_.RateFor(job); rate > 0) {
    request.max_bytes_s = std::max<std::uint64_t>(rate / 2, 1024);
  }
  const Uuid id = job.view->id;
  const int generation = job.generation;
  const int key = f.torrent;
  // Finds the job the bytes are for, if it is still this run of this file.
  auto current = [this, id, index, generation, key]() -> Job* {
    Job* j = control_.FindJob(id);
    if (j == nullptr || j->generation != generation || !IsActive(j->state) ||
        j->files[index].torrent != key || !j->files[index].cdn.streaming) {
      return nullptr;
    }
    return j;
  };
  request.on_bytes = [this, current, index](std::string bytes) {
    control_.Post([this, current, index, bytes = std::move(bytes)]() mutable {
      if (Job* j = current()) OnStreamBytes(*j, index, std::move(bytes));
    });
  };
  fetcher_.Fetch(std::move(request), [this, current, index](FetchResult r) {
    control_.Post([this, current, index, r = std::move(r)]() mutable {
      if (Job* j = current()) OnStreamDone(*j, index, std::move(r));
    });
  });
}

void CdnPump::OnStreamBytes(Job& job, int index, std::string bytes) {
  JobFile& f = job.files[index];
  f.cdn.stream_buf += bytes;
  while (f.cdn.stream_piece < f.cdn.stream_end) {
    const int piece = f.cdn.stream_piece;
    const ProgressTracker::PieceExtent ext = job.tracker.Extent(f.tracked, piece, index);
    if (f.cdn.stream_buf.size() < ext.length) break;
    const std::string file_bytes = f.cdn.stream_buf.substr(0, ext.length);
    f.cdn.stream_buf.erase(0, ext.length);
    ++f.cdn.stream_piece;
    if (job.tracker.PieceWanted(f.tracked, piece) && !job.tracker.PieceCounted(f.tracked, piece) &&
        f.cdn.inflight.count(piece) == 0) {
      Deliver(job, index, piece, file_bytes, /*from_cache=*/!f.cdn.stream_host.empty());
      if (!IsActive(job.state)) return;
    }
  }
}

void CdnPump::OnStreamDone(Job& job, int index, FetchResult r) {
  JobFile& f = job.files[index];
  f.cdn.streaming = false;
  f.cdn.stream_buf.clear();
  const bool abandoned = f.cdn.stream_abandon && f.cdn.stream_abandon->load();
  f.cdn.stream_abandon.reset();
  if (abandoned) return Pump(job);  // stopped for a peer: not the CDN's failure
  if (!f.cdn.stream_host.empty() && hr::Failed(r.code)) {
    NodeFailed(job, index, f.cdn.stream_host, r);  // the next run asks the next source
    return Pump(job);
  }
  // Pieces still unverified after a whole-file GET (failed their hash check) start another
  // from the next Pump, up to the bound; a solitary file's next run starts there too.
  if (r.code == hr::kBgEInsufficientRangeSupport && !f.cdn.whole) {
    f.cdn.whole = true;  // a 200 to a run's range: the origin ignores Range
    return Pump(job);
  }
  if (hr::Failed(r.code)) return FailRequest(job, index, r);
  Pump(job);
}

}  // namespace shoal::engine
