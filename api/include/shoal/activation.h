// COM activation and task memory, as the Windows functions of the same names: per-thread
// CoInitializeEx bookkeeping, CoCreateInstance of the process-wide manager, and the allocator
// for every out-string the facade returns. Thread-safe.
#pragma once

#include "shoal/wintypes.h"

extern "C" {

// S_OK on a thread's first call, S_FALSE after; RPC_E_CHANGED_MODE when the apartment model
// differs from the thread's first call. Balance each success with CoUninitialize.
SHOAL_API HRESULT CoInitializeEx(LPVOID pvReserved, DWORD dwCoInit);
// CoInitializeEx(pvReserved, COINIT_APARTMENTTHREADED).
SHOAL_API HRESULT CoInitialize(LPVOID pvReserved);
SHOAL_API void CoUninitialize();

// CLSID_BackgroundCopyManager or CLSID_DeliveryOptimization: the process-wide manager, its
// engine configured by shoal::LoadOptions ($SHOAL_CONFIG, SHOAL_* variables).
SHOAL_API HRESULT CoCreateInstance(REFCLSID rclsid, LPUNKNOWN pUnkOuter, DWORD dwClsContext,
                                   REFIID riid, LPVOID* ppv);

SHOAL_API LPVOID CoTaskMemAlloc(SIZE_T cb);
SHOAL_API void CoTaskMemFree(LPVOID pv);

}  // extern "C"
