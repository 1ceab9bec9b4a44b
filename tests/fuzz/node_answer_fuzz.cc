// Fuzz target: a cache node's answer to /shoal/v1/metainfo?url=&fill=1&wait= as the client
// reads it (engine/node_answer.h): the raw header lines through AddHeaderLine (libcurl's
// header callback), then ReadNodeAnswer's verdict (X-Shoal-Seed-Port, the Ed25519 envelope),
// then, for a body the key signed, ReadMetainfo as AdoptMetainfo does next.
// Input: one flags byte (bit 0: sign the body with this process's key, so the fuzzer reaches
// the metainfo; bit 1: an HTTP failure whose status is the next byte x 2, 0 = no answer), the
// header lines up to an empty line, then the body.
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <cctype>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>

#include "engine/metainfo.h"
#include "engine/node_answer.h"

namespace {

#define Check(ok) CheckAt(ok, #ok)
void CheckAt(bool ok, const char* what) {
  if (ok) return;
  std::fprintf(stderr, "check failed: %s\n", what);
  std::abort();
}

// The node's key, made once per process: the fuzzer never sees it, so it cannot forge.
struct Key {
  EVP_PKEY* pkey = nullptr;
  std::string public_pem;
  Key() {
    EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new_id(EVP_PKEY_ED25519, nullptr);
    Check(ctx != nullptr && EVP_PKEY_keygen_init(ctx) == 1 && EVP_PKEY_keygen(ctx, &pkey) == 1);
    EVP_PKEY_CTX_free(ctx);
    BIO* bio = BIO_new(BIO_s_mem());
    Check(PEM_write_bio_PUBKEY(bio, pkey) == 1);
    char* text = nullptr;
    const long n = BIO_get_mem_data(bio, &text);
    public_pem.assign(text, n);
    BIO_free(bio);
  }
  std::string SignHex(const std::string& data) const {
    unsigned char sig[64];
    size_t len = sizeof sig;
    EVP_MD_CTX* md = EVP_MD_CTX_new();
    Check(EVP_DigestSignInit(md, nullptr, nullptr, nullptr, pkey) == 1 &&
          EVP_DigestSign(md, sig, &len, reinterpret_cast<const unsigned char*>(data.data()),
                         data.size()) == 1);
    EVP_MD_CTX_free(md);
    std::string hex;
    for (size_t i = 0; i < len; ++i) {
      char b[3];
      std::snprintf(b, sizeof b, "%02x", sig[i]);
      hex += b;
    }
    return hex;
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace engine = shoal::engine;
  static const Key key;
  if (size < 2) return 0;
  const bool sign = (data[0] & 1) != 0;
  const bool failed = (data[0] & 2) != 0;
  const long status = failed ? data[1] * 2L : 200;
  const std::string input(reinterpret_cast<const char*>(data + 2), size - 2);

  engine::FetchResult r;
  r.http_status = status;
  if (failed) {
    r.code = status >= 400 ? shoal::hr::HttpError(static_cast<int>(status))
                           : shoal::hr::kInternetCannotConnect;
    r.message = "failed";
  }
  std::size_t pos = 0;
  while (pos < input.size()) {
    const std::size_t nl = input.find('\n', pos);
    const std::size_t end = nl == std::string::npos ? input.size() : nl + 1;
    const std::string_view line(input.data() + pos, end - pos);
    pos = end;
    if (line == "\r\n" || line == "\n") break;
    engine::AddHeaderLine(line, &r.headers);
  }
  for (const auto& [name, value] : r.headers) {
    for (const char c : name) Check(!std::isupper(static_cast<unsigned char>(c)));
    if (!value.empty()) {
      Check(value.front() != ' ' && value.front() != '\t');
      Check(value.find_last_not_of(" \t\r\n") == value.size() - 1);
    }
  }
  r.body = input.substr(pos);
  if (sign) r.headers["x-shoal-signature"] = "ed25519=" + key.SignHex(r.body);

  const engine::NodeAnswer a = engine::ReadNodeAnswer(r, key.public_pem);
  Check(a.seed_port >= 0 && a.seed_port <= 65535);
  if (const auto p = r.headers.find("x-shoal-seed-port"); p != r.headers.end()) {
    // A port announced is the value's digits, nothing else; anything else announces none.
    long value = 0;
    bool digits = !p->second.empty() && p->second.size() <= 5;
    for (const char c : p->second) {
      digits = digits && std::isdigit(static_cast<unsigned char>(c));
      if (digits) value = value * 10 + (c - '0');  // at most 5 digits: no overflow
    }
    Check(a.seed_port == (digits && value >= 1 && value <= 65535 ? value : 0));
  } else {
    Check(a.seed_port == 0);
  }
  Check(a.unreachable == (failed && status == 0));
  Check(a.signed_ok == (sign && !failed));  // nothing the fuzzer writes passes for signed
  Check(a.signed_ok || !a.why.empty());
  if (a.signed_ok) {
    engine::MetainfoSummary summary;
    std::string error;
    if (shoal::hr::Failed(engine::ReadMetainfo(r.body, &summary, &error))) Check(!error.empty());
  }
  return 0;
}
