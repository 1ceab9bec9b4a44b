// SHOAL_CRASH_AT, read once; raise(SIGKILL) where it matches. See crash_point.h.
#include "engine/crash_point.h"

#include <signal.h>

#include <cstdlib>
#include <string>

namespace shoal::engine {
namespace {

const std::string& Target() {
  static const std::string target = [] {
    const char* v = std::getenv("SHOAL_CRASH_AT");
    return std::string(v == nullptr ? "" : v);
  }();
  return target;
}

}  // namespace

void CrashPoint(std::string_view point, std::string_view qualifier) {
  const std::string& target = Target();
  if (target.empty() || target.compare(0, point.size(), point) != 0) return;
  const std::string_view rest = std::string_view(target).substr(point.size());
  if (rest.empty() ||
      (rest.size() == qualifier.size() + 1 && rest[0] == '/' && rest.substr(1) == qualifier)) {
    ::raise(SIGKILL);
  }
}

}  // namespace shoal::engine
