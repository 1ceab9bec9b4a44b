// Finished content served to peers from the cache (seed_after_complete), on the engine thread:
// what Complete seeds and what a restart serves again, kept within DOMaxCacheAge and
// DOAbsoluteMaxCacheSize at start, at each new seed and once a minute (engine clock). Content
// that leaves the cache stops being served and is forgotten by the store; the file itself is
// never deleted: after Complete it is the user's.
#include <cstdio>

#include "engine/cache_limits.h"
#include "engine/engine_impl.h"

namespace shoal::engine {
namespace {

constexpr double kCacheCheckS = 60;

}  // namespace

void Engine::Impl::RestoreSeeds() {
  std::vector<StoredSeed> seeds = store_->LoadSeeds(&store_warnings_);
  std::vector<CachedFile> files;
  for (const StoredSeed& s : seeds) {
    files.push_back({s.added_ns, StampFile(s.dir + "/" + s.file_name).size});
  }
  const std::vector<bool> keep = WithinCacheLimits(files, WallNs(), options_.max_cache_age_s,
                                                   options_.absolute_max_cache_size_bytes);
  for (std::size_t i = 0; i < seeds.size(); ++i) {
    const StoredSeed& s = seeds[i];
    const std::string path = s.dir + "/" + s.file_name;
    std::string error;
    if (!options_.seed_after_complete || !keep[i]) {
      store_->RemoveSeed(s.dir, s.file_name, &error);  // the file itself stays: it is the user's
      ForgetResume(path);
      continue;
    }
    TorrentSession::AddParams params;
    params.metainfo = s.metainfo;
    params.save_dir = s.dir;
    params.file_name = s.file_name;
    // Resume data only while the file is as it was when saved; else it is hashed, since the
    // user may have changed it.
    params.resume = ResumeFor(path);
    TorrentLayout layout;
    int key = -1;
    if (hr::Failed(session_->Add(params, &key, &layout, &error))) {
      store_warnings_ += "cannot serve " + s.file_name + " again: " + error + "\n";
      store_->RemoveSeed(s.dir, s.file_name, &error);
      ForgetResume(path);
      continue;
    }
    owners_[key] = {nullptr, -1};
    KeepResume(key, path);
    cached_.push_back({key, s.dir, s.file_name, s.added_ns});
  }
}

void Engine::Impl::ServeSeed(int key, const std::string& metainfo, const std::string& dir,
                             const std::string& file_name) {
  owners_[key] = {nullptr, -1};
  const std::int64_t now = WallNs();
  std::string error;
  if (store_ && !store_->PutSeed({metainfo, dir, file_name, now}, &error)) {
    std::fprintf(stderr, "shoal: cannot save seed %s: %s\n", file_name.c_str(), error.c_str());
  }
  // The same path completed again: what was served from it is gone, replaced by this.
  std::erase_if(cached_, [&](const CachedSeed& s) {
    if (s.dir != dir || s.file_name != file_name) return false;
    owners_.erase(s.key);
    session_->Remove(s.key);
    return true;
  });
  cached_.push_back({key, dir, file_name, now});
  KeepResume(key, dir + "/" + file_name);
  ApplyCacheLimits();  // the newest seed may push older content out
}

void Engine::Impl::CheckCacheLimits() {
  const double now = NowS();
  if (now - last_cache_check_s_ < kCacheCheckS) return;
  last_cache_check_s_ = now;
  ApplyCacheLimits();
}

void Engine::Impl::ApplyCacheLimits() {
  std::vector<CachedFile> files;
  for (const CachedSeed& s : cached_) {
    files.push_back({s.added_ns, StampFile(s.dir + "/" + s.file_name).size});
  }
  const std::vector<bool> keep = WithinCacheLimits(files, WallNs(), options_.max_cache_age_s,
                                                   options_.absolute_max_cache_size_bytes);
  std::vector<CachedSeed> kept;
  for (std::size_t i = 0; i < cached_.size(); ++i) {
    CachedSeed& s = cached_[i];
    if (keep[i]) {
      kept.push_back(std::move(s));
      continue;
    }
    // Stops serving it (libtorrent lets go of the file, never deletes it) and forgets it.
    owners_.erase(s.key);
    session_->Remove(s.key);
    std::string error;
    if (store_ && !store_->RemoveSeed(s.dir, s.file_name, &error)) {
      std::fprintf(stderr, "shoal: cannot forget seed %s: %s\n", s.file_name.c_str(),
                   error.c_str());
    }
    ForgetResume(s.dir + "/" + s.file_name);
    std::fprintf(stderr,
                 "shoal: %s/%s left the cache (DOMaxCacheAge, DOAbsoluteMaxCacheSize, "
                 "or the file is gone): no longer served to peers\n",
                 s.dir.c_str(), s.file_name.c_str());
  }
  cached_ = std::move(kept);
}

}  // namespace shoal::engine
