#include "engine/source_policy.h"

#include <algorithm>

namespace shoal::engine {

bool HttpGate::DelayOver(const SourcePolicy& policy, const Input& in) {
  const double delay = in.foreground ? policy.delay_foreground_download_from_http_s
                                     : policy.delay_background_download_from_http_s;
  return !policy.no_http && (in.lone || in.now_s - in.transfer_start_s >= delay);
}

bool HttpGate::UnavailableOpen(const SourcePolicy& policy, const Input& in) {
  return !policy.no_http && (in.found || DelayOver(policy, in));
}

bool HttpGate::Decide(const SourcePolicy& policy, const Input& in) {
  bool want;
  if (policy.no_http) {
    want = false;
  } else {
    if (!DelayOver(policy, in)) {
      want = false;
    } else {
      const double qos = policy.min_background_qos_kbps * 1024.0;
      // Join below the floor; leave only once peers alone are well above it.
      want = on_ ? in.peer_rate_bytes_s < 2 * qos : in.peer_rate_bytes_s < qos;
    }
  }
  // The hard switch and the delay act at once; rate-driven flips wait out the hold.
  const bool forced_off = policy.no_http;
  if (want != on_ && (forced_off || in.now_s - changed_at_s_ >= kHoldS || !on_)) {
    on_ = want;
    changed_at_s_ = in.now_s;
  }
  return on_;
}

namespace {

std::uint64_t Score(const std::string& id, int piece) {
  std::uint64_t h = 1469598103934665603ull;  // FNV-1a: stable across builds and processes
  auto mix = [&h](unsigned char c) { h = (h ^ c) * 1099511628211ull; };
  for (char c : id) mix(static_cast<unsigned char>(c));
  for (int i = 0; i < 4; ++i) mix(static_cast<unsigned char>(piece >> (8 * i)));
  h ^= h >> 33;  // spread the last bytes over the high bits
  h *= 0xff51afd7ed558ccdull;
  return h ^ (h >> 33);
}

}  // namespace

bool OwnsCdnPiece(const std::string& self, const std::vector<std::string>& peers, int piece) {
  const std::uint64_t mine = Score(self, piece);
  for (const std::string& p : peers) {
    if (p != self && Score(p, piece) > mine) return false;
  }
  return true;
}

int CdnPieceRank(const std::string& self, const std::vector<std::string>& peers, int piece,
                 std::string* owner) {
  const std::uint64_t mine = Score(self, piece);
  std::uint64_t best = mine;
  int rank = 0;
  if (owner != nullptr) *owner = self;
  for (const std::string& p : peers) {
    if (p == self) continue;
    const std::uint64_t score = Score(p, piece);
    if (score <= mine) continue;
    ++rank;
    if (score > best) {
      best = score;
      if (owner != nullptr) *owner = p;
    }
  }
  return rank;
}

int PickCdnPiece(const std::vector<bool>& eligible, std::uint64_t random, int* cursor) {
  const int n = static_cast<int>(eligible.size());
  if (*cursor >= 0 && *cursor < n && eligible[*cursor]) return (*cursor)++;
  int best_start = 0, best_len = 0, count = 0;
  for (int i = 0; i < n;) {
    if (!eligible[i]) {
      ++i;
      continue;
    }
    int j = i;
    while (j < n && eligible[j]) ++j;
    if (j - i > best_len) {
      best_start = i;
      best_len = j - i;
    }
    count += j - i;
    i = j;
  }
  if (count == 0) return -1;
  int pick = -1;
  if (*cursor < 0) {
    std::uint64_t k = random % static_cast<std::uint64_t>(count);
    for (int i = 0; i < n && pick < 0; ++i) {
      if (eligible[i] && k-- == 0) pick = i;
    }
  } else {
    const int third = std::max(1, best_len / 3);
    pick = best_start + (best_len - third) / 2 + static_cast<int>(random % third);
  }
  *cursor = pick + 1;
  return pick;
}

}  // namespace shoal::engine
