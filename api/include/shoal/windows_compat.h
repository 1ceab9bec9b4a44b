// The rest of what a BITS or Delivery Optimization sample from Microsoft's documentation uses
// beside the interfaces: __uuidof (in its portable form, over the SHOAL_DECLARE_UUID table),
// IID_PPV_ARGS, NOERROR, __stdcall, MAKELANGID / LANG_* / SUBLANG_*, GetThreadLocale,
// ZeroMemory, Sleep, InterlockedIncrement / Decrement / Exchange / CompareExchange, BSTR with
// SysAllocString / SysFreeString. shoal/winsdk/ maps <windows.h>, <bits.h> and friends onto it, so
// such code compiles unchanged. Compiles as C and C++ (__uuidof and IID_PPV_ARGS are C++ only).
// Thread-safe (macros and inline functions; the Interlocked functions are atomic).
#pragma once

#include <stdlib.h>
#include <time.h>
#include <wchar.h>

#include "shoal/hresults.h"
#include "shoal/wintypes.h"

#ifndef __stdcall
#define __stdcall
#endif
#ifndef WINAPI
#define WINAPI
#endif
#ifndef STDMETHODIMP
#define STDMETHODIMP HRESULT STDMETHODCALLTYPE
#endif
#ifndef STDMETHODIMP_
#define STDMETHODIMP_(type) type STDMETHODCALLTYPE
#endif
#ifndef UNREFERENCED_PARAMETER
#define UNREFERENCED_PARAMETER(p) ((void)(p))
#endif

#define NOERROR 0

// Language identifiers, as winnt.h builds them.
#define MAKELANGID(primary, sub) ((WORD)((((WORD)(sub)) << 10) | (WORD)(primary)))
#define PRIMARYLANGID(lang) ((WORD)(lang)&0x3FF)
#define SUBLANGID(lang) ((WORD)(lang) >> 10)
#define LANGIDFROMLCID(lcid) ((WORD)(lcid))
#define LANG_NEUTRAL 0x00
#define LANG_ENGLISH 0x09
#define SUBLANG_NEUTRAL 0x00
#define SUBLANG_DEFAULT 0x01
#define SUBLANG_SYS_DEFAULT 0x02
#define SUBLANG_ENGLISH_US 0x01
#define SUBLANG_ENGLISH_UK 0x02

#ifdef __cplusplus
#define SHOAL_INLINE_ inline
#else
#define SHOAL_INLINE_ static inline
#endif

// shoal's texts are English: the thread's locale is en-US (0x0409).
SHOAL_INLINE_ LCID GetThreadLocale(void) { return 0x0409; }

#define ZeroMemory(dest, length) memset((dest), 0, (length))
#define SecureZeroMemory(dest, length) memset((dest), 0, (length))
#define CopyMemory(dest, src, length) memcpy((dest), (src), (length))
#define FillMemory(dest, length, fill) memset((dest), (fill), (length))

SHOAL_INLINE_ void Sleep(DWORD milliseconds) {
  struct timespec t;
  t.tv_sec = (time_t)(milliseconds / 1000);
  t.tv_nsec = (long)(milliseconds % 1000) * 1000000L;
  while (nanosleep(&t, &t) != 0) {
  }
}

SHOAL_INLINE_ LONG InterlockedIncrement(LONG volatile* value) {
  return __atomic_add_fetch(value, 1, __ATOMIC_SEQ_CST);
}
SHOAL_INLINE_ LONG InterlockedDecrement(LONG volatile* value) {
  return __atomic_sub_fetch(value, 1, __ATOMIC_SEQ_CST);
}
SHOAL_INLINE_ LONG InterlockedExchange(LONG volatile* target, LONG value) {
  return __atomic_exchange_n(target, value, __ATOMIC_SEQ_CST);
}
SHOAL_INLINE_ LONG InterlockedCompareExchange(LONG volatile* target, LONG exchange,
                                              LONG comparand) {
  __atomic_compare_exchange_n(target, &comparand, exchange, 0, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
  return comparand;
}

// BSTR: a WCHAR string whose byte length sits in the 4 bytes before it, as in OLE Automation.
// shoal returns none (its out-strings are CoTaskMemAlloc'd LPWSTRs); these serve samples that
// make their own.
typedef WCHAR* BSTR;
SHOAL_INLINE_ BSTR SysAllocStringLen(const WCHAR* text, UINT length) {
  uint32_t* block = (uint32_t*)malloc(sizeof(uint32_t) + ((size_t)length + 1) * sizeof(WCHAR));
  if (block == NULL) return NULL;
  block[0] = (uint32_t)(length * sizeof(WCHAR));
  BSTR s = (BSTR)(block + 1);
  if (text != NULL) memcpy(s, text, (size_t)length * sizeof(WCHAR));
  s[length] = 0;
  return s;
}
SHOAL_INLINE_ BSTR SysAllocString(const WCHAR* text) {
  return text == NULL ? NULL : SysAllocStringLen(text, (UINT)wcslen(text));
}
SHOAL_INLINE_ UINT SysStringLen(BSTR s) {
  return s == NULL ? 0 : (UINT)(((const uint32_t*)s)[-1] / sizeof(WCHAR));
}
SHOAL_INLINE_ void SysFreeString(BSTR s) {
  if (s != NULL) free(((uint32_t*)s) - 1);
}

#ifdef __cplusplus
#include <type_traits>

// __uuidof(T) and __uuidof(expression), as MSVC's: GCC and Clang's __typeof__ takes either.
// Names declared with SHOAL_DECLARE_UUID only (every shoal interface and coclass).
#ifndef __uuidof
#define __uuidof(x) \
  (::shoal::InterfaceId<::std::remove_cv_t<::std::remove_reference_t<__typeof__(x)>>>::Get())
#endif

namespace shoal {
template <typename T>
void** IidPpvArgsHelper(T** pp) {
  static_assert(std::is_base_of_v<IUnknown, T>, "IID_PPV_ARGS needs an interface pointer");
  return reinterpret_cast<void**>(pp);
}
}  // namespace shoal
#define IID_PPV_ARGS(pp) __uuidof(**(pp)), ::shoal::IidPpvArgsHelper(pp)
#endif
