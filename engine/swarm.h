// The swarm seam: what the engine asks of a BitTorrent session — torrents keyed by small
// integers, pieces handed over from the CDN, piece availability, rates, resume data — and the
// events it answers with, as plain values. TorrentSession (torrent_session.h) is the libtorrent
// implementation; unit tests use a fake. Engine-thread only, except the wakeup a session calls.
#pragma once

#include <string>
#include <vector>

#include "engine/hresult.h"
#include "engine/progress.h"
#include "engine/types.h"

namespace shoal::engine {

struct TorrentEvent {
  enum class Kind {
    kChecked,        // files checked; pieces already present follow as kPieceVerified
    kPieceVerified,  // `piece` passed its hash check
    kPieceFailed,    // `piece` failed its hash check (it will be fetched again)
    kError,          // the torrent stopped: disk or metadata error
    kRemoved,        // Remove() finished: the session no longer touches the files
    kResumeData,     // SaveResume() answered: `data` (empty when the session could not)
    kUploaded,       // a block went to a peer: `bytes.to_peers`
  };
  Kind kind;
  int key = -1;
  int piece = -1;
  hr::HResult code = hr::kOk;
  ErrorContext context = ErrorContext::kNone;
  std::string message;
  int pieces_have = 0;       // kChecked: pieces already present
  int pieces_total = 0;      // kChecked
  bool from_resume = false;  // kChecked: resume data was accepted, nothing was hashed
  bool hashed = false;       // kChecked: the files were hashed (neither: seed mode)
  std::string data;          // kResumeData: bencoded resume data
  // kPieceVerified: the piece's bytes for the source that supplied it (none for pieces found
  // on disk at the check); kUploaded: the block's.
  SourceBytes bytes;
};

struct TorrentStats {
  double peer_rate_bytes_s = 0;  // current payload rate from BitTorrent peers
  int peers = 0;                 // connected BitTorrent peers (TCP connects in flight too)
  // Of those, the ones whose pieces are known: past the handshake, and either reporting some
  // or connected for TorrentSession's settle time (a peer sends what it has right after its
  // handshake; one that has nothing may send nothing).
  int settled = 0;
  // Past the TCP connect but not settled: what they have is still on its way.
  int unsettled = 0;
  // Peers may still turn up: a tracker of the torrent has not answered its first announce yet
  // (neither peers nor an error), or it named peers that are not connected yet.
  bool discovering = false;
  // Only the first half of that: a tracker has not answered its first announce yet.
  bool announcing = false;
  bool trackers = false;  // the torrent announces to a tracker (its metainfo's or the engine's)
};

// What the site has of a torrent, for choosing the pieces to fetch from the CDN.
struct PieceStatus {
  std::vector<int> availability;   // connected peers having each piece
  std::vector<bool> downloading;   // requested from peers right now
  std::string self;                // this peer's address as its peers see it ("" = no peers)
  std::vector<std::string> peers;  // the connected peers' addresses
};

class Swarm {
 public:
  virtual ~Swarm() = default;

  // The BitTorrent endpoint actually bound, "ip:port".
  virtual std::string ListenEndpoint() const = 0;

  struct AddParams {
    std::string metainfo;  // bencoded .torrent
    std::string save_dir;
    std::string file_name;   // for a single-file torrent: the name on disk ("" = its own)
    int job_file = -1;       // job file of the (single) payload file; -1 = serve only (never
                             // downloads: libtorrent's upload mode)
    bool seed_mode = false;  // content known good: skip the check
    std::string resume;      // resume data from SaveResume, trusted ("" = check the file)
    std::string origin_url;  // the job's URL: its host is let through the download mode
    // Byte ranges of the payload file (its own offsets; validated): only the pieces holding
    // one of their bytes are downloaded from peers. Empty: every piece.
    std::vector<ByteRange> ranges;
  };
  // Adds a torrent; fills the layout for progress tracking. Single-file payload required when
  // job_file >= 0.
  virtual hr::HResult Add(const AddParams& params, int* key, TorrentLayout* layout,
                          std::string* error) = 0;
  // Hands over a piece fetched from the CDN: the session checks its hash like any other and
  // posts kPieceVerified or kPieceFailed. Counted as CDN bytes, or as the cache server's when
  // `from_cache` (a cache node sent it). False (nothing taken) when the key is unknown or the
  // data is not the piece's size.
  virtual bool AddPiece(int key, int piece, const std::string& data, bool from_cache) = 0;
  // False when the key is unknown. Asks the network thread: for the tick.
  virtual bool GetPieceStatus(int key, PieceStatus* out) = 0;
  // The payload file's wanted byte ranges change (as AddParams::ranges; empty: every piece).
  virtual void SetRanges(int key, const std::vector<ByteRange>& ranges) = 0;
  virtual void Pause(int key) = 0;
  virtual void Resume(int key) = 0;
  // Asks for the torrent's resume data: a kResumeData event follows.
  virtual void SaveResume(int key) = 0;
  // Blocks up to `ms` until an event may be waiting (for shutdown, off the normal loop).
  virtual void WaitForEvents(int ms) = 0;
  // Asynchronous: a kRemoved event follows once the session has let go of the files.
  virtual void Remove(int key) = 0;
  // Connects configured peers again (libtorrent's own retry waits a minute).
  virtual void ReconnectPeers(int key) = 0;
  // Dials these numeric "ip:port" / "[v6]:port" peers for the torrent (others are skipped); the
  // download mode's IP filter still decides who may be reached.
  virtual void ConnectPeers(int key, const std::vector<std::string>& endpoints) = 0;
  // Rates and connections (asks the network thread: for the tick, not per piece).
  virtual TorrentStats Poll(int key) = 0;
  // Caps the torrent's download rate (bytes/s, 0 = none), LAN peers included. Cheap when
  // unchanged.
  virtual void SetDownloadLimit(int key, int bytes_per_s) = 0;
  // Bytes of every torrent the session ever had (as its events carried them) and the peers
  // connected now.
  virtual EngineStats Totals() = 0;
  virtual void PopEvents(std::vector<TorrentEvent>* out) = 0;
};

}  // namespace shoal::engine
