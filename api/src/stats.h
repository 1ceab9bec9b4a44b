// Get-DeliveryOptimizationStatus-style statistics for the facade: the conversion from a job's
// published counters to SHOAL_TRANSFER_STATS. Pure functions: thread-safe.
#pragma once

#include "api/src/backend.h"
#include "shoal/shoal.h"

namespace shoal::api {

SHOAL_TRANSFER_STATS ToTransferStats(const SourceBytes& bytes, const JobActivity& activity);

}  // namespace shoal::api
