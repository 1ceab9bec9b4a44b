#include "tests/support/fake_backend.h"

#include <utility>

namespace shoal::testing {

// The job-wide cells are written by the test's thread under the fake's mutex (one writer at a
// time, as the seam requires); the per-file records sit under the handle's own mutex.
class FakeJobHandle final : public api::JobHandle {
 public:
  explicit FakeJobHandle(const api::Uuid& id) : JobHandle(id, &cells_) {}

  std::size_t FileCount() const override {
    std::lock_guard lock(mu_);
    return files_.size();
  }
  api::FileProgress GetFileProgress(std::size_t index) const override {
    std::lock_guard lock(mu_);
    return index < files_.size() ? files_[index] : api::FileProgress{};
  }
  api::SourceBytes GetFileSources(std::size_t index) const override {
    std::lock_guard lock(mu_);
    return index < file_sources_.size() ? file_sources_[index] : api::SourceBytes{};
  }

  // The writer's side: each change also moves ModificationTime.
  void set_state(api::JobState s) {
    Touched();
    cells_.state.store(s);
  }
  void set_progress(const api::JobProgress& p) {
    Touched();
    cells_.progress.Store(p);
  }
  void set_sources(const api::SourceBytes& b, const api::JobActivity& a) {
    Touched();
    cells_.sources.Store(b);
    cells_.activity.Store(a);
  }
  void count_error() {
    Touched();
    cells_.error_count.fetch_add(1);
  }
  void set_creation() {
    api::JobTimes t = cells_.times.Load();
    t.creation_ns = t.modification_ns = 1;
    cells_.times.Store(t);
  }
  void Touched() {
    api::JobTimes t = cells_.times.Load();
    ++t.modification_ns;
    cells_.times.Store(t);
  }
  void AddFiles(std::size_t n) {
    Touched();
    std::lock_guard lock(mu_);
    files_.resize(files_.size() + n);
    file_sources_.resize(files_.size());
    api::JobProgress p = cells_.progress.Load();
    p.files_total = static_cast<std::uint32_t>(files_.size());
    cells_.progress.Store(p);
  }
  void SetFile(std::size_t index, const api::FileProgress& p, const api::SourceBytes& b) {
    std::lock_guard lock(mu_);
    if (index >= files_.size()) return;
    files_[index] = p;
    file_sources_[index] = b;
  }
  void CompleteFiles() {
    std::lock_guard lock(mu_);
    for (api::FileProgress& p : files_) p.completed = true;
  }

