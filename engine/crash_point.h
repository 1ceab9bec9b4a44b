// Fault injection for crash tests: CrashPoint("complete.renamed") kills the process with
// SIGKILL when the environment variable SHOAL_CRASH_AT names that point. A test-only hook
// (docs/operations.md): unset, a point costs a static guard check and a size test. Thread-safe.
#pragma once

#include <string_view>

namespace shoal::engine {

// SHOAL_CRASH_AT is read once, at the first point reached. Its value is a point name, or
// "name/qualifier" to fire only where the point is reached with that qualifier (the store
// passes the state it writes: "store.job_written/SUSPENDED").
void CrashPoint(std::string_view point, std::string_view qualifier = {});

}  // namespace shoal::engine
