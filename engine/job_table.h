// JobTable: every job of the engine (final ones included, in creation order), by id, and
// which job file owns each session torrent. The one owner of Job objects. Engine-thread only.
#pragma once

#include <memory>
#include <unordered_map>
#include <vector>

#include "engine/job.h"

namespace shoal::engine {

struct UuidHash {
  std::size_t operator()(const Uuid& u) const {
    return std::hash<std::uint64_t>()((std::uint64_t{u.data1} << 32) ^ (u.data2 << 16) ^ u.data3 ^
                                      (std::uint64_t{u.data4[7]} << 40));
  }
};

class JobTable {
 public:
  // A fresh random id no job has.
  Uuid NewId() const;
  Job& Add(std::unique_ptr<Job> job);
  Job* Find(const Uuid& id) const;
  // Jobs not in a final state.
  std::size_t LiveCount() const;
  template <typename Fn>
  void ForEachLive(Fn fn) {
    for (auto& job : jobs_) {
      if (!IsFinal(job->state)) fn(*job);
    }
  }
  const std::vector<std::unique_ptr<Job>>& all() const { return jobs_; }

  // Session torrents of job files.
  struct Owner {
    Job* job = nullptr;
    int file = -1;
  };
  void Own(int key, Job& job, int file) { owners_[key] = {&job, file}; }
  void Disown(int key) { owners_.erase(key); }
  // Null when no job file owns the torrent (a seed, or removed).
  const Owner* OwnerOf(int key) const;

 private:
  std::vector<std::unique_ptr<Job>> jobs_;
  std::unordered_map<Uuid, Job*, UuidHash> by_id_;
  std::unordered_map<int, Owner> owners_;
};

}  // namespace shoal::engine
