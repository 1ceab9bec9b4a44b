// The Windows/COM base vocabulary the facade is written in: integer typedefs, HRESULT and its
// macros, GUID/IID/CLSID, FILETIME, COINIT/CLSCTX flags and IUnknown, spelled as in the Windows
// SDK so BITS code compiles unchanged. Compiles as C (C99) and C++: in C, REF* are pointers
// and IUnknown is opaque, as in the SDK's C binding. Thread-safe (types, constants and inline
// functions only).
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "shoal/export.h"

#ifdef __cplusplus
#define SHOAL_EXTERN_C extern "C"
#else
#define SHOAL_EXTERN_C extern
#endif

typedef int32_t HRESULT;
typedef int BOOL;
typedef uint8_t BYTE;
typedef uint16_t WORD;
typedef uint16_t USHORT;
typedef uint32_t DWORD;
typedef int32_t LONG;
typedef uint32_t ULONG;  // 32 bits, as in Windows' LLP64 model
typedef unsigned int UINT;
typedef uint64_t UINT64;
typedef UINT64* PUINT64;
typedef uint64_t ULONG64;
typedef uint64_t ULONGLONG;
typedef uint16_t LANGID;
typedef DWORD LCID;
typedef size_t SIZE_T;
typedef void* LPVOID;
typedef wchar_t WCHAR;  // 32-bit UTF-32 on Linux; the facade converts to UTF-8 internally
typedef WCHAR* LPWSTR;
typedef const WCHAR* LPCWSTR;

#ifndef TRUE
#define TRUE 1
#endif
#ifndef FALSE
#define FALSE 0
#endif
#ifndef STDMETHODCALLTYPE
#define STDMETHODCALLTYPE
#endif

typedef struct _FILETIME {
  DWORD dwLowDateTime;
  DWORD dwHighDateTime;
} FILETIME;

typedef struct _GUID {
  uint32_t Data1;
  uint16_t Data2;
  uint16_t Data3;
  uint8_t Data4[8];
} GUID;
typedef GUID IID;
typedef GUID CLSID;

#ifdef __cplusplus
typedef const GUID& REFGUID;
typedef const IID& REFIID;
typedef const CLSID& REFCLSID;

inline bool IsEqualGUID(REFGUID a, REFGUID b) {
  return a.Data1 == b.Data1 && a.Data2 == b.Data2 && a.Data3 == b.Data3 &&
         memcmp(a.Data4, b.Data4, sizeof(a.Data4)) == 0;
}
inline bool operator==(const GUID& a, const GUID& b) { return IsEqualGUID(a, b); }
inline bool operator!=(const GUID& a, const GUID& b) { return !IsEqualGUID(a, b); }
#else
typedef const GUID* REFGUID;
typedef const IID* REFIID;
typedef const CLSID* REFCLSID;

static inline int IsEqualGUID(REFGUID a, REFGUID b) { return memcmp(a, b, sizeof(GUID)) == 0; }
#endif
#define IsEqualIID(a, b) IsEqualGUID((a), (b))
#define IsEqualCLSID(a, b) IsEqualGUID((a), (b))

// HRESULT helpers. HRESULT_FROM_WIN32 is a function (as in the modern SDK) so it can appear in
// constant expressions.
#define SUCCEEDED(hr) (((HRESULT)(hr)) >= 0)
#define FAILED(hr) (((HRESULT)(hr)) < 0)
#define HRESULT_CODE(hr) (((HRESULT)(hr)) & 0xFFFF)
#define HRESULT_FACILITY(hr) ((((HRESULT)(hr)) >> 16) & 0x1FFF)
#define HRESULT_SEVERITY(hr) ((((uint32_t)(hr)) >> 31) & 0x1)
#define FACILITY_WIN32 7
#define MAKE_HRESULT(sev, fac, code) \
  ((HRESULT)((((uint32_t)(sev)) << 31) | (((uint32_t)(fac)) << 16) | ((uint32_t)(code))))
#ifdef __cplusplus
constexpr HRESULT HRESULT_FROM_WIN32(uint32_t x) {
#else
static inline HRESULT HRESULT_FROM_WIN32(uint32_t x) {
#endif
  return (HRESULT)x <= 0 ? (HRESULT)x
                         : (HRESULT)((x & 0x0000FFFFu) | (FACILITY_WIN32 << 16) | 0x80000000u);
}

// CoInitializeEx flags.
typedef enum tagCOINIT {
  COINIT_MULTITHREADED = 0x0,
  COINIT_APARTMENTTHREADED = 0x2,
  COINIT_DISABLE_OLE1DDE = 0x4,
  COINIT_SPEED_OVER_MEMORY = 0x8,
} COINIT;

// CoCreateInstance contexts.
typedef enum tagCLSCTX {
  CLSCTX_INPROC_SERVER = 0x1,
  CLSCTX_INPROC_HANDLER = 0x2,
  CLSCTX_LOCAL_SERVER = 0x4,
  CLSCTX_REMOTE_SERVER = 0x10,
} CLSCTX;
#define CLSCTX_INPROC (CLSCTX_INPROC_SERVER | CLSCTX_INPROC_HANDLER)
#define CLSCTX_SERVER (CLSCTX_INPROC_SERVER | CLSCTX_LOCAL_SERVER | CLSCTX_REMOTE_SERVER)
#define CLSCTX_ALL \
  (CLSCTX_INPROC_SERVER | CLSCTX_INPROC_HANDLER | CLSCTX_LOCAL_SERVER | CLSCTX_REMOTE_SERVER)

// {00000000-0000-0000-C000-000000000046}
SHOAL_EXTERN_C SHOAL_API const IID IID_IUnknown;

#ifdef __cplusplus
// The root of every interface. As in COM there is no virtual destructor: objects are destroyed
// by their last Release.
struct IUnknown {
  virtual HRESULT STDMETHODCALLTYPE QueryInterface(REFIID riid, void** ppvObject) = 0;
  virtual ULONG STDMETHODCALLTYPE AddRef() = 0;
  virtual ULONG STDMETHODCALLTYPE Release() = 0;
};

namespace shoal {
// __uuidof's table (shoal/windows_compat.h): the IID of each interface, the CLSID of each
// coclass, declared beside them with SHOAL_DECLARE_UUID.
template <typename T>
struct InterfaceId;
}  // namespace shoal
#define SHOAL_DECLARE_UUID(type, id)        \
  namespace shoal {                         \
  template <>                               \
  struct InterfaceId<type> {                \
    static const GUID& Get() { return id; } \
  };                                        \
  }
SHOAL_DECLARE_UUID(IUnknown, IID_IUnknown)
#else
typedef struct IUnknown IUnknown;  // opaque in C: the C API passes no interface
#endif
typedef IUnknown* LPUNKNOWN;
