// The one header a BITS / Delivery Optimization client includes: the Windows base types,
// HRESULTs, the BITS-compatible interfaces, activation, and shoal's own extensions.
// Thread-safe (see each included header).
#pragma once

#include "shoal/activation.h"
#include "shoal/bits.h"
#include "shoal/do.h"
#include "shoal/do_file.h"
#include "shoal/hresults.h"
#include "shoal/shoal.h"
#include "shoal/version.h"
#include "shoal/wintypes.h"
