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

// Lower-case hex SHA-256 of the raw 32-byte Ed25519 public key in `public_key_pem` (what a
// node announces over DNS-SD, engine/dns_sd.h, so a client tells its node from others
// before asking it); "" for anything that is not an Ed25519 public key in PEM.
std::string PublicKeyFingerprint(const std::string& public_key_pem);

}  // namespace shoal::engine
