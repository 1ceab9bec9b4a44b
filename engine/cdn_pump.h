// CdnPump: which pieces each incomplete file takes from the CDN (HTTP range requests,
// decision 0004) and what their answers do. Owns the CDN state of jobs and files (CdnJobState,
// CdnFileState below: the gate's decision, pieces in flight, the current run, back-off); asks
// the swarm what the site has, the fetcher for the bytes, and the job logic (JobControl) to
// fail a job. Engine-thread only; fetch answers come back through JobControl::Post.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <string>

#include "engine/http_fetch.h"
#include "engine/options.h"
#include "engine/source_policy.h"
#include "engine/types.h"

namespace shoal::engine {

struct Job;
struct JobFile;
class JobControl;
class PieceFetcher;
struct PieceStatus;
class Swarm;
class CacheHosts;

struct CdnJobState {
  HttpGate gate;
  bool unavailable = false;  // the CDN may serve pieces no connected peer has
  // ... only because peers were found (decision 0018), not because the HTTP delay is over: it
  // holds while some peer is connected, and a pump that finds none left waits for the delay.
  bool found_only = false;
  bool any = false;          // ... and pieces peers have too
  // No peer can come (Decide's `solitary`): each file's missing pieces stream in runs of
  // consecutive ones, a GET each, as a plain download would, rather than a piece per request.
  bool solitary = false;
  bool lone = false;  // no peer in sight (Decide's `lone`): more pieces in flight
  // None in sight yet, LSD's window still open (Decide's `listening`): the CDN serves the
  // pieces no peer has, kListeningInflightBytes of them at a time (decision 0021).
  bool listening = false;
};

struct CdnFileState {
  std::set<int> inflight;       // requested, not yet verified or failed
  int cursor = -1;              // where the current run continues
  double retry_at_s = 0;        // after a failure with peers connected: rest until then
  double own_done_at_s = -1;    // when this peer ran out of CDN pieces of its own
  std::map<int, int> failures;  // CDN answers per piece that failed the hash check (or size)
  std::set<int> banned;         // pieces the CDN is no longer asked for: peers' or nobody's
  // When each ban lifts while peers are connected: a hash failure is charged to the CDN when
  // its answer was in flight, but a peer's bad blocks may have been in the same piece, so a ban
  // is not forever while peers may be the culprit (one more try per kBanS, never a loop).
  std::map<int, double> ban_lifts_at_s;
  // Pieces the swarm is downloading from peers, and since when (CdnPump::Pump's stall rule).
  std::map<int, double> downloading_since_s;
  // Whole-file mode, for an origin that ignores Range (a 200 to a range request): one GET
  // streams the file, cut into pieces for the swarm's hash check as the bytes arrive.
  bool whole = false;
  bool streaming = false;  // that GET (or a solitary file's one) is under way
  int streams = 0;         // whole-file GETs started (bounded like a piece's retries)
  int stream_piece = 0;    // the piece the buffer fills
  int stream_end = 0;      // the piece after the stream's last
  // A solitary file's run stops once a peer turns up (set, the run's GET ends early): from
  // then on the file's pieces are chosen as with peers.
  std::shared_ptr<std::atomic<bool>> stream_abandon;
  std::string stream_buf;           // its file bytes so far
  std::string stream_host;          // the cache node a solitary run asks, or "" (the CDN)
  double stall_logged_at_s = -1e9;  // the debug log's last word on the pieces still missing
  bool peer_piece_logged = false;   // the debug log named the file's first piece from a peer
  // When the pump first saw the file with a cache node to ask (decision 0015): the node serves
  // pieces no peer has kNodePeerGraceS later, whatever DO's HTTP delays say.
  double node_since_s = -1;
  // With a node: pieces peers have that the swarm is not downloading, and since when.
  std::map<int, double> idle_since_s;
};

class CdnPump {
 public:
  CdnPump(Swarm& swarm, PieceFetcher& fetcher, JobControl& control, std::uint64_t seed);
  // Pieces go to the first cache node `hosts` offers (Connected Cache URLs) before the CDN;
  // a failing node is retried for `policy`'s delay_cache_server_fallback_* seconds, then
  // skipped (the next node, or the CDN). Both outlive the pump.
  void UseCacheNodes(CacheHosts* hosts, const SourcePolicy* policy);

