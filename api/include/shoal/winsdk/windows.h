// <windows.h> for code written against the Windows SDK: with shoal/winsdk on the include path
// (the shoal::winsdk CMake target adds it) a BITS sample's includes work unchanged. The
// Windows names shoal provides: shoal/wintypes.h, hresults.h, activation.h, windows_compat.h.
#pragma once

#include "shoal/activation.h"
#include "shoal/hresults.h"
#include "shoal/windows_compat.h"
#include "shoal/wintypes.h"
