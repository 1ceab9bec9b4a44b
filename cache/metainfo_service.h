// Metainfo for content the cache node holds: deterministic v2 (the engine's piece-size rule
// from the size, the URL's last segment as name, the URL as web seed, no creation date), signed
// with the node's Ed25519 key (OpenSSL EVP). Clients check the signature with
// engine::VerifyMetainfo (engine/metainfo_signature.h). Thread-safe (MetainfoSigner is
// immutable after Load).
#pragma once

#include <memory>
#include <string>

namespace shoal::cache {

// Bencoded v2 metainfo for `object_path` (a stored file) fetched from `url`. The file is
// hard-linked under `scratch_dir` to carry the name; false with *error on failure.
bool MakeNodeMetainfo(const std::string& object_path, const std::string& url,
                      const std::string& scratch_dir, std::string* torrent, std::string* error);

class MetainfoSigner {
 public:
  // An Ed25519 private key in PEM (PKCS#8) from `pem_path`; null with *error otherwise.
  static std::unique_ptr<MetainfoSigner> Load(const std::string& pem_path, std::string* error);
  ~MetainfoSigner();
  std::string Sign(const std::string& data) const;  // 64-byte signature, lowercase hex
  std::string PublicKeyPem() const;

 private:
  MetainfoSigner() = default;
  void* key_ = nullptr;  // EVP_PKEY
};

}  // namespace shoal::cache
