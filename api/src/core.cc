#include "api/src/core.h"

#include <utility>
#include <vector>

#include "api/src/callback_dispatcher.h"
#include "api/src/job.h"

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
  std::shared_ptr<Core> core(new Core());
  core->dispatcher_ = std::make_unique<CallbackDispatcher>(core);
  std::string why;
  core->engine_ = engine::Engine::Start(options, core->dispatcher_.get(), &why);
  if (!core->engine_) {
    if (error != nullptr) *error = why.empty() ? "the engine failed to start" : why;
    return E_FAIL;
  }
  *out = std::move(core);
  return S_OK;
}

Core::~Core() {
  engine_.reset();  // no more events after this
  if (dispatcher_) dispatcher_->Stop();
  std::vector<IUnknown*> callbacks;
  {
    std::lock_guard lock(mu_);
    for (auto& [id, reg] : registrations_) callbacks.push_back(reg.callback);
    registrations_.clear();
  }
  for (IUnknown* cb : callbacks) cb->Release();
}

JobObject* Core::JobHandle(const std::shared_ptr<const engine::JobView>& view) {
  std::lock_guard lock(mu_);
  auto it = handles_.find(view->id);
  if (it != handles_.end() && it->second->TryAddRef()) return it->second;
  auto* job = new JobObject(shared_from_this(), view);
  handles_[view->id] = job;
  return job;
}

void Core::ForgetJobHandle(const engine::Uuid& id, const JobObject* handle) {
  std::lock_guard lock(mu_);
  auto it = handles_.find(id);
  if (it != handles_.end() && it->second == handle) handles_.erase(it);
}

IUnknown* Core::SetCallback(const std::shared_ptr<const engine::JobView>& view, IUnknown* callback,
                            std::uint32_t flags) {
  if (callback == nullptr) return DropCallback(view->id);
  std::lock_guard lock(mu_);
  Registration& reg = registrations_[view->id];
  IUnknown* old = std::exchange(reg.callback, callback);
  reg.view = view;
  reg.flags = flags;
  return old;
}

IUnknown* Core::DropCallback(const engine::Uuid& id) {
  std::lock_guard lock(mu_);
  auto it = registrations_.find(id);
  if (it == registrations_.end()) return nullptr;
  IUnknown* old = it->second.callback;
  registrations_.erase(it);
  return old;
}

void Core::SetFlags(const engine::Uuid& id, std::uint32_t flags) {
  std::lock_guard lock(mu_);
  auto it = registrations_.find(id);
  if (it != registrations_.end()) it->second.flags = flags;
}

IUnknown* Core::GetCallback(const engine::Uuid& id) {
  std::lock_guard lock(mu_);
  auto it = registrations_.find(id);
  if (it == registrations_.end()) return nullptr;
  it->second.callback->AddRef();
  return it->second.callback;
}

bool Core::GetRegistration(const engine::Uuid& id, Registration* out) {
  std::lock_guard lock(mu_);
  auto it = registrations_.find(id);
  if (it == registrations_.end()) return false;
  *out = it->second;
  out->callback->AddRef();
  return true;
}

}  // namespace shoal::api
