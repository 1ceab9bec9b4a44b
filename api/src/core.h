// Core: what every facade object of one manager shares — the engine, the callback dispatcher,
// the job-handle table (one live COM object per job, for IUnknown identity) and the
// SetNotifyInterface registrations. Thread-safe; never calls client code under its lock.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "api/src/com_object.h"
#include "engine/engine.h"
#include "shoal/shoal.h"

namespace shoal::api {

class CallbackDispatcher;
class JobObject;

// A job's notification registration: the client's interface (one reference held) and the
// job's notify flags, cached here so the dispatcher needn't ask the engine on every event.
struct Registration {
  IUnknown* callback = nullptr;
  std::shared_ptr<const engine::JobView> view;
  std::uint32_t flags = 0;
};

class Core : public std::enable_shared_from_this<Core> {
 public:
  static HRESULT Create(const Options& options, std::shared_ptr<Core>* out, std::string* error);
  ~Core();

  engine::Engine& engine() { return *engine_; }

  // The job's COM object, AddRef'd: the live one if there is one, else a new one.
  JobObject* JobHandle(const std::shared_ptr<const engine::JobView>& view);
  // Called by a JobObject's destructor.
  void ForgetJobHandle(const engine::Uuid& id, const JobObject* handle);

  // Registrations. SetCallback takes over one reference of `callback` (null drops the
  // registration). Each returns the interface it replaced or dropped (a reference the caller
  // must Release, outside the engine thread) or null.
  IUnknown* SetCallback(const std::shared_ptr<const engine::JobView>& view, IUnknown* callback,
                        std::uint32_t flags);
  IUnknown* DropCallback(const engine::Uuid& id);
  void SetFlags(const engine::Uuid& id, std::uint32_t flags);
  // The registered interface, AddRef'd, or null.
  IUnknown* GetCallback(const engine::Uuid& id);
  // False when the job has no registration; otherwise `out->callback` is AddRef'd.
  bool GetRegistration(const engine::Uuid& id, Registration* out);

 private:
  Core() = default;

  std::mutex mu_;
  std::map<engine::Uuid, JobObject*, UuidLess> handles_;
  std::map<engine::Uuid, Registration, UuidLess> registrations_;
  // Declared before engine_ so it outlives it: the engine holds it as its observer.
  std::unique_ptr<CallbackDispatcher> dispatcher_;
  std::unique_ptr<engine::Engine> engine_;
};

// "ip:port" or "[v6]:port" with a numeric port <= 65535.
bool ValidEndpoint(const std::string& text);

}  // namespace shoal::api
