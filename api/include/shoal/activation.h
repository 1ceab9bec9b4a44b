// COM activation and task memory, as the Windows functions of the same names: per-thread
// CoInitializeEx bookkeeping, CoCreateInstance of the process-wide manager, and the allocator
// for every out-string the facade returns. Thread-safe.
#pragma once

#include "shoal/wintypes.h"

extern "C" {

// S_OK on a thread's first call, S_FALSE after; RPC_E_CHANGED_MODE when the apartment model
// differs from the thread's first call. Balance each success with CoUninitialize.
HRESULT CoInitializeEx(LPVOID pvReserved, DWORD dwCoInit);
HRESULT CoInitialize(LPVOID pvReserved);  // CoInitializeEx(pvReserved, COINIT_APARTMENTTHREADED)
void CoUninitialize();

// CLSID_BackgroundCopyManager or CLSID_DeliveryOptimization: the process-wide manager, its
// engine configured by shoal::LoadOptions ($SHOAL_CONFIG, SHOAL_* variables).
HRESULT CoCreateInstance(REFCLSID rclsid, LPUNKNOWN pUnkOuter, DWORD dwClsContext, REFIID riid,
                         LPVOID* ppv);

LPVOID CoTaskMemAlloc(SIZE_T cb);
void CoTaskMemFree(LPVOID pv);

}  // extern "C"
