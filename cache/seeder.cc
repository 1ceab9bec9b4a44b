#include "cache/seeder.h"

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <map>
#include <mutex>
#include <thread>

#include "cache/metainfo_service.h"

namespace shoal::cache {
namespace fs = std::filesystem;

std::string SeedFileName(const std::string& url) {
  std::string name = url.substr(0, url.find('?'));
  name = name.substr(name.rfind('/') + 1);
  if (name.empty() || name == "." || name == "..") name = "content";
  return name;
}

double SeedRetryDelayS(int failures) {
  double delay = kSeedRetryFirstS;
  for (int i = 1; i < failures && delay < kSeedRetryMaxS; ++i) delay *= 2;
  return std::min(delay, kSeedRetryMaxS);
}

struct Seeder::State {
  mutable std::mutex mu;
  std::condition_variable cv;
  bool stop = false;
  bool poked = false;
  // "sha256 url" -> its folder under root/seeds; failed ones wait for their next try.
  std::map<std::string, fs::path> seeded;
  struct Retry {
    int failures = 0;
    std::chrono::steady_clock::time_point next;
  };
  std::map<std::string, Retry> failed;
  std::uint64_t next_dir = 0;
  std::thread thread;
};

Seeder::Seeder(Store* store, fs::path root, SeedHooks hooks)
    : store_(store),
      root_(std::move(root)),
      hooks_(std::move(hooks)),
      state_(std::make_unique<State>()) {
  std::error_code ec;
  fs::remove_all(root_ / "seeds", ec);  // the engine forgot them with the last process
  state_->thread = std::thread([this] { Run(); });
}

Seeder::~Seeder() {
  {
    std::lock_guard lock(state_->mu);
    state_->stop = true;
  }
  state_->cv.notify_all();
  state_->thread.join();
}

void Seeder::Poke() {
  {
    std::lock_guard lock(state_->mu);
    state_->poked = true;
  }
  state_->cv.notify_all();
}

std::uint64_t Seeder::seeds() const {
  std::lock_guard lock(state_->mu);
  return state_->seeded.size();
}

std::uint64_t Seeder::BytesToPeers() const {
  return hooks_.bytes_to_peers ? hooks_.bytes_to_peers() : 0;
}

void Seeder::Run() {
  std::unique_lock lock(state_->mu);
  while (!state_->stop) {
    lock.unlock();
    store_->Evict();
    if (seeding()) Reconcile();
    lock.lock();
    state_->cv.wait_for(lock, std::chrono::seconds(1),
                        [this] { return state_->stop || state_->poked; });
    state_->poked = false;
  }
}

void Seeder::Reconcile() {
  std::map<std::string, EntryMeta> want;
  for (EntryMeta& m : store_->List()) want.emplace(m.sha256 + " " + m.url, std::move(m));
  std::error_code ec;
  // What left the store stops being served, and its link goes (the disk space with it).
  std::vector<fs::path> gone;
  {
    std::lock_guard lock(state_->mu);
    std::erase_if(state_->failed, [&](const auto& f) { return !want.count(f.first); });
    for (auto it = state_->seeded.begin(); it != state_->seeded.end();) {
      if (want.count(it->first)) {
        ++it;
        continue;
      }
      gone.push_back(it->second);
      it = state_->seeded.erase(it);
    }
  }
  for (const fs::path& dir : gone) {
    if (hooks_.unseed) hooks_.unseed(dir.string());
    fs::remove_all(dir, ec);
  }
  for (const auto& [key, m] : want) {
    fs::path dir;
    {
      std::lock_guard lock(state_->mu);
      if (state_->stop) return;
      if (state_->seeded.count(key)) continue;
      const auto retry = state_->failed.find(key);
      if (retry != state_->failed.end() && std::chrono::steady_clock::now() < retry->second.next) {
        continue;
      }
      dir = root_ / "seeds" / std::to_string(state_->next_dir++);
    }
    const fs::path file = dir / SeedFileName(m.url);
    std::string torrent, error;
    fs::create_directories(dir, ec);
    if (!ec) fs::create_hard_link(root_ / "objects" / m.sha256, file, ec);
    if (ec) error = ec.message();  // evicted meanwhile: the next round forgets it
    const bool ok =
        !ec && MakeNodeMetainfo(file.string(), m.url, (root_ / "tmp").string(), &torrent, &error) &&
        hooks_.seed(torrent, dir.string(), &error);
    std::lock_guard lock(state_->mu);
    if (ok) {
      state_->seeded.emplace(key, dir);
      state_->failed.erase(key);
    } else {
      State::Retry& retry = state_->failed[key];
      const double delay = SeedRetryDelayS(++retry.failures);
      retry.next = std::chrono::steady_clock::now() +
                   std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                       std::chrono::duration<double>(delay));
      std::fprintf(stderr, "cache node: not seeding %s: %s (try %d; next in %.0f s)\n",
                   m.url.c_str(), error.c_str(), retry.failures, delay);
      fs::remove_all(dir, ec);
    }
  }
}

}  // namespace shoal::cache
