// Seeder: the node's upkeep thread. It keeps every entry of the store seeded to LAN peers over
// BitTorrent (the node's deterministic v2 metainfo, through SeedHooks: shoald's engine; a
// failed seed is tried again with backoff) and runs the store's eviction once a second, so
// maximum age and entries once in use leave without waiting for the next fill. Owns
// root/seeds (hard links named as the metainfo names them). Thread-safe.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>

#include "cache/store.h"

namespace shoal::cache {

// How the node reaches a BitTorrent engine. No `seed` function: the node does not seed.
struct SeedHooks {
  // Serves `metainfo`, whose one file is under `dir`; blocks while its pieces are checked.
  // False with *error.
  std::function<bool(const std::string& metainfo, const std::string& dir, std::string* error)> seed;
  // Stops serving what `dir` held (null: the engine keeps the torrent, its file gone).
  std::function<void(const std::string& dir)> unseed;
  // Bytes the engine has uploaded to peers since it started.
  std::function<std::uint64_t()> bytes_to_peers;
  std::uint16_t port = 0;  // where peers reach the engine (X-Shoal-Seed-Port)
};

class Seeder {
 public:
  // `store` must outlive the seeder.
  Seeder(Store* store, std::filesystem::path root, SeedHooks hooks);
  ~Seeder();  // stops the thread (a seed being checked finishes first)
  Seeder(const Seeder&) = delete;
  Seeder& operator=(const Seeder&) = delete;

  bool seeding() const { return static_cast<bool>(hooks_.seed); }
  std::uint16_t port() const { return hooks_.port; }
  // Something was stored or removed: look now rather than within the second.
  void Poke();
  std::uint64_t seeds() const;  // entries seeded now
  std::uint64_t BytesToPeers() const;

  struct State;

 private:
  void Run();
  void Reconcile();
  Store* const store_;
  const std::filesystem::path root_;
  const SeedHooks hooks_;
  std::unique_ptr<State> state_;
};

// A failed seed (the link, the metainfo or the engine refused) is tried again after
// SeedRetryDelayS(failures so far): kSeedRetryFirstS, doubling, at most kSeedRetryMaxS.
inline constexpr double kSeedRetryFirstS = 2;
inline constexpr double kSeedRetryMaxS = 600;
double SeedRetryDelayS(int failures);

// The file name the node's metainfo gives `url`'s content (its last path segment).
std::string SeedFileName(const std::string& url);

}  // namespace shoal::cache
