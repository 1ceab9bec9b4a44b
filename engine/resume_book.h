// ResumeBook: libtorrent resume data across restarts (decision 0006), for each job file's
// torrent and each stored seed. Saved every persist interval once the torrent changed, and at
// shutdown with the torrents paused; given back at start only while the file on disk is
// exactly as it was when the data was saved (size, mtime, inode, same boot), so resume data
// never vouches for bytes it has not seen. Owns which torrents are tracked, their pending
// saves, and the counts of checks resumed vs hashed. Engine-thread only.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>

#include "engine/job_store.h"
#include "engine/swarm.h"

namespace shoal::engine {

class ResumeBook {
 public:
  // `store` may be null (not durable): then nothing is kept or given.
  ResumeBook(JobStore* store, Swarm& swarm);

  // The stored resume data for `path` if it still matches the file, else "".
  std::string For(const std::string& path);
  // Tracks torrent `key`, whose data describes the file at `path`.
  void Keep(int key, std::string path);
  // Drops what is stored for `path` (the file left the engine's hands).
  void Forget(const std::string& path);
  // The torrent changed (a piece verified, a check finished): saved at the next Save.
  void Changed(int key);
  // The session let go of the torrent.
  void Removed(int key) { targets_.erase(key); }
  // Asks for the resume data of every changed torrent (all, paused, when `quiescent`) whose
  // check has finished: one still checking would describe only the pieces hashed so far, and
  // a restart trusting it (the file unchanged) would fetch the rest again.
  void Save(bool quiescent);
  void OnData(const TorrentEvent& ev);
  // Shutdown: every torrent paused and saved, waiting up to 10 s for the answers.
  void SaveForShutdown();
  // A torrent's check finished: counts whether it started from resume data or was hashed.
  void OnChecked(const TorrentEvent& ev);
  std::uint32_t checks_resumed() const { return checks_resumed_; }
  std::uint32_t checks_hashed() const { return checks_hashed_; }

 private:
  struct Target {
    std::string path;  // the file the data describes
    // As it was when the data was asked for; none: taken when it arrives (paused torrent).
    std::optional<FileStamp> stamp;
    bool dirty = true;
    bool pending = false;
    bool checked = false;  // OnChecked has seen its check finish
  };
  JobStore* const store_;
  Swarm& swarm_;
  std::unordered_map<int, Target> targets_;  // by session key
  std::uint32_t checks_resumed_ = 0;
  std::uint32_t checks_hashed_ = 0;
};

}  // namespace shoal::engine
