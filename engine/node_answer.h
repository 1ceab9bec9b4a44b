// The cache node's answer to a metainfo request (/shoal/v1/metainfo?url=&fill=1&wait=), read
// as the client trusts it (docs/cache.md "Clients"): the seed port it announces and its
// Ed25519 envelope checked against the configured key, before any of its bytes are used.
// Pure functions (no I/O, no resolving): thread-safe; the fuzz target node_answer_fuzz.
#pragma once

#include <string>
#include <string_view>

#include "engine/http_fetch.h"

namespace shoal::engine {

// X-Shoal-Seed-Port's value as a port (1..65535): 0 for anything else (empty, signs, spaces,
// leading text, too many digits).
int ParseSeedPort(std::string_view value);

struct NodeAnswer {
  bool signed_ok = false;  // `r.body` is metainfo the configured key signed
  bool unreachable = false;  // no HTTP answer at all: the node is skipped for a while
  int seed_port = 0;         // where the node seeds it over BitTorrent (0: it does not say)
  std::string why;           // when !signed_ok: why the answer is not used (English)
};

// The verdict on `r` (HttpGet's result, header names lowercased) under `public_key_pem`.
NodeAnswer ReadNodeAnswer(const FetchResult& r, const std::string& public_key_pem);

}  // namespace shoal::engine
