#include "engine/group_mode.h"

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>

namespace shoal::engine {
namespace {

bool ReadText(const std::string& path, std::string* out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::ostringstream s;
  s << in.rdbuf();
  *out = s.str();
  return static_cast<bool>(in) || in.eof();
}

struct BioFree {
  void operator()(BIO* b) const { BIO_free(b); }
};
struct X509Free {
  void operator()(X509* x) const { X509_free(x); }
};
struct KeyFree {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};

std::unique_ptr<BIO, BioFree> Bio(const std::string& pem) {
  return std::unique_ptr<BIO, BioFree>(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
}

std::unique_ptr<X509, X509Free> Certificate(const std::string& pem) {
  auto bio = Bio(pem);
  return std::unique_ptr<X509, X509Free>(
      bio ? PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr) : nullptr);
}

}  // namespace

std::string GroupFilePath(const EngineOptions& options, const std::string& path) {
  if (path.empty() || path.front() == '/' || options.data_dir.empty()) return path;
  return (std::filesystem::path(options.data_dir) / path).string();
}

bool LoadGroupCredentials(const EngineOptions& options, GroupCredentials* out, std::string* error) {
  const auto fail = [&](const std::string& why) {
    *error = "Group mode (download_mode 2): " + why;
    return false;
  };
  if (options.group_id.empty()) return fail("group_id (DOGroupId) is not set");
  struct File {
    const char* key;
    const std::string& value;
    std::string* text;
  };
  GroupCredentials c;
  c.id = options.group_id;
  for (const File& f : {File{"group_ca_cert", options.group_ca_cert, &c.ca_pem},
                        File{"group_cert", options.group_cert, &c.cert_pem},
                        File{"group_key", options.group_key, &c.key_pem}}) {
    if (f.value.empty()) return fail(std::string(f.key) + " is not set");
    const std::string path = GroupFilePath(options, f.value);
    if (!ReadText(path, f.text)) return fail(std::string(f.key) + ": cannot read " + path);
  }
  auto ca = Certificate(c.ca_pem);
  if (!ca) return fail("group_ca_cert: not a PEM certificate");
  auto cert = Certificate(c.cert_pem);
  if (!cert) return fail("group_cert: not a PEM certificate");
  auto bio = Bio(c.key_pem);
  std::unique_ptr<EVP_PKEY, KeyFree> key(
      bio ? PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr) : nullptr);
  if (!key) return fail("group_key: not an unencrypted PEM private key");
  if (X509_check_private_key(cert.get(), key.get()) != 1) {
    return fail("group_key does not belong to group_cert");
  }
  *out = std::move(c);
  return true;
}

}  // namespace shoal::engine
