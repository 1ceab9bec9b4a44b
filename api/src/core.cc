#include "api/src/core.h"

#include <utility>
#include <vector>

#include "api/src/callback_dispatcher.h"
#include "api/src/in_process_backend.h"
#include "api/src/job.h"
#include "engine/download_mode.h"
#include "engine/group_mode.h"

namespace shoal::api {

bool ValidEndpoint(const std::string& text) {
  const auto colon = text.rfind(':');
  if (colon == std::string::npos || colon + 1 == text.size() || colon + 6 < text.size()) {
    return false;
  }
  unsigned port = 0;
  for (std::size_t i = colon + 1; i < text.size(); ++i) {
    if (text[i] < '0' || text[i] > '9') return false;
    port = port * 10 + static_cast<unsigned>(text[i] - '0');
  }
  return port <= 65535;
}

HRESULT Core::Create(const Options& options, std::shared_ptr<Core>* out, std::string* error) {
  if (!ValidEndpoint(options.listen_interface)) {
    if (error != nullptr) {
      *error = "listen_interface \"" + options.listen_interface + "\": expected ip:port";
    }
    return E_INVALIDARG;
  }
  if (options.download_mode == engine::kDownloadModeGroup) {
    // Group mode without its credentials is a configuration error, never LAN mode.
    engine::GroupCredentials credentials;
    std::string why;
    if (!engine::LoadGroupCredentials(options, &credentials, &why)) {
      if (error != nullptr) *error = why;
      return E_INVALIDARG;
    }
  }
  return Create([&](BackendEvents* events,
                    std::string* why) { return StartInProcessBackend(options, events, why); },
                out, error);
}

HRESULT Core::Create(const BackendFactory& make, std::shared_ptr<Core>* out, std::string* error) {
  std::shared_ptr<Core> core(new Core());
  core->dispatcher_ = std::make_unique<CallbackDispatcher>(core);
  std::string why;
  core->backend_ = make(core->dispatcher_.get(), &why);
  if (!core->backend_) {
    if (error != nullptr) *error = why.empty() ? "the backend failed to start" : why;
    return E_FAIL;
  }
  *out = std::move(core);
  return S_OK;
}

Core::~Core() {
  backend_.reset();  // no more events after this
  if (dispatcher_) dispatcher_->Stop();
  std::vector<IUnknown*> callbacks;
  {
    engine::MutexLock lock(mu_);
    for (auto& [id, reg] : registrations_) callbacks.push_back(reg.callback);
    registrations_.clear();
  }
  for (IUnknown* cb : callbacks) cb->Release();
}

JobObject* Core::JobObjectFor(const std::shared_ptr<const JobHandle>& job) {
  engine::MutexLock lock(mu_);
  auto it = objects_.find(job->id());
  if (it != objects_.end() && it->second->TryAddRef()) return it->second;
  auto* object = new JobObject(shared_from_this(), job);
  objects_[job->id()] = object;
  return object;
}

void Core::ForgetJobObject(const Uuid& id, const JobObject* object) {
  engine::MutexLock lock(mu_);
  auto it = objects_.find(id);
  if (it != objects_.end() && it->second == object) objects_.erase(it);
}

IUnknown* Core::SetCallback(const std::shared_ptr<const JobHandle>& job, IUnknown* callback,
                            std::uint32_t flags) {
  if (callback == nullptr) return DropCallback(job->id());
  engine::MutexLock lock(mu_);
  Registration& reg = registrations_[job->id()];
  IUnknown* old = std::exchange(reg.callback, callback);
  reg.job = job;
  reg.flags = flags;
  return old;
}

IUnknown* Core::RestoreCallback(const std::shared_ptr<const JobHandle>& job, IUnknown* stored,
                                IUnknown* replaced, std::uint32_t flags) {
  engine::MutexLock lock(mu_);
  auto it = registrations_.find(job->id());
  const IUnknown* now = it == registrations_.end() ? nullptr : it->second.callback;
  if (now != stored) return replaced;  // changed since (dropped by Cancel, say): keep that
  if (replaced != nullptr) {
    registrations_[job->id()] = {replaced, job, flags};
  } else if (it != registrations_.end()) {
    registrations_.erase(it);
  }
  return stored;
}

IUnknown* Core::DropCallback(const Uuid& id) {
  engine::MutexLock lock(mu_);
  auto it = registrations_.find(id);
  if (it == registrations_.end()) return nullptr;
  IUnknown* old = it->second.callback;
  registrations_.erase(it);
  return old;
}

std::uint32_t Core::SetFlags(const Uuid& id, std::uint32_t flags) {
  engine::MutexLock lock(mu_);
  auto it = registrations_.find(id);
  return it == registrations_.end() ? 0 : std::exchange(it->second.flags, flags);
}

void Core::Redeliver(const BackendEvent& event) { dispatcher_->Queue(event); }

IUnknown* Core::GetCallback(const Uuid& id) {
  engine::MutexLock lock(mu_);
  auto it = registrations_.find(id);
  if (it == registrations_.end()) return nullptr;
  it->second.callback->AddRef();
  return it->second.callback;
}

bool Core::GetRegistration(const Uuid& id, Registration* out) {
  engine::MutexLock lock(mu_);
  auto it = registrations_.find(id);
  if (it == registrations_.end()) return false;
  *out = it->second;
  out->callback->AddRef();
  return true;
}

}  // namespace shoal::api
