// Conversions at the facade's edge: wchar_t (UTF-32 on Linux) <-> UTF-8, CoTaskMemAlloc'ed
// out-strings, and engine nanosecond times -> FILETIME. Thread-safe (pure functions).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "shoal/wintypes.h"

namespace shoal::api {

// False when `wide` holds a value that is not a Unicode scalar (a surrogate or > U+10FFFF).
bool WideToUtf8(std::wstring_view wide, std::string* utf8);
// Malformed UTF-8 sequences become U+FFFD.
std::wstring Utf8ToWide(std::string_view utf8);

// Copies into a new CoTaskMemAlloc'ed string; E_POINTER when `out` is null.
HRESULT CopyOut(std::wstring_view wide, LPWSTR* out);
HRESULT CopyOutUtf8(std::string_view utf8, LPWSTR* out);

// Nanoseconds since the Unix epoch (0 = unset) -> 100 ns intervals since 1601 (0 = unset).
FILETIME ToFileTime(std::int64_t unix_ns);

}  // namespace shoal::api
