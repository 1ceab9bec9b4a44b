// <bits2_0.h> for code written against the Windows SDK: every later BITS interface is in
// shoal/bits.h (as the SDK's <bits.h> includes the version headers in turn).
#pragma once

#include "shoal/bits.h"
#include "shoal/windows_compat.h"
