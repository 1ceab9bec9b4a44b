// SeedCache: finished content served to peers after Complete (seed_after_complete) and again
// after a restart, kept within DOMaxCacheAge and DOAbsoluteMaxCacheSize (cache_limits.h) at
// start, at each new seed and once a minute. Content that leaves the cache stops being served
// and is forgotten by the store; the file itself is never deleted: after Complete it is the
// user's. Owns the list of cached seeds. Engine-thread only.
#pragma once

#include <cstdint>
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
  SeedCache(const EngineOptions& options, JobStore* store, Swarm& swarm, ResumeBook& resume,
            const Clock& clock);

  // Serves again what the store holds, within the limits; problems go to *warnings.
  void Restore(std::string* warnings);
  // Records (and stores) a file Complete just seeded as session torrent `key`; the same path
  // seeded before is replaced, and older content may leave the cache.
  void Serve(int key, const std::string& metainfo, const std::string& dir,
             const std::string& file_name);
  // Once a minute on the engine clock (`now_s`): what is past the limits leaves.
  void Check(double now_s);
  std::size_t size() const { return cached_.size(); }
  // A job wants content this cache serves (by its metainfo's info-hash, hex): stops serving it
  // and forgets it (a kRemoved event for *key follows), and gives the file's path, for the job
  // to copy and check. False when nothing cached has it.
  bool Release(const std::string& info_hash, int* key, std::string* path);

 private:
  struct Cached {
    int key = -1;
    std::string dir;
    std::string file_name;
    std::int64_t added_ns = 0;
    std::string info_hash;
  };
  // Stops serving what is past the limits (the file stays).
  void Apply();

  const EngineOptions& options_;
  JobStore* const store_;
  Swarm& swarm_;
  ResumeBook& resume_;
  const Clock& clock_;
  std::vector<Cached> cached_;  // oldest first
  double last_check_s_ = 0;
};

}  // namespace shoal::engine
