#include "engine/metainfo_signature.h"

#include <openssl/evp.h>
#include <openssl/pem.h>

#include "engine/metainfo.h"

namespace shoal::engine {
namespace {

// The Ed25519 public key in `pem`, null for anything else. The caller frees it.
EVP_PKEY* ReadEd25519Key(const std::string& pem) {
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  EVP_PKEY* key = PEM_read_bio_PUBKEY(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  if (key != nullptr && EVP_PKEY_id(key) != EVP_PKEY_ED25519) {
    EVP_PKEY_free(key);
    return nullptr;
  }
  return key;
}

}  // namespace

bool VerifyMetainfo(const std::string& torrent, const std::string& signature_hex,
                    const std::string& public_key_pem) {
  if (signature_hex.size() != 128) return false;
  unsigned char sig[64];
  for (int i = 0; i < 64; ++i) {
    auto nib = [](char c) {
      return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
    };
    const int hi = nib(signature_hex[2 * i]), lo = nib(signature_hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return false;
    sig[i] = static_cast<unsigned char>(hi * 16 + lo);
  }
  EVP_PKEY* key = ReadEd25519Key(public_key_pem);
  if (key == nullptr) return false;
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  const bool ok =
      EVP_DigestVerifyInit(ctx, nullptr, nullptr, nullptr, key) == 1 &&
      EVP_DigestVerify(ctx, sig, sizeof sig, reinterpret_cast<const unsigned char*>(torrent.data()),
                       torrent.size()) == 1;
  EVP_MD_CTX_free(ctx);
  EVP_PKEY_free(key);
  return ok;
}

std::string PublicKeyFingerprint(const std::string& public_key_pem) {
  EVP_PKEY* key = ReadEd25519Key(public_key_pem);
  if (key == nullptr) return "";
  unsigned char raw[32];
  std::size_t len = sizeof raw;
  const bool ok = EVP_PKEY_get_raw_public_key(key, raw, &len) == 1 && len == sizeof raw;
  EVP_PKEY_free(key);
  return ok ? ToHex(Sha256(std::string(reinterpret_cast<const char*>(raw), len))) : "";
}

}  // namespace shoal::engine
