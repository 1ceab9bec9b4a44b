#include "api/src/in_process_backend.h"

#include <utility>

#include "engine/engine.h"

namespace shoal::api {
namespace {

// A job's handle over its JobView: the cells are the view's own atomics and seqlocks.
class ViewHandle final : public JobHandle {
 public:
  explicit ViewHandle(std::shared_ptr<const engine::JobView> view)
      : JobHandle(view->id, view.get()), view_(std::move(view)) {}

  std::size_t FileCount() const override { return view_->FileCount(); }
  FileProgress GetFileProgress(std::size_t index) const override {
    return view_->GetFileProgress(index);
  }
  SourceBytes GetFileSources(std::size_t index) const override {
    return view_->GetFileSources(index);
  }

 private:
  const std::shared_ptr<const engine::JobView> view_;  // holds the cells
};

std::shared_ptr<const JobHandle> Wrap(std::shared_ptr<const engine::JobView> view) {
  if (!view) return nullptr;
  return std::make_shared<const ViewHandle>(std::move(view));
}

// Forwards the engine thread's observer calls to the sink, as values.
class Forwarder final : public engine::JobObserver {
 public:
  explicit Forwarder(BackendEvents* events) : events_(events) {}
  void OnJobEvent(const Uuid& job, JobEvent event) override { events_->OnJobEvent({job, event}); }

 private:
  BackendEvents* const events_;
};

class InProcessBackend final : public Backend {
 public:
  explicit InProcessBackend(BackendEvents* events) : forwarder_(events) {}

  bool Start(const engine::EngineOptions& options, std::string* error) {
    engine_ = engine::Engine::Start(options, &forwarder_, error);
    return engine_ != nullptr;
  }

  std::string ListenEndpoint() const override { return engine_->ListenEndpoint(); }

  hr::HResult CreateJob(const std::string& display_name,
                        std::shared_ptr<const JobHandle>* job) override {
    std::shared_ptr<const engine::JobView> view;
    const hr::HResult h = engine_->CreateJob(display_name, &view);
    if (hr::Succeeded(h)) *job = Wrap(std::move(view));
    return h;
  }
  std::shared_ptr<const JobHandle> FindJob(const Uuid& id) const override {
    return Wrap(engine_->FindJob(id));
  }
  std::vector<std::shared_ptr<const JobHandle>> ListJobs(bool /*all_users*/) const override {
    std::vector<std::shared_ptr<const JobHandle>> jobs;
    for (auto& view : engine_->ListJobs()) jobs.push_back(Wrap(std::move(view)));
    return jobs;
  }

  hr::HResult AddFiles(const Uuid& id, std::vector<FileSpec> files) override {
    return engine_->AddFiles(id, std::move(files));
  }
  hr::HResult AddRanges(const Uuid& id, std::size_t file,
                        std::vector<engine::ByteRange> ranges) override {
    return engine_->AddRanges(id, file, std::move(ranges));
  }
  hr::HResult Resume(const Uuid& id) override { return engine_->Resume(id); }
  hr::HResult Suspend(const Uuid& id) override { return engine_->Suspend(id); }
  hr::HResult Cancel(const Uuid& id) override { return engine_->Cancel(id); }
  hr::HResult Complete(const Uuid& id) override { return engine_->Complete(id); }
  hr::HResult GetProperties(const Uuid& id, JobProperties* out) const override {
    return engine_->GetProperties(id, out);
  }
  hr::HResult SetProperties(const Uuid& id, const JobPropertiesPatch& patch) override {
    // Applied on the engine thread against the live properties, so patches never lose each
    // other's fields.
    return engine_->SetProperties(id, [&](JobProperties& p) { return ApplyPatch(patch, &p); });
  }
  hr::HResult GetFiles(const Uuid& id, std::vector<FileInfo>* out) const override {
    return engine_->GetFiles(id, out);
  }
  hr::HResult GetError(const Uuid& id, JobErrorInfo* out) const override {
    return engine_->GetError(id, out);
  }
  hr::HResult AddSeed(const std::string& metainfo, const std::string& dir,
                      std::string* error) override {
    return engine_->AddSeed(metainfo, dir, error);
  }
  hr::HResult RemoveSeed(const std::string& dir) override { return engine_->RemoveSeed(dir); }
  EngineStats GetStats() const override { return engine_->GetStats(); }

 private:
  Forwarder forwarder_;  // declared first: outlives the engine that calls it
  std::unique_ptr<engine::Engine> engine_;
};

}  // namespace

std::unique_ptr<Backend> StartInProcessBackend(const engine::EngineOptions& options,
                                               BackendEvents* events, std::string* error) {
  auto backend = std::make_unique<InProcessBackend>(events);
  std::string why;
  if (!backend->Start(options, &why)) {
    if (error != nullptr) *error = why.empty() ? "the engine failed to start" : why;
    return nullptr;
  }
  return backend;
}

}  // namespace shoal::api
