// FakeBackend: an in-memory api::Backend for facade tests — jobs, properties, files and errors
// in maps, job handles the test sets field by field, and events the test pushes (from any
// thread) to the facade's sink. Proves the COM objects need nothing of the engine.
// Thread-safe.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "api/src/backend.h"
#include "api/src/com_object.h"

namespace shoal::testing {

class FakeJobHandle;

class FakeBackend final : public api::Backend {
 public:
  explicit FakeBackend(api::BackendEvents* events) : events_(events) {}
  ~FakeBackend() override;

  // api::Backend
  std::string ListenEndpoint() const override { return "127.0.0.1:6881"; }
  hr::HResult CreateJob(const std::string& display_name,
                        std::shared_ptr<const api::JobHandle>* job) override;
  std::shared_ptr<const api::JobHandle> FindJob(const api::Uuid& id) const override;
  std::vector<std::shared_ptr<const api::JobHandle>> ListJobs(bool all_users) const override;
  hr::HResult AddFiles(const api::Uuid& id, std::vector<api::FileSpec> files) override;
  hr::HResult AddRanges(const api::Uuid&, std::size_t, std::vector<engine::ByteRange>) override {
    return hr::kNotImpl;
  }
  hr::HResult Resume(const api::Uuid& id) override;
  hr::HResult Suspend(const api::Uuid& id) override;
  hr::HResult Cancel(const api::Uuid& id) override;
  hr::HResult Complete(const api::Uuid& id) override;
  hr::HResult GetProperties(const api::Uuid& id, api::JobProperties* out) const override;
  hr::HResult SetProperties(const api::Uuid& id, const api::JobPropertiesPatch& patch) override;
  hr::HResult GetFiles(const api::Uuid& id, std::vector<api::FileInfo>* out) const override;
  hr::HResult GetError(const api::Uuid& id, api::JobErrorInfo* out) const override;
  hr::HResult AddSeed(const std::string& metainfo, const std::string& dir,
                      std::string* error) override;
  api::EngineStats GetStats() const override;

  // The test's side. A job id the fake does not know is ignored.
  void SetState(const api::Uuid& id, api::JobState state);
  void SetProgress(const api::Uuid& id, const api::JobProgress& progress);
  void SetSources(const api::Uuid& id, const api::SourceBytes& bytes,
                  const api::JobActivity& activity);
  void SetFile(const api::Uuid& id, std::size_t index, const api::FileProgress& progress,
               const api::SourceBytes& bytes);
  // Puts the job in `state` (ERROR or TRANSIENT_ERROR) with `info`, counts the error, and
  // pushes JobError.
  void Fail(const api::Uuid& id, api::JobState state, const api::JobErrorInfo& info);
  void Push(const api::BackendEvent& event) { events_->OnJobEvent(event); }
  void set_stats(const api::EngineStats& stats);
  // The next SetProperties fails with `h` and changes nothing (a service that went away).
  void FailNextPatch(hr::HResult h);
  // Every patch SetProperties applied, in order.
  std::vector<api::JobPropertiesPatch> patches() const;

 private:
  struct Job {
    std::shared_ptr<FakeJobHandle> handle;
    api::JobProperties props;
    std::vector<api::FileSpec> files;
    api::JobErrorInfo error;
    bool has_error = false;
  };
  Job* Find(const api::Uuid& id) const;  // requires mu_

  api::BackendEvents* const events_;
  mutable std::mutex mu_;
  std::uint32_t next_id_ = 0;
  std::map<api::Uuid, Job, api::UuidLess> jobs_;
  std::vector<api::Uuid> order_;
  std::vector<api::JobPropertiesPatch> patches_;
  hr::HResult fail_next_patch_ = hr::kOk;
  api::EngineStats stats_;
};

}  // namespace shoal::testing