  // The tick's decision for an active job: whether the CDN may serve pieces nobody has, and
  // pieces peers have too (DO's delays and MinBackgroundQos).
  // `lone`: no peer can exist (HttpGate::Input::lone). `solitary`: none ever can (no LSD, no
  // tracker, none configured): a lone job's pieces stream in runs (CdnJobState::solitary).
  // `found`: discovery is over and peers are connected (HttpGate::Input::found).
  // `listening`: lone but for LSD's window (CdnJobState::listening).
  void Decide(Job& job, const SourcePolicy& policy, double now_s, double peer_rate_bytes_s,
              bool lone = false, bool solitary = false, bool found = false, bool listening = false);
  // Keeps each incomplete file's CDN requests topped up, as the decision allows.
  void Pump(Job& job);
  // A piece of the file passed (or failed) the swarm's hash check. True when it was one the
  // CDN served, so the next request may go.
  bool OnVerified(JobFile& file, int piece);
  // A CDN piece that fails kMaxPieceFailures times is banned from the CDN; with no peer to
  // supply it the job fails (ERROR_INVALID_DATA) rather than fetching it forever.
  void OnFailed(Job& job, int index, int piece);
  static constexpr int kMaxPieceFailures = 3;
  static constexpr double kBanS = 30.0;
  // With a cache node, how long a file's pieces wait for the site's peers to connect before
  // the node serves each to its one owner (decision 0015): ownership is computed over the
  // connected peers, so peers that have not connected yet would each own everything.
  static constexpr double kNodePeerGraceS = 0.5;
  // With a cache node, how long a piece peers have may wait for the swarm to ask them for it
  // before this client takes it from the node (decision 0015).
  static constexpr double kNodeIdleS = 1.5;
  // The job stopped (suspended, failed) or starts afresh (resumed, retried): nothing in flight
  // counts any more (late answers are dropped by generation) and the gate starts over.
  void Reset(Job& job);
  static std::size_t InFlight(const JobFile& file);

 private:
  void Fetch(Job& job, int index, int piece);
  // True when `file`'s piece requests go to a cache node now (Fetch's choice).
  bool NodeServes(const JobFile& file, double now_s) const;
  // At debug level, every few seconds: the state of a file's last few missing pieces.
  void LogStall(Job& job, int index, const PieceStatus& status, double now);
  // One GET streaming pieces [first_piece, end_piece) of the file, cut into pieces as the
  // bytes arrive: the whole file without Range (`whole`, an origin that ignores Range), else
  // their range.
  void StartStream(Job& job, int index, bool whole, int first_piece = 0, int end_piece = -1);
  void OnStreamBytes(Job& job, int index, std::string bytes);
  void OnStreamDone(Job& job, int index, FetchResult r);
  // Hands a piece's file bytes (padding added) to the swarm; a refusal counts as a failure.
  void Deliver(Job& job, int index, int piece, const std::string& file_bytes, bool from_cache);
  // A cache node's answer failed: rest and retry it, or skip it (see UseCacheNodes).
  void NodeFailed(Job& job, int index, const std::string& host, const FetchResult& r);
  // The failure of a CDN request by the BITS rules (see OnAnswer).
  void FailRequest(Job& job, int index, const FetchResult& r);
  // Fails the job when a banned piece of the file has no peer to supply it. True if it did.
  bool FailIfUnsuppliable(Job& job, int index);
  void OnAnswer(const Uuid& id, int index, int piece, int generation, int key,
                const std::string& host, FetchResult r);

  Swarm& swarm_;
  PieceFetcher& fetcher_;
  JobControl& control_;
  std::mt19937_64 rng_;
  CacheHosts* cache_ = nullptr;
  const SourcePolicy* policy_ = nullptr;
};

}  // namespace shoal::engine
