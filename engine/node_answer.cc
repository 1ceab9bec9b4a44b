#include "engine/node_answer.h"

#include "engine/metainfo_signature.h"

namespace shoal::engine {

int ParseSeedPort(std::string_view value) {
  if (value.empty() || value.size() > 5 ||
      value.find_first_not_of("0123456789") != std::string_view::npos) {
    return 0;
  }
  int port = 0;
  for (const char c : value) port = port * 10 + (c - '0');
  return port <= 65535 ? port : 0;
}

NodeAnswer ReadNodeAnswer(const FetchResult& r, const std::string& public_key_pem) {
  NodeAnswer a;
  if (const auto port = r.headers.find("x-shoal-seed-port"); port != r.headers.end()) {
    a.seed_port = ParseSeedPort(port->second);
  }
  if (hr::Failed(r.code)) {
    // Any HTTP answer is the node's word on this URL (not held, refused by its policy, the
    // origin failed, still filling): the CDN then. No answer at all (no connection, a
    // timeout) is the node's failure.
    a.unreachable = r.http_status == 0;
    a.why = r.message + (r.body.empty() ? "" : ": " + r.body);
    return a;
  }
  const auto sig = r.headers.find("x-shoal-signature");
  constexpr std::string_view kPrefix = "ed25519=";
  if (sig == r.headers.end() || sig->second.rfind(kPrefix, 0) != 0) {
    a.why = "the answer is not signed";
  } else if (!VerifyMetainfo(r.body, sig->second.substr(kPrefix.size()), public_key_pem)) {
    a.why = "its signature does not match cache_public_key";
  } else {
    a.signed_ok = true;
  }
  return a;
}

}  // namespace shoal::engine
