// Content discovery's wire parser (engine/discovery_wire.h) on arbitrary datagrams, as any host
// on the LAN may send: it must not crash, and what it accepts must encode and parse back the
// same.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "engine/discovery_wire.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string why;
  const auto m = shoal::engine::ParseDiscovery(
      std::string_view(reinterpret_cast<const char*>(data), size), &why);
  if (!m) return 0;
  const auto back = shoal::engine::ParseDiscovery(shoal::engine::EncodeDiscovery(*m), &why);
  if (!back || !(*back == *m)) std::abort();
  return 0;
}
