// The Windows/COM base vocabulary the facade is written in: integer typedefs, HRESULT and its
// macros, GUID/IID/CLSID, FILETIME, COINIT/CLSCTX flags and IUnknown, spelled as in the Windows
// SDK so BITS code compiles unchanged. Thread-safe (types, constants and inline functions only).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

#include "shoal/export.h"

typedef std::int32_t HRESULT;
typedef int BOOL;
typedef std::uint8_t BYTE;
typedef std::uint16_t WORD;
typedef std::uint16_t USHORT;
typedef std::uint32_t DWORD;
typedef std::int32_t LONG;
typedef std::uint32_t ULONG;  // 32 bits, as in Windows' LLP64 model
typedef unsigned int UINT;
typedef std::uint64_t UINT64;
typedef UINT64* PUINT64;
typedef std::uint64_t ULONG64;
typedef std::uint64_t ULONGLONG;
typedef std::uint16_t LANGID;
typedef std::size_t SIZE_T;
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
  std::uint32_t Data1;
  std::uint16_t Data2;
  std::uint16_t Data3;
  std::uint8_t Data4[8];
} GUID;
typedef GUID IID;
typedef GUID CLSID;
typedef const GUID& REFGUID;
typedef const IID& REFIID;
typedef const CLSID& REFCLSID;

inline bool IsEqualGUID(REFGUID a, REFGUID b) {
  return a.Data1 == b.Data1 && a.Data2 == b.Data2 && a.Data3 == b.Data3 &&
         std::memcmp(a.Data4, b.Data4, sizeof(a.Data4)) == 0;
}
#define IsEqualIID(a, b) IsEqualGUID((a), (b))
#define IsEqualCLSID(a, b) IsEqualGUID((a), (b))
inline bool operator==(const GUID& a, const GUID& b) { return IsEqualGUID(a, b); }

// HRESULT helpers. HRESULT_FROM_WIN32 is a function (as in the modern SDK) so it can appear in
// constant expressions.
#define SUCCEEDED(hr) (static_cast<HRESULT>(hr) >= 0)
#define FAILED(hr) (static_cast<HRESULT>(hr) < 0)
#define HRESULT_CODE(hr) (static_cast<HRESULT>(hr) & 0xFFFF)
#define HRESULT_FACILITY(hr) ((static_cast<HRESULT>(hr) >> 16) & 0x1FFF)
#define HRESULT_SEVERITY(hr) ((static_cast<std::uint32_t>(hr) >> 31) & 0x1)
#define FACILITY_WIN32 7
#define MAKE_HRESULT(sev, fac, code)                             \
  static_cast<HRESULT>((static_cast<std::uint32_t>(sev) << 31) | \
                       (static_cast<std::uint32_t>(fac) << 16) | static_cast<std::uint32_t>(code))
constexpr HRESULT HRESULT_FROM_WIN32(std::uint32_t x) {
  return static_cast<HRESULT>(x) <= 0
             ? static_cast<HRESULT>(x)
             : static_cast<HRESULT>((x & 0x0000FFFFu) | (FACILITY_WIN32 << 16) | 0x80000000u);
}

// CoInitializeEx flags.
typedef enum tagCOINIT : int {
  COINIT_MULTITHREADED = 0x0,
  COINIT_APARTMENTTHREADED = 0x2,
  COINIT_DISABLE_OLE1DDE = 0x4,
  COINIT_SPEED_OVER_MEMORY = 0x8,
} COINIT;

// CoCreateInstance contexts.
typedef enum tagCLSCTX : int {
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
extern "C" SHOAL_API const IID IID_IUnknown;

// The root of every interface. As in COM there is no virtual destructor: objects are destroyed
// by their last Release.
struct IUnknown {
  virtual HRESULT STDMETHODCALLTYPE QueryInterface(REFIID riid, void** ppvObject) = 0;
  virtual ULONG STDMETHODCALLTYPE AddRef() = 0;
  virtual ULONG STDMETHODCALLTYPE Release() = 0;
};
typedef IUnknown* LPUNKNOWN;
