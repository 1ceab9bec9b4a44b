// The content discovery codec (engine/discovery_wire.h): what goes out parses back, and what
// a stranger on the LAN sends is refused unless it is exactly a message of version 1.
#include "engine/discovery_wire.h"

#include <gtest/gtest.h>

namespace shoal::engine {
namespace {

DiscoveryMessage Have() {
  DiscoveryMessage m;
  m.kind = DiscoveryKind::kHave;
  m.sha256 = std::string(32, '\xab');
  m.nonce = 0x0123456789abcdefULL;
  m.bt_port = 6881;
  m.meta_port = 40001;
  return m;
}

TEST(DiscoveryWire, EveryKindRoundTrips) {
  for (DiscoveryKind kind : {DiscoveryKind::kFind, DiscoveryKind::kHave, DiscoveryKind::kMeta}) {
    DiscoveryMessage m = Have();
    m.kind = kind;
    if (kind != DiscoveryKind::kHave) m.bt_port = m.meta_port = 0;
    std::string why;
    const auto back = ParseDiscovery(EncodeDiscovery(m), &why);
    ASSERT_TRUE(back) << why;
    EXPECT_EQ(*back, m);
  }
}

TEST(DiscoveryWire, AQueryReadsPlainly) {
  DiscoveryMessage m{DiscoveryKind::kFind, std::string(32, '\x01'), 42};
  EXPECT_EQ(EncodeDiscovery(m),
            "SHOAL-FIND 1\r\nSha256: "
            "0101010101010101010101010101010101010101010101010101010101010101\r\n"
            "Nonce: 000000000000002a\r\n\r\n");
}

TEST(DiscoveryWire, UnknownFieldsAreIgnoredAndTrailingBytesDropped) {
  std::string text = EncodeDiscovery(Have());
  text.insert(text.find("Port:"), "X-Later: anything\r\n");
  std::string why;
  const auto m = ParseDiscovery(text + "garbage", &why);
  ASSERT_TRUE(m) << why;
  EXPECT_EQ(*m, Have());
}

TEST(DiscoveryWire, MalformedMessagesAreRefusedWithAReason) {
  const std::string good = EncodeDiscovery(Have());
  auto replace = [&](const std::string& from, const std::string& to) {
    std::string s = good;
    s.replace(s.find(from), from.size(), to);
    return s;
  };
  const std::string bad[] = {
      "",
      good.substr(0, good.size() - 2),                            // no blank line
      replace("SHOAL-HAVE 1", "SHOAL-HAVE 2"),                    // another version
      replace("SHOAL-HAVE", "SHOAL-GIVE"),                        // another kind
      replace("Sha256: ab", "Sha256: zz"),                        // not hex
      replace("Sha256: abab", "Sha256: ab"),                      // too short
      replace("Nonce: 0123", "Nonce: +123"),                      // a sign
      replace("Port: 6881", "Port: 0"),                           // port 0
      replace("Port: 6881", "Port: 65536"),                       // beyond 16 bits
      replace("Meta-Port: 40001", "Meta-Port: 40001x"),           // trailing junk
      replace("Meta-Port: 40001\r\n", ""),                        // an answer without its endpoint
      replace("Port: 6881\r\n", "Port: 6881\r\nPort: 6882\r\n"),  // given twice
      replace("Port: 6881", "Port6881"),                          // not "Name: value"
      good + std::string(kDiscoveryMessageMax, ' '),              // too long
  };
  for (const std::string& input : bad) {
    std::string why;
    EXPECT_FALSE(ParseDiscovery(input, &why)) << input;
    EXPECT_FALSE(why.empty()) << input;
  }
}

}  // namespace
}  // namespace shoal::engine
