// <bits.h> for code written against the Windows SDK (shoal/winsdk on the include path): the
// BITS interfaces, their IIDs, the CLSIDs and __uuidof for each.
#pragma once

#include "shoal/bits.h"
#include "shoal/windows_compat.h"
