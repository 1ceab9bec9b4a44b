// The record of a ranged plain-HTTP file's chunks (ranged_http.h): it round-trips through its
// stored text, anything malformed is refused, and a chunk counts only while the file on disk
// still holds the bytes its digest was taken of.
#include "engine/ranged_http.h"

#include <gtest/gtest.h>

#include <fstream>

#include "engine/metainfo.h"
#include "tests/support/fixtures.h"

namespace shoal::engine {
namespace {

using shoal::testing::TempDir;

TEST(RangedChunks, RoundTripThroughTheirText) {
  const std::vector<RangedChunk> in = {{{0, 10}, std::string(64, 'a')},
                                       {{1 << 20, 7}, std::string(64, '0')}};
  std::vector<RangedChunk> out;
  ASSERT_TRUE(RangedHttp::DecodeChunks(RangedHttp::EncodeChunks(in), &out));
  EXPECT_EQ(out, in);
  ASSERT_TRUE(RangedHttp::DecodeChunks("", &out));
  EXPECT_TRUE(out.empty());
}

TEST(RangedChunks, MalformedTextIsRefused) {
  std::vector<RangedChunk> out;
  const std::string h(64, 'f');
  for (const std::string& bad : std::vector<std::string>{
           "1:2", "1:2:" + h.substr(1), "1:0:" + h, "x:2:" + h, "1:2:" + h + ",", ":2:" + h,
           "1:2:" + std::string(64, 'G'), "1:-2:" + h, "1:2:" + h + "," + "3"}) {
    EXPECT_FALSE(RangedHttp::DecodeChunks(bad, &out)) << bad;
  }
}

TEST(RangedChunks, OnlyChunksWhoseBytesStillMatchAreVerified) {
  TempDir dir;
  const std::string path = (dir.path() / "t").string();
  std::string bytes(3000, 'x');
  for (std::size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<char>(i * 7);
  { std::ofstream(path, std::ios::binary) << bytes; }
  const RangedChunk a{{0, 1000}, ToHex(Sha256(bytes.substr(0, 1000)))};
  const RangedChunk b{{1000, 1000}, ToHex(Sha256(bytes.substr(1000, 1000)))};
  const RangedChunk past_end{{2500, 1000}, ToHex(Sha256(bytes.substr(2500)))};
  RangedChunk wrong = b;
  wrong.range.offset = 1001;
  EXPECT_EQ(RangedHttp::Verified(path, {a, b, past_end, wrong}), (std::vector<RangedChunk>{a, b}));
  {
    std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(1500);
    f.put('\0');  // torn
  }
  EXPECT_EQ(RangedHttp::Verified(path, {a, b}), (std::vector<RangedChunk>{a}));
  EXPECT_TRUE(RangedHttp::Verified((dir.path() / "missing").string(), {a}).empty());
}

}  // namespace
}  // namespace shoal::engine
