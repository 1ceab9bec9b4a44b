// The engine's settings are shoal::Settings (api/include/shoal/settings.h), the struct
// embedders set and LoadSettings fills: one pack, consumed as-is, never copied field by field
// (decision 0009). Plain data: thread-compatible.
#pragma once

#include "shoal/settings.h"

namespace shoal::engine {

using EngineOptions = shoal::Settings;
// HttpGate reads the source-policy fields of the same struct: delay_*_download_from_http_s,
// min_background_qos_kbps and no_http.
using SourcePolicy = shoal::Settings;

}  // namespace shoal::engine
