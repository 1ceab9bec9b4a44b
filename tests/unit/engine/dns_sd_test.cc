// DNS-SD of cache nodes (decision 0019): the TXT codec (untrusted: anyone on the LAN may
// announce), the key fingerprint a node announces, and how a client admits a node it found
// (CacheHosts::Add, AddressInRange). The Avahi side runs in tests/integration/dns_sd_test.cc.
#include "engine/dns_sd.h"

#include <gtest/gtest.h>

#include "engine/cache_hosts.h"
#include "engine/download_mode.h"
#include "engine/metainfo_signature.h"

namespace shoal::engine {
namespace {

const std::string kKey(64, 'a');

TEST(DnsSdTxt, WhatANodeAnnouncesReadsBack) {
  CacheNodeAd ad;
  ad.key = kKey;
  EXPECT_EQ(CacheNodeTxt(ad), (std::vector<std::string>{"txtvers=1", "key=" + kKey}));
  CacheNodeAd back;
  std::string why;
  ASSERT_TRUE(ParseCacheNodeTxt(CacheNodeTxt(ad), &back, &why)) << why;
  EXPECT_EQ(back.key, kKey);
  // A node that signs nothing announces no key; unknown items are room for later versions.
  ASSERT_TRUE(ParseCacheNodeTxt({"txtvers=1", "future=x", "flag"}, &back, &why)) << why;
  EXPECT_EQ(back.key, "");
}

TEST(DnsSdTxt, AnAnnouncementShoalMustNotUseIsRefusedWithAReason) {
  const std::vector<std::pair<std::vector<std::string>, std::string>> bad = {
      {{}, "no txtvers=1"},
      {{"key=" + kKey}, "no txtvers=1"},
      {{"txtvers=2"}, "txtvers is not 1"},
      {{"txtvers"}, "txtvers is not 1"},
      {{"txtvers=1", "key=" + kKey.substr(1)}, "key is not 64 lower-case hex digits"},
      {{"txtvers=1", "key=" + std::string(64, 'A')}, "key is not 64 lower-case hex digits"},
      {{"txtvers=1", "key=" + std::string(63, 'a') + "g"}, "key is not 64 lower-case hex digits"},
      {{"txtvers=1", "key=" + kKey, "key=" + kKey}, "key is given twice"},
  };
  for (const auto& [txt, reason] : bad) {
    CacheNodeAd ad;
    ad.key = "untouched";
    std::string why;
    EXPECT_FALSE(ParseCacheNodeTxt(txt, &ad, &why)) << reason;
    EXPECT_EQ(why, reason);
    EXPECT_EQ(ad.key, "untouched");
  }
}

TEST(DnsSdTxt, TheFingerprintIsTheSha256OfTheRawPublicKey) {
  // openssl pkey -pubin -in k.pub -outform DER | tail -c 32 | sha256sum
  const std::string pem =
      "-----BEGIN PUBLIC KEY-----\n"
      "MCowBQYDK2VwAyEAIEA5jlWJifVW2scOsCAiHckKcwr7NyTv74RESd4110k=\n"
      "-----END PUBLIC KEY-----\n";
  EXPECT_EQ(PublicKeyFingerprint(pem),
            "9b4f94d80754d7e7fa3038e4ccd27b035444fe5713308c1e96c14e977288bf6f");
  EXPECT_EQ(PublicKeyFingerprint(""), "");
  EXPECT_EQ(PublicKeyFingerprint("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n"),
            "");
}

TEST(DnsSdTxt, AFoundNodeComesAfterTheListedOnesAndOnlyOnce) {
  CacheHosts hosts({});
  EXPECT_TRUE(hosts.Add("10.0.0.5:3144"));
  EXPECT_FALSE(hosts.Add("10.0.0.5:3144"));
  EXPECT_FALSE(hosts.Add("10.0.0.5"));  // the default port: the same node
  EXPECT_EQ(hosts.Pick("http://cdn/x", 0), "10.0.0.5:3144");
  CacheHosts listed({"node"});
  EXPECT_TRUE(listed.Add("10.0.0.6:80"));
  EXPECT_EQ(listed.Pick("http://cdn/x", 0), "node:3144");
  listed.SkipHost("node:3144", 0);
  EXPECT_EQ(listed.Pick("http://cdn/x", 1), "10.0.0.6:80");
}

TEST(DnsSdTxt, OnlyANodeOnTheLocalNetworkCounts) {
  EXPECT_TRUE(AddressInRange("10.77.0.10", "10.77.0.0", "10.77.0.255"));
  EXPECT_TRUE(AddressInRange("10.77.0.0", "10.77.0.0", "10.77.0.255"));
  EXPECT_FALSE(AddressInRange("10.77.1.10", "10.77.0.0", "10.77.0.255"));
  EXPECT_FALSE(AddressInRange("9.255.255.255", "10.0.0.0", "10.255.255.255"));
  EXPECT_TRUE(AddressInRange("fe80::1", "fe80::", "febf:ffff:ffff:ffff:ffff:ffff:ffff:ffff"));
  EXPECT_FALSE(AddressInRange("10.77.0.10", "fe80::", "febf::"));  // the other family
  EXPECT_FALSE(AddressInRange("node.local", "10.0.0.0", "10.255.255.255"));
}

}  // namespace
}  // namespace shoal::engine
