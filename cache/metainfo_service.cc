#include "cache/metainfo_service.h"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <unistd.h>

#include <filesystem>
#include <random>

#include "engine/metainfo.h"

namespace shoal::cache {
namespace fs = std::filesystem;

bool MakeNodeMetainfo(const std::string& object_path, const std::string& url,
                      const std::string& scratch_dir, std::string* torrent, std::string* error) {
  std::string name = url.substr(0, url.find('?'));
  name = name.substr(name.rfind('/') + 1);
  if (name.empty() || name == "." || name == "..") name = "content";
  const fs::path dir = fs::path(scratch_dir) / ("meta-" + std::to_string(std::random_device{}()) +
                                                "-" + std::to_string(getpid()));
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (!ec) fs::create_hard_link(object_path, dir / name, ec);
  if (ec) {
    *error = "metainfo for " + url + ": " + ec.message();
    fs::remove_all(dir, ec);
    return false;
  }
  engine::MetainfoSpec spec;
  spec.path = (dir / name).string();
  spec.web_seeds = {url};
  spec.v2_only = true;
  spec.deterministic = true;
  const bool ok = engine::CreateMetainfo(spec, torrent, error) == hr::kOk;
  fs::remove_all(dir, ec);
  return ok;
}

std::unique_ptr<MetainfoSigner> MetainfoSigner::Load(const std::string& pem_path,
                                                     std::string* error) {
  FILE* f = fopen(pem_path.c_str(), "r");
  if (!f) {
    *error = "cannot read the signing key " + pem_path;
    return nullptr;
  }
  EVP_PKEY* key = PEM_read_PrivateKey(f, nullptr, nullptr, nullptr);
  fclose(f);
  if (!key || EVP_PKEY_id(key) != EVP_PKEY_ED25519) {
    EVP_PKEY_free(key);
    *error = pem_path + ": not an Ed25519 private key in PEM";
    return nullptr;
  }
  auto s = std::unique_ptr<MetainfoSigner>(new MetainfoSigner());
  s->key_ = key;
  return s;
}

MetainfoSigner::~MetainfoSigner() { EVP_PKEY_free(static_cast<EVP_PKEY*>(key_)); }

std::string MetainfoSigner::Sign(const std::string& data) const {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  unsigned char sig[64];
  std::size_t len = sizeof sig;
  const bool ok =
      EVP_DigestSignInit(ctx, nullptr, nullptr, nullptr, static_cast<EVP_PKEY*>(key_)) == 1 &&
      EVP_DigestSign(ctx, sig, &len, reinterpret_cast<const unsigned char*>(data.data()),
                     data.size()) == 1;
  EVP_MD_CTX_free(ctx);
  return ok ? engine::ToHex(std::string(reinterpret_cast<char*>(sig), len)) : "";
}

std::string MetainfoSigner::PublicKeyPem() const {
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_PUBKEY(bio, static_cast<EVP_PKEY*>(key_));
  char* p = nullptr;
  const long n = BIO_get_mem_data(bio, &p);
  std::string out(p, static_cast<std::size_t>(n));
  BIO_free(bio);
  return out;
}

}  // namespace shoal::cache
