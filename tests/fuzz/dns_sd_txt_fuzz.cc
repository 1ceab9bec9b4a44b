// A cache node's DNS-SD TXT record (engine/dns_sd.h) as any host on the LAN may announce it:
// the input is split into TXT strings at each newline. The parser must not crash, and what it
// accepts must encode and parse back the same.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "engine/dns_sd.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::vector<std::string> txt(1);
  for (std::size_t i = 0; i < size; ++i) {
    if (data[i] == '\n') {
      txt.emplace_back();
    } else {
      txt.back() += static_cast<char>(data[i]);
    }
  }
  shoal::engine::CacheNodeAd ad;
  std::string why;
  if (!shoal::engine::ParseCacheNodeTxt(txt, &ad, &why)) {
    if (why.empty()) std::abort();  // a refusal always says why
    return 0;
  }
  shoal::engine::CacheNodeAd back;
  if (!shoal::engine::ParseCacheNodeTxt(shoal::engine::CacheNodeTxt(ad), &back, &why) ||
      back.key != ad.key) {
    std::abort();
  }
  return 0;
}
