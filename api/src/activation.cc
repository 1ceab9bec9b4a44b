// COM activation: per-thread CoInitializeEx bookkeeping, and CoCreateInstance of the
// process-wide manager: CLSCTX_INPROC_SERVER (alone or with others) an engine in this process
// configured by shoal::LoadOptions; CLSCTX_LOCAL_SERVER alone the machine-wide service
// (decision 0010: the system one, else the user's, else a user-mode shoald started on demand;
// service_start.h), falling back to the in-process engine when none answers unless
// $SHOAL_SOCKET names the one to use. Each process Core is held while any thread has COM
// initialized, and otherwise only by the objects using it.
#include "shoal/activation.h"

#include <cstdlib>
#include <memory>
#include <string>

#include "api/src/com_object.h"
#include "api/src/core.h"
#include "api/src/manager.h"
#include "api/src/service_backend.h"
#include "api/src/service_paths.h"
#include "api/src/service_start.h"
#include "engine/log.h"
#include "engine/mutex.h"
#include "shoal/bits.h"

namespace shoal::api {
namespace {

struct ThreadApartment {
  int count = 0;
  DWORD model = 0;  // COINIT_APARTMENTTHREADED or COINIT_MULTITHREADED
};
thread_local ThreadApartment t_apartment;

engine::Mutex g_mu;
int g_initialized_threads GUARDED_BY(g_mu) = 0;  // sum of all threads' counts
std::weak_ptr<Core> g_core GUARDED_BY(g_mu);
std::shared_ptr<Core> g_core_held GUARDED_BY(g_mu);   // while COM is initialized somewhere
std::weak_ptr<Core> g_service_core GUARDED_BY(g_mu);  // the service client's
std::shared_ptr<Core> g_service_core_held GUARDED_BY(g_mu);

// The service client's Core: DO_E_NO_SERVICE (0x80D01001) when nothing answers (*pinned: and
// $SHOAL_SOCKET named the one to use).
HRESULT ServiceCore(std::shared_ptr<Core>* out, bool* pinned, std::string* why) REQUIRES(g_mu) {
  std::shared_ptr<Core> core = g_service_core.lock();
  *pinned = false;
  if (!core) {
    const std::string socket = FindOrStartService(pinned, why);
    if (socket.empty()) return hr::kDoENoService;
    std::string error;
    const HRESULT h =
        Core::Create([&](BackendEvents* events,
                         std::string* why) { return ConnectServiceBackend(socket, events, why); },
                     &core, &error);
    if (FAILED(h)) return hr::kDoENoService;
    g_service_core = core;
  }
  if (g_initialized_threads > 0) g_service_core_held = core;
  *out = std::move(core);
  return S_OK;
}

HRESULT ProcessCore(DWORD context, std::shared_ptr<Core>* out) {
  engine::MutexLock lock(g_mu);
  if ((context & CLSCTX_INPROC_SERVER) == 0 && (context & CLSCTX_LOCAL_SERVER) != 0) {
    bool pinned = false;
    std::string why;
    const HRESULT h = ServiceCore(out, &pinned, &why);
    if (SUCCEEDED(h) || pinned) return h;
    engine::Logf(engine::LogLevel::kInfo, "api", "%s: using an engine in this process",
                 why.empty() ? "no shoald answers" : why.c_str());
  }
  std::shared_ptr<Core> core = g_core.lock();
  if (!core) {
    Options options;
    std::string error;
    HRESULT h = LoadOptions(&options, &error);
    if (SUCCEEDED(h)) h = Core::Create(options, &core, &error);
    if (FAILED(h)) {
      // CoCreateInstance has no error text: say why once, where an operator will see it.
      engine::Logf(engine::LogLevel::kError, "api", "CoCreateInstance failed (0x%08x): %s",
                   static_cast<unsigned>(h), error.c_str());
      return h;
    }
    g_core = core;
  }
  if (g_initialized_threads > 0) g_core_held = core;
  *out = std::move(core);
  return S_OK;
}

}  // namespace
}  // namespace shoal::api

using shoal::api::g_core_held;
using shoal::api::g_initialized_threads;
using shoal::api::g_mu;
using shoal::api::g_service_core_held;
using shoal::api::t_apartment;

extern "C" HRESULT CoInitializeEx(LPVOID pvReserved, DWORD dwCoInit) {
  if (pvReserved != nullptr) return E_INVALIDARG;
  const DWORD model = dwCoInit & COINIT_APARTMENTTHREADED;
  if (t_apartment.count > 0 && t_apartment.model != model) return RPC_E_CHANGED_MODE;
  t_apartment.model = model;
  ++t_apartment.count;
  shoal::engine::MutexLock lock(g_mu);
  ++g_initialized_threads;
  return t_apartment.count == 1 ? S_OK : S_FALSE;
}

extern "C" HRESULT CoInitialize(LPVOID pvReserved) {
  return CoInitializeEx(pvReserved, COINIT_APARTMENTTHREADED);
}

extern "C" void CoUninitialize() {
  if (t_apartment.count == 0) return;  // unbalanced: ignored, as COM does
  --t_apartment.count;
  std::shared_ptr<shoal::api::Core> release;
  std::shared_ptr<shoal::api::Core> release_service;
  {
    shoal::engine::MutexLock lock(g_mu);
    if (--g_initialized_threads == 0) {
      release = std::move(g_core_held);
      release_service = std::move(g_service_core_held);
    }
  }
  // `release` may be the last reference: the engine stops here, outside the lock.
}

extern "C" HRESULT CoCreateInstance(REFCLSID rclsid, LPUNKNOWN pUnkOuter, DWORD dwClsContext,
                                    REFIID riid, LPVOID* ppv) {
  if (ppv == nullptr) return E_POINTER;
  *ppv = nullptr;
  if (pUnkOuter != nullptr) return CLASS_E_NOAGGREGATION;
  if (!(rclsid == CLSID_BackgroundCopyManager) && !(rclsid == CLSID_DeliveryOptimization)) {
    return REGDB_E_CLASSNOTREG;
  }
  if ((dwClsContext & CLSCTX_ALL) == 0) return REGDB_E_CLASSNOTREG;
  return shoal::api::Guarded([&] {
    std::shared_ptr<shoal::api::Core> core;
    const HRESULT h = shoal::api::ProcessCore(dwClsContext, &core);
    if (FAILED(h)) return h;
    auto* manager = new shoal::api::ManagerObject(std::move(core));
    const HRESULT q = manager->QueryInterface(riid, ppv);
    manager->Release();
    return q;
  });
}

extern "C" LPVOID CoTaskMemAlloc(SIZE_T cb) { return std::malloc(cb == 0 ? 1 : cb); }

extern "C" void CoTaskMemFree(LPVOID pv) { std::free(pv); }
