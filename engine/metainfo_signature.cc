#include "engine/metainfo_signature.h"

#include <openssl/evp.h>
#include <openssl/pem.h>

namespace shoal::engine {

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
  BIO* bio = BIO_new_mem_buf(public_key_pem.data(), static_cast<int>(public_key_pem.size()));
  EVP_PKEY* key = PEM_read_bio_PUBKEY(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  if (!key || EVP_PKEY_id(key) != EVP_PKEY_ED25519) {
    EVP_PKEY_free(key);
    return false;
  }
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  const bool ok =
      EVP_DigestVerifyInit(ctx, nullptr, nullptr, nullptr, key) == 1 &&
      EVP_DigestVerify(ctx, sig, sizeof sig, reinterpret_cast<const unsigned char*>(torrent.data()),
                       torrent.size()) == 1;
  EVP_MD_CTX_free(ctx);
  EVP_PKEY_free(key);
  return ok;
}

}  // namespace shoal::engine
