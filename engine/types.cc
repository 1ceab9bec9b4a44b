#include "engine/types.h"

#include <cstdio>
#include <random>

namespace shoal::engine {

Uuid Uuid::Random() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  const std::uint64_t hi = rng();
  const std::uint64_t lo = rng();
  Uuid u;
  u.data1 = static_cast<std::uint32_t>(hi >> 32);
  u.data2 = static_cast<std::uint16_t>(hi >> 16);
  u.data3 = static_cast<std::uint16_t>((hi & 0x0FFF) | 0x4000);  // version 4
  for (int i = 0; i < 8; ++i) u.data4[i] = static_cast<std::uint8_t>(lo >> (56 - 8 * i));
  u.data4[0] = static_cast<std::uint8_t>((u.data4[0] & 0x3F) | 0x80);  // RFC 4122 variant
  return u;
}

std::string Uuid::ToString() const {
  char buf[40];
  std::snprintf(buf, sizeof buf, "{%08X-%04X-%04X-%02X%02X-%02X%02X%02X%02X%02X%02X}", data1,
                data2, data3, data4[0], data4[1], data4[2], data4[3], data4[4], data4[5],
                data4[6], data4[7]);
  return buf;
}

const char* ToString(JobState s) {
  switch (s) {
    case JobState::kQueued: return "QUEUED";
    case JobState::kConnecting: return "CONNECTING";
    case JobState::kTransferring: return "TRANSFERRING";
    case JobState::kSuspended: return "SUSPENDED";
    case JobState::kError: return "ERROR";
    case JobState::kTransientError: return "TRANSIENT_ERROR";
    case JobState::kTransferred: return "TRANSFERRED";
    case JobState::kAcknowledged: return "ACKNOWLEDGED";
    case JobState::kCancelled: return "CANCELLED";
  }
  return "?";
}

}  // namespace shoal::engine
