// apt's method protocol from apt (untrusted bytes on the method's stdin): MessageReader over
// the input in two feeds, each message through ParseAcquire and back through Format.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "tools/apt/method_protocol.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  shoal::apt::MessageReader reader;
  reader.Feed(in.substr(0, size / 2));
  reader.Feed(in.substr(size / 2));
  while (auto m = reader.Next()) {
    std::string error;
    if (auto r = shoal::apt::ParseAcquire(*m, &error)) {
      if (r->url.empty() || r->filename.empty() || r->filename[0] != '/') __builtin_trap();
    }
    shoal::apt::MessageReader again;
    again.Feed(shoal::apt::Format(*m));
    if (!again.Next()) __builtin_trap();  // what we write, we read back
  }
  return 0;
}
