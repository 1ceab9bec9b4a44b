#include "engine/seed_cache.h"

#include <sys/statvfs.h>
#include <unistd.h>

#include <algorithm>

#include "engine/cache_limits.h"
#include "engine/log.h"
#include "engine/metainfo.h"

namespace shoal::engine {
namespace {

constexpr double kCacheCheckS = 60;

std::string InfoHashOf(const std::string& metainfo) {
  MetainfoSummary summary;
  std::string error;
  return hr::Succeeded(ReadMetainfo(metainfo, &summary, &error)) ? summary.info_hash : "";
}

}  // namespace

SeedCache::SeedCache(const EngineOptions& options, JobStore* store, Swarm& swarm,
                     ResumeBook& resume, const Clock& clock, DiskBytes disk_bytes)
    : options_(options),
      store_(store),
      swarm_(swarm),
      resume_(resume),
      clock_(clock),
      disk_bytes_(disk_bytes ? std::move(disk_bytes) : [](const std::string& dir) {
        struct statvfs st {};
        return ::statvfs(dir.c_str(), &st) == 0
                   ? static_cast<std::uint64_t>(st.f_blocks) * st.f_frsize
                   : std::uint64_t{0};
      }) {}

std::uint64_t SeedCache::SizeLimit(const std::string& dir) const {
  if (options_.absolute_max_cache_size_bytes != 0 || options_.max_cache_size_percent == 0 ||
      dir.empty()) {
    return options_.absolute_max_cache_size_bytes;
  }
  const std::uint64_t disk = disk_bytes_(dir);
  return disk == 0 ? 0 : std::max<std::uint64_t>(disk / 100 * options_.max_cache_size_percent, 1);
}

void SeedCache::Restore(std::string* warnings) {
  if (store_ == nullptr) return;
  std::vector<StoredSeed> seeds = store_->LoadSeeds(warnings);
  std::vector<CachedFile> files;
  for (const StoredSeed& s : seeds) {
    files.push_back({s.added_ns, StampFile(s.dir + "/" + s.file_name).size});
  }
  const std::vector<bool> keep =
      WithinCacheLimits(files, clock_.WallNs(), options_.max_cache_age_s,
                        SizeLimit(seeds.empty() ? std::string() : seeds.back().dir));
  for (std::size_t i = 0; i < seeds.size(); ++i) {
    const StoredSeed& s = seeds[i];
    const std::string path = s.dir + "/" + s.file_name;
    std::string error;
    if (!options_.seed_after_complete || !keep[i]) {
      // The file itself stays when it is the user's; the store's own goes with its seed.
      store_->RemoveSeed(s.dir, s.file_name, &error);
      resume_.Forget(path);
      if (s.owned) ::unlink(path.c_str());
      if (options_.seed_after_complete) ++evictions_;  // else not evicted: seeding is off
      continue;
    }
    Swarm::AddParams params;
    params.metainfo = s.metainfo;
    params.save_dir = s.dir;
    params.file_name = s.file_name;
    // Resume data only while the file is as it was when saved; else it is hashed, since the
    // user may have changed it.
    params.resume = resume_.For(path);
    TorrentLayout layout;
    int key = -1;
    if (hr::Failed(swarm_.Add(params, &key, &layout, &error))) {
      *warnings += "cannot serve " + s.file_name + " again: " + error + "\n";
      store_->RemoveSeed(s.dir, s.file_name, &error);
      resume_.Forget(path);
      if (s.owned) ::unlink(path.c_str());
      continue;
    }
    resume_.Keep(key, path);
    // Its state is known once the session's check (resume data or hashing) found it whole.
    cached_.push_back(
        {key, s.dir, s.file_name, s.added_ns, InfoHashOf(s.metainfo), layout, {}, s.owned});
  }
}

void SeedCache::Serve(int key, const std::string& metainfo, const std::string& dir,
                      const std::string& file_name, const TorrentLayout& layout, bool owned) {
  const std::int64_t now = clock_.WallNs();
  std::string error;
  if (store_ != nullptr && !store_->PutSeed({metainfo, dir, file_name, now, owned}, &error)) {
    Logf(LogLevel::kWarning, "store", "cannot save seed %s: %s", file_name.c_str(), error.c_str());
  }
  // The same path completed again: what was served from it is gone, replaced by this.
  std::erase_if(cached_, [&](const Cached& s) {
    if (s.dir != dir || s.file_name != file_name) return false;
    swarm_.Remove(s.key);
    return true;
  });
  cached_.push_back({key, dir, file_name, now, InfoHashOf(metainfo), layout,
                     StampFile(dir + "/" + file_name), owned});
  resume_.Keep(key, dir + "/" + file_name);
  Apply();  // the newest seed may push older content out
}

bool SeedCache::Release(const std::string& info_hash, int* key, std::string* path, bool* owned) {
  auto it = std::find_if(cached_.begin(), cached_.end(), [&](const Cached& s) {
    return !info_hash.empty() && s.info_hash == info_hash;
  });
  if (it == cached_.end()) return false;
  *key = it->key;
  *path = it->dir + "/" + it->file_name;
  *owned = it->owned;
  swarm_.Remove(it->key);
  std::string error;
  if (store_ != nullptr && !store_->RemoveSeed(it->dir, it->file_name, &error)) {
    Logf(LogLevel::kWarning, "store", "cannot forget seed %s: %s", it->file_name.c_str(),
         error.c_str());
  }
  resume_.Forget(*path);
  cached_.erase(it);
  return true;
}

void SeedCache::Checked(int key, bool whole) {
  for (Cached& s : cached_) {
    if (s.key == key) s.verified = whole ? StampFile(s.dir + "/" + s.file_name) : FileStamp{};
  }
}

bool SeedCache::Verified(const std::string& info_hash, std::string* path,
                         TorrentLayout* layout) const {
  for (const Cached& s : cached_) {
    if (info_hash.empty() || s.info_hash != info_hash || s.verified.size < 0) continue;
    const std::string at = s.dir + "/" + s.file_name;
    if (!(StampFile(at) == s.verified)) continue;  // changed since: only a check can tell
    *path = at;
    *layout = s.layout;
    return true;
  }
  return false;
}

bool SeedCache::Serves(const std::string& metainfo) const {
  const std::string info_hash = InfoHashOf(metainfo);
  return std::any_of(cached_.begin(), cached_.end(), [&](const Cached& s) {
    return !info_hash.empty() && s.info_hash == info_hash;
  });
}

void SeedCache::Check(double now_s) {
  if (now_s - last_check_s_ < kCacheCheckS) return;
  last_check_s_ = now_s;
  Apply();
}

void SeedCache::Apply() {
  std::vector<CachedFile> files;
  for (const Cached& s : cached_) {
    files.push_back({s.added_ns, StampFile(s.dir + "/" + s.file_name).size});
  }
  const std::vector<bool> keep =
      WithinCacheLimits(files, clock_.WallNs(), options_.max_cache_age_s,
                        SizeLimit(cached_.empty() ? std::string() : cached_.back().dir));
  std::vector<Cached> kept;
  for (std::size_t i = 0; i < cached_.size(); ++i) {
    Cached& s = cached_[i];
    if (keep[i]) {
      kept.push_back(std::move(s));
      continue;
    }
    // Stops serving it (the session lets go of the file, never deletes it) and forgets it.
    swarm_.Remove(s.key);
    std::string error;
    if (store_ != nullptr && !store_->RemoveSeed(s.dir, s.file_name, &error)) {
      Logf(LogLevel::kWarning, "store", "cannot forget seed %s: %s", s.file_name.c_str(),
           error.c_str());
    }
    resume_.Forget(s.dir + "/" + s.file_name);
    ++evictions_;
    // A store file nobody else holds goes with its seed (the session let go of it only once
    // its torrent is removed; unlinking an open file is safe on Linux).
    if (s.owned) ::unlink((s.dir + "/" + s.file_name).c_str());
    Logf(LogLevel::kInfo, "cache",
         "%s/%s left the cache (DOMaxCacheAge, DOAbsoluteMaxCacheSize, or the file is gone): "
         "no longer served to peers",
         s.dir.c_str(), s.file_name.c_str());
  }
  cached_ = std::move(kept);
}

}  // namespace shoal::engine
