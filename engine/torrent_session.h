// The libtorrent adapter: one lt::session, its settings, torrents keyed by small integers,
// alerts turned into plain TorrentEvents, and verified bytes counted by source as each piece
// passes its hash check: the CDN for pieces the engine fetched and handed over with AddPiece
// (libtorrent's own web seed is not used; decision 0004), peers for the rest; counts survive
// disconnects and rejected data counts for no one. The only
// code that includes libtorrent besides metainfo.cc. Engine-thread only, except the wakeup.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "engine/hresult.h"
#include "engine/options.h"
#include "engine/progress.h"
#include "engine/types.h"

namespace shoal::engine {

struct TorrentEvent {
  enum class Kind {
    kChecked,        // files checked; pieces already present follow as kPieceVerified
    kPieceVerified,  // `piece` passed its hash check
    kPieceFailed,    // `piece` failed its hash check (it will be fetched again)
    kError,          // the torrent stopped: disk or metadata error
    kRemoved,        // Remove() finished: libtorrent no longer touches the files
    kResumeData,     // SaveResume() answered: `data` (empty when libtorrent could not)
  };
  Kind kind;
  int key = -1;
  int piece = -1;
  hr::HResult code = hr::kOk;
  ErrorContext context = ErrorContext::kNone;
  std::string message;
  int pieces_have = 0;   // kChecked: pieces already present
  int pieces_total = 0;  // kChecked
  bool from_resume = false;  // kChecked: resume data was accepted, nothing was hashed
  bool hashed = false;       // kChecked: the files were hashed (neither: seed mode)
  std::string data;          // kResumeData: bencoded resume data
};

struct TorrentStats {
  SourceBytes sources;           // verified payload by source, and bytes uploaded
  double peer_rate_bytes_s = 0;  // current payload rate from BitTorrent peers
  int peers = 0;                 // connected BitTorrent peers
};

// What the site has of a torrent, for choosing the pieces to fetch from the CDN.
struct PieceStatus {
  std::vector<int> availability;  // connected peers having each piece
  std::vector<bool> downloading;  // requested from peers right now
  std::string self;                // this peer's address as its peers see it ("" = no peers)
  std::vector<std::string> peers;  // the connected peers' addresses
};

class TorrentSession {
 public:
  // `wakeup` is called from a libtorrent thread when alerts are waiting.
  static std::unique_ptr<TorrentSession> Create(const EngineOptions& options,
                                                std::function<void()> wakeup,
                                                std::string* error);
  ~TorrentSession();

  std::string ListenEndpoint() const;

  struct AddParams {
    std::string metainfo;   // bencoded .torrent
    std::string save_dir;
    std::string file_name;  // for a single-file torrent: the name on disk ("" = its own)
    int job_file = -1;      // job file of the (single) payload file; -1 = serve only (never
                            // downloads: libtorrent's upload mode)
    bool seed_mode = false;  // content known good: skip the check
    std::string resume;      // resume data from SaveResume, trusted ("" = check the file)
    std::string origin_url;  // the job's URL: its host is let through the download mode
  };
  // Adds a torrent; fills the layout for progress tracking. Single-file payload required when
  // job_file >= 0.
  hr::HResult Add(const AddParams& params, int* key, TorrentLayout* layout, std::string* error);
  // Hands over a piece fetched from the CDN: libtorrent checks its hash like any other and
  // posts kPieceVerified (or drops it). Counted as CDN bytes.
  void AddPiece(int key, int piece, const std::string& data);
  // False when the key is unknown. Asks libtorrent's network thread: for the tick.
  bool GetPieceStatus(int key, PieceStatus* out);
  void Pause(int key);
  void Resume(int key);
  // Asks for the torrent's resume data: a kResumeData event follows.
  void SaveResume(int key);
  // Blocks up to `ms` until an event may be waiting (for shutdown, off the normal loop).
  void WaitForEvents(int ms);
  // Asynchronous: a kRemoved event follows once libtorrent has let go of the files.
  void Remove(int key);
  // Connects configured peers again (libtorrent's own retry waits a minute).
  void ReconnectPeers(int key);
  // Rates and connections (asks libtorrent's network thread: for the tick, not per piece).
  TorrentStats Poll(int key);
  // Caps the torrent's download rate (bytes/s, 0 = none), LAN peers included. Cheap when
  // unchanged.
  void SetDownloadLimit(int key, int bytes_per_s);
  // Bytes of every torrent the session ever had and the peers connected now (asks
  // libtorrent's network thread).
  EngineStats Totals();
  // Verified payload so far by source, and bytes uploaded (block alerts). Cheap.
  SourceBytes Sources(int key) const;
  void PopEvents(std::vector<TorrentEvent>* out);

  class Impl;

 private:
  explicit TorrentSession(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace shoal::engine
