// Get-DeliveryOptimizationStatus-style statistics for the facade: the conversion from the
// engine's published counters to SHOAL_TRANSFER_STATS. Pure functions: thread-safe.
#pragma once

#include "engine/types.h"
#include "shoal/shoal.h"

namespace shoal::api {

SHOAL_TRANSFER_STATS ToTransferStats(const engine::SourceBytes& bytes,
                                     const engine::JobActivity& activity);

}  // namespace shoal::api
