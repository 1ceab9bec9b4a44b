#include "engine/metainfo.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <random>

namespace shoal::engine {
namespace {

std::string WriteRandomFile(const std::filesystem::path& path, std::size_t size) {
  std::mt19937 rng(7);
  std::string data(size, '\0');
  for (auto& c : data) c = static_cast<char>(rng());
  std::ofstream(path, std::ios::binary).write(data.data(), static_cast<long>(data.size()));
  return data;
}

TEST(Metainfo, CreatesHybridMetainfoThatReadsBack) {
  const auto dir = std::filesystem::temp_directory_path() / "shoal_metainfo_test";
  std::filesystem::create_directories(dir);
  WriteRandomFile(dir / "payload.bin", 3 * 1024 * 1024 + 17);
  MetainfoSpec spec;
  spec.path = (dir / "payload.bin").string();
  spec.web_seeds = {"http://127.0.0.1:1/payload.bin"};
  std::string torrent, error;
  ASSERT_EQ(CreateMetainfo(spec, &torrent, &error), hr::kOk) << error;
  MetainfoSummary s;
  ASSERT_EQ(ReadMetainfo(torrent, &s, &error), hr::kOk) << error;
  EXPECT_EQ(s.name, "payload.bin");
  EXPECT_EQ(s.total_size, 3u * 1024 * 1024 + 17);
  EXPECT_EQ(s.num_files, 1);
  EXPECT_EQ(s.info_hash.size(), 64u);     // v2 (SHA-256) hash present
  EXPECT_EQ(s.info_hash_v1.size(), 40u);  // and, a hybrid, the v1 one
  std::filesystem::remove_all(dir);
}

TEST(Metainfo, V1OnlyHasASha1InfoHashAndNoV2Fields) {
  const auto dir = std::filesystem::temp_directory_path() / "shoal_metainfo_v1_test";
  std::filesystem::create_directories(dir);
  WriteRandomFile(dir / "payload.bin", 2 * 1024 * 1024 + 5);
  MetainfoSpec spec;
  spec.path = (dir / "payload.bin").string();
  spec.web_seeds = {"http://127.0.0.1:1/payload.bin"};
  spec.v1_only = true;
  std::string torrent, error;
  ASSERT_EQ(CreateMetainfo(spec, &torrent, &error), hr::kOk) << error;
  EXPECT_EQ(torrent.find("piece layers"), std::string::npos);
  EXPECT_EQ(torrent.find("meta version"), std::string::npos);
  MetainfoSummary s;
  ASSERT_EQ(ReadMetainfo(torrent, &s, &error), hr::kOk) << error;
  EXPECT_EQ(s.total_size, 2u * 1024 * 1024 + 5);
  EXPECT_EQ(s.info_hash.size(), 40u);  // v1 (SHA-1) only
  EXPECT_EQ(s.info_hash_v1, s.info_hash);

  spec.v2_only = true;  // both at once is a contradiction
  EXPECT_EQ(CreateMetainfo(spec, &torrent, &error), hr::kInvalidArg);
  std::filesystem::remove_all(dir);
}

TEST(Metainfo, CorruptBytesAreInvalidData) {
  MetainfoSummary s;
  std::string error;
  EXPECT_EQ(ReadMetainfo("d4:infoi3ee", &s, &error), hr::kInvalidData);
  EXPECT_FALSE(error.empty());
  EXPECT_EQ(ReadMetainfo("", &s, &error), hr::kInvalidData);
}

// Found by metainfo_fuzz (tests/fuzz/corpus/metainfo_fuzz/no_files): libtorrent accepts an
// info dictionary whose "files" list holds no file dictionary, and without "pieces", as a
// torrent of no files and no pieces; that is corrupt metainfo, not content.
TEST(Metainfo, MetainfoDescribingNoFileIsInvalidData) {
  const std::string torrent = "d4:infod5:filesl2:p2e4:name5:multi12:piece lengthi8eee";
  MetainfoSummary s;
  std::string error;
  EXPECT_EQ(ReadMetainfo(torrent, &s, &error), hr::kInvalidData);
  EXPECT_NE(error.find("no file"), std::string::npos) << error;
}

TEST(Metainfo, MissingFileIsAClearError) {
  MetainfoSpec spec;
  spec.path = "/nonexistent/shoal/file.bin";
  std::string torrent, error;
  EXPECT_EQ(CreateMetainfo(spec, &torrent, &error), hr::kFileNotFound);
  EXPECT_NE(error.find("/nonexistent/shoal/file.bin"), std::string::npos);
}

}  // namespace
}  // namespace shoal::engine
