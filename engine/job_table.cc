#include "engine/job_table.h"

namespace shoal::engine {

Uuid JobTable::NewId() const {
  Uuid id = Uuid::Random();
  while (by_id_.count(id)) id = Uuid::Random();
  return id;
}

Job& JobTable::Add(std::unique_ptr<Job> job) {
  Job& ref = *job;
  by_id_[job->view->id] = job.get();
  jobs_.push_back(std::move(job));
  return ref;
}

Job* JobTable::Find(const Uuid& id) const {
  auto it = by_id_.find(id);
  return it == by_id_.end() ? nullptr : it->second;
}

std::size_t JobTable::LiveCount() const {
  std::size_t n = 0;
  for (const auto& job : jobs_) n += IsFinal(job->state) ? 0 : 1;
  return n;
}

const JobTable::Owner* JobTable::OwnerOf(int key) const {
  auto it = owners_.find(key);
  return it == owners_.end() || it->second.job == nullptr ? nullptr : &it->second;
}

}  // namespace shoal::engine
