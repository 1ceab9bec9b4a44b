// The check of a cache node's signature over the metainfo it serves (docs/cache.md): Ed25519
// by OpenSSL against the public key the client is configured with. The node signs (cache/),
// the engine checks; the engine never depends on cache/. Pure functions: thread-safe.
#pragma once

#include <string>

namespace shoal::engine {

// True only when `signature_hex` (128 lowercase hex digits) is a valid Ed25519 signature of
// `torrent` by the key in `public_key_pem`; anything else (bad hex, wrong key, altered bytes, a
// key that is not Ed25519 or not PEM) is false.
bool VerifyMetainfo(const std::string& torrent, const std::string& signature_hex,
                    const std::string& public_key_pem);

}  // namespace shoal::engine
