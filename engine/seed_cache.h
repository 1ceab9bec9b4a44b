// SeedCache: finished content served to peers after Complete (seed_after_complete) and again
// after a restart, kept within DOMaxCacheAge and DOAbsoluteMaxCacheSize, or DOMaxCacheSize (cache_limits.h) at
// start, at each new seed and once a minute. Content that leaves the cache stops being served
// and is forgotten by the store; the file itself is never deleted: after Complete it is the
// user's — but for a file of the service's store (FileSpec::client_path set: the user has its
// own copy), which nobody else holds: that one is deleted when it leaves. Owns the list of
// cached seeds. Engine-thread only.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "engine/clock.h"
#include "engine/job_store.h"
#include "engine/options.h"
#include "engine/resume_book.h"
#include "engine/swarm.h"

namespace shoal::engine {

class SeedCache {
 public:
  // `store` may be null (not durable): seeds are then served for the engine's lifetime.
  // `disk_bytes`: the size of the file system holding a folder (DOMaxCacheSize's disk); by
  // default statvfs(3), 0 when it cannot say.
  using DiskBytes = std::function<std::uint64_t(const std::string& dir)>;
  SeedCache(const EngineOptions& options, JobStore* store, Swarm& swarm, ResumeBook& resume,
            const Clock& clock, DiskBytes disk_bytes = {});

  // Serves again what the store holds, within the limits; problems go to *warnings.
  void Restore(std::string* warnings);
  // Records (and stores) a file Complete just seeded as session torrent `key` (its pieces
  // verified as they arrived: the file's state is known); the same path seeded before is
  // replaced, and older content may leave the cache.
  // `owned`: the file is the service store's (deleted when it leaves the cache).
  void Serve(int key, const std::string& metainfo, const std::string& dir,
             const std::string& file_name, const TorrentLayout& layout, bool owned);
  // The session checked a restored seed's file (resume data or hashing, not seed mode): whole,
  // its state is known from here on.
  void Checked(int key, bool whole);
  // Once a minute on the engine clock (`now_s`): what is past the limits leaves.
  void Check(double now_s);
  std::size_t size() const { return cached_.size(); }
  // Seeds that left the cache past its limits (or with their file gone) since start.
  std::uint64_t evictions() const { return evictions_; }
  // A job wants content this cache serves (by its metainfo's info-hash, hex): stops serving it
  // and forgets it (a kRemoved event for *key follows), and gives the file's path, for the job
  // to copy and check (*owned: a store file, for the caller to delete once copied). False when
  // nothing cached has it.
  bool Release(const std::string& info_hash, int* key, std::string* path, bool* owned);
  // A seed of the content (info-hash, hex) whose file is as it was when its pieces were last
  // verified (same size, mtime, inode, boot): its path and its torrent's layout, for a new job
  // to copy without a check and without stopping the seed. False otherwise (nothing cached,
  // not checked yet, or changed since: Release it and let the job's torrent check the copy).
  bool Verified(const std::string& info_hash, std::string* path, TorrentLayout* layout) const;
  // Whether a seed serves the content of `metainfo` already (another file of it is redundant).
  bool Serves(const std::string& metainfo) const;

 private:
  struct Cached {
    int key = -1;
    std::string dir;
    std::string file_name;
    std::int64_t added_ns = 0;
    std::string info_hash;
    TorrentLayout layout;
    FileStamp verified;  // the file when its pieces were last known good; size -1: not known
    bool owned = false;  // the service store's: deleted when it leaves
  };
  // Stops serving what is past the limits (the file stays).
  void Apply();
  // DOAbsoluteMaxCacheSize, else DOMaxCacheSize's percentage of the disk holding `dir` (the
  // newest file's folder); 0 = no limit.
  std::uint64_t SizeLimit(const std::string& dir) const;

  const EngineOptions& options_;
  JobStore* const store_;
  Swarm& swarm_;
  ResumeBook& resume_;
  const Clock& clock_;
  DiskBytes disk_bytes_;
  std::vector<Cached> cached_;  // oldest first
  std::uint64_t evictions_ = 0;
  double last_check_s_ = 0;
};

}  // namespace shoal::engine