 private:
  api::JobCells cells_;
  mutable std::mutex mu_;
  std::vector<api::FileProgress> files_;
  std::vector<api::SourceBytes> file_sources_;
};

FakeBackend::~FakeBackend() = default;

FakeBackend::Job* FakeBackend::Find(const api::Uuid& id) const {
  auto it = jobs_.find(id);
  return it == jobs_.end() ? nullptr : const_cast<Job*>(&it->second);
}

hr::HResult FakeBackend::CreateJob(const std::string& display_name,
                                   std::shared_ptr<const api::JobHandle>* job) {
  std::lock_guard lock(mu_);
  api::Uuid id;
  id.data1 = ++next_id_;
  Job& j = jobs_[id];
  j.handle = std::make_shared<FakeJobHandle>(id);
  j.handle->set_creation();
  j.props.display_name = display_name;
  order_.push_back(id);
  *job = j.handle;
  return hr::kOk;
}

std::shared_ptr<const api::JobHandle> FakeBackend::FindJob(const api::Uuid& id) const {
  std::lock_guard lock(mu_);
  const Job* j = Find(id);
  if (j == nullptr || api::IsFinal(j->handle->State())) return nullptr;
  return j->handle;
}

std::vector<std::shared_ptr<const api::JobHandle>> FakeBackend::ListJobs(bool /*all_users*/) const {
  std::lock_guard lock(mu_);
  std::vector<std::shared_ptr<const api::JobHandle>> out;
  for (const api::Uuid& id : order_) {
    const Job* j = Find(id);
    if (!api::IsFinal(j->handle->State())) out.push_back(j->handle);
  }
  return out;
}

hr::HResult FakeBackend::AddFiles(const api::Uuid& id, std::vector<api::FileSpec> files) {
  std::lock_guard lock(mu_);
  Job* j = Find(id);
  if (j == nullptr) return hr::kBgENotFound;
  if (api::IsFinal(j->handle->State())) return hr::kBgEInvalidState;
  j->handle->AddFiles(files.size());
  for (auto& spec : files) j->files.push_back(std::move(spec));
  return hr::kOk;
}

hr::HResult FakeBackend::Resume(const api::Uuid& id) {
  std::lock_guard lock(mu_);
  Job* j = Find(id);
  if (j == nullptr) return hr::kBgENotFound;
  if (j->files.empty()) return hr::kBgEEmpty;
  if (api::IsFinal(j->handle->State())) return hr::kBgEInvalidState;
  j->handle->set_state(api::JobState::kQueued);
  return hr::kOk;
}

hr::HResult FakeBackend::Suspend(const api::Uuid& id) {
  std::lock_guard lock(mu_);
  Job* j = Find(id);
  if (j == nullptr) return hr::kBgENotFound;
  if (api::IsFinal(j->handle->State())) return hr::kBgEInvalidState;
  j->handle->set_state(api::JobState::kSuspended);
  return hr::kOk;
}

hr::HResult FakeBackend::Cancel(const api::Uuid& id) {
  std::lock_guard lock(mu_);
  Job* j = Find(id);
  if (j == nullptr) return hr::kBgENotFound;
  if (api::IsFinal(j->handle->State())) return hr::kBgEInvalidState;
  j->handle->set_state(api::JobState::kCancelled);
  return hr::kOk;
}

hr::HResult FakeBackend::Complete(const api::Uuid& id) {
  std::lock_guard lock(mu_);
  Job* j = Find(id);
  if (j == nullptr) return hr::kBgENotFound;
  if (j->handle->State() != api::JobState::kTransferred) return hr::kBgEInvalidState;
  j->handle->CompleteFiles();
  j->handle->set_state(api::JobState::kAcknowledged);
  return hr::kOk;
}

hr::HResult FakeBackend::GetProperties(const api::Uuid& id, api::JobProperties* out) const {
  std::lock_guard lock(mu_);
  const Job* j = Find(id);
  if (j == nullptr) return hr::kBgENotFound;
  *out = j->props;
  return hr::kOk;
}

hr::HResult FakeBackend::SetProperties(const api::Uuid& id, const api::JobPropertiesPatch& patch) {
  {
    std::lock_guard lock(mu_);
    Job* j = Find(id);
    if (j == nullptr) return hr::kBgENotFound;
    if (api::IsFinal(j->handle->State())) return hr::kBgEInvalidState;
    if (hr::Failed(fail_next_patch_)) return std::exchange(fail_next_patch_, hr::kOk);
    const hr::HResult h = api::ApplyPatch(patch, &j->props);
    if (hr::Failed(h)) return h;
    j->handle->Touched();
    patches_.push_back(patch);
  }
  Push({id, api::JobEvent::kModification});
  return hr::kOk;
}

hr::HResult FakeBackend::GetFiles(const api::Uuid& id, std::vector<api::FileInfo>* out) const {
  std::lock_guard lock(mu_);
  const Job* j = Find(id);
  if (j == nullptr) return hr::kBgENotFound;
  out->clear();
  for (const api::FileSpec& s : j->files) {
    out->push_back({s.remote_url, s.local_path, s.local_path + ".fake-part", s.client_path});
  }
  return hr::kOk;
}

hr::HResult FakeBackend::GetError(const api::Uuid& id, api::JobErrorInfo* out) const {
  std::lock_guard lock(mu_);
  const Job* j = Find(id);
  if (j == nullptr) return hr::kBgENotFound;
  const api::JobState s = j->handle->State();
  if ((s != api::JobState::kError && s != api::JobState::kTransientError) || !j->has_error) {
    return hr::kBgEErrorInformationUnavailable;
  }
  *out = j->error;
  return hr::kOk;
}

hr::HResult FakeBackend::AddSeed(const std::string&, const std::string&, std::string* error) {
  if (error != nullptr) *error = "the fake backend seeds nothing";
  return hr::kNotImpl;
}

api::EngineStats FakeBackend::GetStats() const {
  std::lock_guard lock(mu_);
  return stats_;
}

void FakeBackend::SetState(const api::Uuid& id, api::JobState state) {
  std::lock_guard lock(mu_);
  if (Job* j = Find(id)) j->handle->set_state(state);
}

void FakeBackend::SetProgress(const api::Uuid& id, const api::JobProgress& progress) {
  std::lock_guard lock(mu_);
  if (Job* j = Find(id)) j->handle->set_progress(progress);
}

void FakeBackend::SetSources(const api::Uuid& id, const api::SourceBytes& bytes,
                             const api::JobActivity& activity) {
  std::lock_guard lock(mu_);
  if (Job* j = Find(id)) j->handle->set_sources(bytes, activity);
}

void FakeBackend::SetFile(const api::Uuid& id, std::size_t index, const api::FileProgress& progress,
                          const api::SourceBytes& bytes) {
  std::lock_guard lock(mu_);
  if (Job* j = Find(id)) j->handle->SetFile(index, progress, bytes);
}

void FakeBackend::Fail(const api::Uuid& id, api::JobState state, const api::JobErrorInfo& info) {
  {
    std::lock_guard lock(mu_);
    Job* j = Find(id);
    if (j == nullptr) return;
    j->error = info;
    j->has_error = true;
    j->handle->count_error();
    j->handle->set_state(state);
  }
  Push({id, api::JobEvent::kError});
}

void FakeBackend::set_stats(const api::EngineStats& stats) {
  std::lock_guard lock(mu_);
  stats_ = stats;
}

void FakeBackend::FailNextPatch(hr::HResult h) {
  std::lock_guard lock(mu_);
  fail_next_patch_ = h;
}

std::vector<api::JobPropertiesPatch> FakeBackend::patches() const {
  std::lock_guard lock(mu_);
  return patches_;
}

}  // namespace shoal::testing
