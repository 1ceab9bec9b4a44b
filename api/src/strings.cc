#include "api/src/strings.h"

#include <cstring>

#include "shoal/activation.h"
#include "shoal/hresults.h"

namespace shoal::api {
namespace {

constexpr char32_t kReplacement = 0xFFFD;

bool IsScalar(std::uint32_t c) { return c <= 0x10FFFF && (c < 0xD800 || c > 0xDFFF); }

}  // namespace

bool WideToUtf8(std::wstring_view wide, std::string* utf8) {
  std::string out;
  out.reserve(wide.size());
  for (const wchar_t wc : wide) {
    const auto c = static_cast<std::uint32_t>(wc);
    if (!IsScalar(c)) return false;
    if (c < 0x80) {
      out.push_back(static_cast<char>(c));
    } else if (c < 0x800) {
      out.push_back(static_cast<char>(0xC0 | (c >> 6)));
      out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
    } else if (c < 0x10000) {
      out.push_back(static_cast<char>(0xE0 | (c >> 12)));
      out.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
    } else {
      out.push_back(static_cast<char>(0xF0 | (c >> 18)));
      out.push_back(static_cast<char>(0x80 | ((c >> 12) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
    }
  }
  *utf8 = std::move(out);
  return true;
}

std::wstring Utf8ToWide(std::string_view utf8) {
  std::wstring out;
  out.reserve(utf8.size());
  std::size_t i = 0;
  while (i < utf8.size()) {
    const auto b0 = static_cast<unsigned char>(utf8[i]);
    int len = 1;
    std::uint32_t c = b0;
    std::uint32_t min = 0;
    if ((b0 & 0xE0) == 0xC0) {
      len = 2;
      c = b0 & 0x1F;
      min = 0x80;
    } else if ((b0 & 0xF0) == 0xE0) {
      len = 3;
      c = b0 & 0x0F;
      min = 0x800;
    } else if ((b0 & 0xF8) == 0xF0) {
      len = 4;
      c = b0 & 0x07;
      min = 0x10000;
    } else if (b0 >= 0x80) {  // a stray continuation byte or 0xF8..0xFF
      out.push_back(static_cast<wchar_t>(kReplacement));
      ++i;
      continue;
    }
    bool ok = i + len <= utf8.size();
    for (int k = 1; ok && k < len; ++k) {
      const auto b = static_cast<unsigned char>(utf8[i + k]);
      if ((b & 0xC0) != 0x80) {
        ok = false;
      } else {
        c = (c << 6) | (b & 0x3F);
      }
    }
    if (!ok || c < min || !IsScalar(c)) {
      out.push_back(static_cast<wchar_t>(kReplacement));
      ++i;  // resynchronise on the next byte
      continue;
    }
    out.push_back(static_cast<wchar_t>(c));
    i += len;
  }
  return out;
}

HRESULT CopyOut(std::wstring_view wide, LPWSTR* out) {
  if (out == nullptr) return E_POINTER;
  *out = nullptr;
  auto* p = static_cast<LPWSTR>(CoTaskMemAlloc((wide.size() + 1) * sizeof(WCHAR)));
  if (p == nullptr) return E_OUTOFMEMORY;
  if (!wide.empty()) std::memcpy(p, wide.data(), wide.size() * sizeof(WCHAR));
  p[wide.size()] = L'\0';
  *out = p;
  return S_OK;
}

HRESULT CopyOutUtf8(std::string_view utf8, LPWSTR* out) {
  if (out == nullptr) return E_POINTER;
  return CopyOut(Utf8ToWide(utf8), out);
}

FILETIME ToFileTime(std::int64_t unix_ns) {
  FILETIME ft{0, 0};
  if (unix_ns <= 0) return ft;
  constexpr std::uint64_t kEpochDelta = 116444736000000000ULL;  // 1601 -> 1970 in 100 ns
  const std::uint64_t t = static_cast<std::uint64_t>(unix_ns) / 100 + kEpochDelta;
  ft.dwLowDateTime = static_cast<DWORD>(t & 0xFFFFFFFFu);
  ft.dwHighDateTime = static_cast<DWORD>(t >> 32);
  return ft;
}

}  // namespace shoal::api
