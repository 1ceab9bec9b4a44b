// COM activation: per-thread CoInitializeEx bookkeeping, and CoCreateInstance of the
// process-wide manager whose engine is configured by shoal::LoadOptions. The process Core is
// held while any thread has COM initialized, and otherwise only by the objects using it.
#include "shoal/activation.h"

#include <cstdlib>
#include <memory>
#include <string>

#include "api/src/com_object.h"
#include "api/src/core.h"
#include "api/src/manager.h"
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
std::shared_ptr<Core> g_core_held GUARDED_BY(g_mu);  // while COM is initialized somewhere

HRESULT ProcessCore(std::shared_ptr<Core>* out) {
  engine::MutexLock lock(g_mu);
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
  {
    shoal::engine::MutexLock lock(g_mu);
    if (--g_initialized_threads == 0) release = std::move(g_core_held);
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
    const HRESULT h = shoal::api::ProcessCore(&core);
    if (FAILED(h)) return h;
    auto* manager = new shoal::api::ManagerObject(std::move(core));
    const HRESULT q = manager->QueryInterface(riid, ppv);
    manager->Release();
    return q;
  });
}

extern "C" LPVOID CoTaskMemAlloc(SIZE_T cb) { return std::malloc(cb == 0 ? 1 : cb); }

extern "C" void CoTaskMemFree(LPVOID pv) { std::free(pv); }
