// Core: what every facade object of one manager shares — the Backend, the callback dispatcher
// (the backend's event sink), the job-object table (one live COM object per job, for IUnknown
// identity) and the SetNotifyInterface registrations. Thread-safe; never calls client code
// under its lock.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>

#include "api/src/backend.h"
#include "api/src/com_object.h"
#include "engine/mutex.h"
#include "engine/options.h"
#include "shoal/shoal.h"

namespace shoal::api {

class CallbackDispatcher;
class JobObject;

// A job's notification registration: the client's interface (one reference held) and the
// job's notify flags, cached here so the dispatcher needn't ask the backend on every event.
struct Registration {
  IUnknown* callback = nullptr;
  std::shared_ptr<const JobHandle> job;
  std::uint32_t flags = 0;
};

// Makes the Core's backend, which pushes its events to `events`. Null on failure, with why.
using BackendFactory =
    std::function<std::unique_ptr<Backend>(BackendEvents* events, std::string* error)>;

class Core : public std::enable_shared_from_this<Core> {
 public:
  // A Core over an in-process engine configured by `options`.
  static HRESULT Create(const Options& options, std::shared_ptr<Core>* out, std::string* error);
  // A Core over whatever backend `make` returns (E_FAIL when it returns null).
  static HRESULT Create(const BackendFactory& make, std::shared_ptr<Core>* out, std::string* error);
  ~Core();

  Backend& backend() { return *backend_; }

  // The job's COM object, AddRef'd: the live one if there is one, else a new one.
  JobObject* JobObjectFor(const std::shared_ptr<const JobHandle>& job);
  // Called by a JobObject's destructor.
  void ForgetJobObject(const Uuid& id, const JobObject* object);

  // Registrations. SetCallback takes over one reference of `callback` (null drops the
  // registration). Each returns the interface it replaced or dropped (a reference the caller
  // must Release, outside any backend thread) or null.
  IUnknown* SetCallback(const std::shared_ptr<const JobHandle>& job, IUnknown* callback,
                        std::uint32_t flags);
  IUnknown* DropCallback(const Uuid& id);
  // Undoes a SetCallback that stored `stored` (maybe null) and took out `replaced` (registered
  // with `flags`), unless the registration changed since. Returns the reference the caller
  // must Release: `stored` when undone, else `replaced`.
  IUnknown* RestoreCallback(const std::shared_ptr<const JobHandle>& job, IUnknown* stored,
                            IUnknown* replaced, std::uint32_t flags);
  // Returns the flags replaced (0 without a registration).
  std::uint32_t SetFlags(const Uuid& id, std::uint32_t flags);
  // Has the dispatcher deliver `event` as if the backend had raised it now.
  void Redeliver(const BackendEvent& event);
  // The registered interface, AddRef'd, or null.
  IUnknown* GetCallback(const Uuid& id);
  // False when the job has no registration; otherwise `out->callback` is AddRef'd.
  bool GetRegistration(const Uuid& id, Registration* out);

 private:
  Core() = default;

  engine::Mutex mu_;
  std::map<Uuid, JobObject*, UuidLess> objects_ GUARDED_BY(mu_);
  std::map<Uuid, Registration, UuidLess> registrations_ GUARDED_BY(mu_);
  // Declared before backend_ so it outlives it: the backend holds it as its event sink.
  std::unique_ptr<CallbackDispatcher> dispatcher_;
  std::unique_ptr<Backend> backend_;
};

// "ip:port" or "[v6]:port" with a numeric port <= 65535.
bool ValidEndpoint(const std::string& text);

}  // namespace shoal::api
