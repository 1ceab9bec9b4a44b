// Transfers: one content, one transfer (decision 0013). The one owner of the map from a content
// key (a metainfo's info-hash, or a plain-HTTP URL) to the job files that want that content:
// the file that leads (its torrent or HTTP transfer writes the bytes into its own temp file)
// and the files that follow it (they mirror its progress and copy its file on Complete).
// Bookkeeping only: what a change of leader does to files and torrents is Engine::Impl's
// (shared_transfers.cc). Engine-thread only (thread-compatible).
#pragma once

#include <string>
#include <unordered_map>
#include <vector>

#include "engine/types.h"

namespace shoal::engine {

struct JobFile;

// One file of one job.
struct FileRef {
  Uuid job;
  int file = -1;
  bool operator==(const FileRef& o) const { return job == o.job && file == o.file; }
};

class Transfers {
 public:
  struct Transfer {
    std::string key;
    FileRef leader;
    std::vector<FileRef> followers;  // in the order they joined
    // The leader's file is on its way to a new leader (the old torrent is being removed):
    // nobody may start the content until it arrives.
    bool moving = false;
  };

  // The key of a job file's content: "btih:<info-hash>" once its metainfo is known, else
  // "url:<url>" for a plain-HTTP file without ranges; "" while it is neither (its sidecar is
  // not fetched) and for plain HTTP with ranges (each such file fetches its own ranges).
  static std::string KeyOf(const JobFile& f);

  // Adds `who` to the transfer of `key`: it leads when nobody does, else it follows.
  Transfer& Join(const std::string& key, const FileRef& who);
  // The transfer `who` is part of, or null.
  Transfer* Of(const FileRef& who);
  Transfer* Find(const std::string& key);
  // Makes follower `who` the leader; the leader so far becomes the first follower.
  void Promote(Transfer& t, FileRef who);  // by value: `who` may be in t.followers
  // `who` no longer wants the content; a leader's transfer ends with it (the caller promotes a
  // follower first when one should carry on).
  void Leave(FileRef who);
  template <typename Fn>
  void ForEach(Fn fn) {
    for (auto& [key, t] : by_key_) fn(t);
  }
  std::size_t size() const { return by_key_.size(); }

 private:
  struct RefHash {
    std::size_t operator()(const FileRef& r) const;
  };
  std::unordered_map<std::string, Transfer> by_key_;
  std::unordered_map<FileRef, std::string, RefHash> key_of_;
};

}  // namespace shoal::engine
