// The CLI's COM helpers: shoal::ComPtr, and UTF-8 <-> wide strings for the facade's LPCWSTR
// arguments. Thread-compatible.
#pragma once

#include <string>
#include <utility>

#include "shoal/com_ptr.h"
#include "shoal/deliveryoptimization.h"

namespace shoal::cli {

using shoal::ComPtr;

std::wstring Widen(const std::string& utf8);
std::string Narrow(const wchar_t* wide);
// Takes a CoTaskMemAlloc'ed string, frees it, returns UTF-8.
std::string TakeString(LPWSTR s);
// "0x80190194 The server returned HTTP status 404." style text for an HRESULT.
std::string DescribeHr(HRESULT hr);

}  // namespace shoal::cli
