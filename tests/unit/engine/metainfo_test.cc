#include "engine/metainfo.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <libtorrent/bdecode.hpp>
#include <libtorrent/torrent_info.hpp>
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

// Group mode's torrent: the same content and piece hashes, the group's CA inside the info
// dictionary (an SSL torrent to libtorrent), so its own info-hash, the same for every member.
class GroupMetainfoTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // Its own folder: ctest runs these tests at once, in processes of their own.
    dir_ = std::filesystem::temp_directory_path() /
           ("shoal_group_metainfo_test." + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
    WriteRandomFile(dir_ / "payload.bin", 1024 * 1024 + 5);
    MetainfoSpec spec;
    spec.path = (dir_ / "payload.bin").string();
    spec.web_seeds = {"http://127.0.0.1:1/payload.bin"};
    std::string error;
    ASSERT_EQ(CreateMetainfo(spec, &plain_, &error), hr::kOk) << error;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::filesystem::path dir_;
  std::string plain_;
  const std::string ca_ =
      "-----BEGIN CERTIFICATE-----\nMIIB...group-a\n-----END CERTIFICATE-----\n";
};

TEST_F(GroupMetainfoTest, KeepsTheContentAndPiecesAndCarriesTheCa) {
  std::string group, error;
  ASSERT_EQ(GroupMetainfo(plain_, "g1", ca_, &group, &error), hr::kOk) << error;
  MetainfoSummary a, b;
  ASSERT_EQ(ReadMetainfo(plain_, &a, &error), hr::kOk) << error;
  ASSERT_EQ(ReadMetainfo(group, &b, &error), hr::kOk) << error;
  EXPECT_EQ(b.name, a.name);
  EXPECT_EQ(b.total_size, a.total_size);
  EXPECT_EQ(b.num_pieces, a.num_pieces);
  EXPECT_EQ(b.piece_length, a.piece_length);
  EXPECT_NE(b.info_hash, a.info_hash);
  EXPECT_NE(b.info_hash_v1, a.info_hash_v1);
  const lt::torrent_info plain(
      lt::span<const char>(plain_.data(), static_cast<long>(plain_.size())), lt::from_span);
  const lt::torrent_info ti(lt::span<const char>(group.data(), static_cast<long>(group.size())),
                            lt::from_span);
  EXPECT_EQ(ti.ssl_cert(), ca_) << "libtorrent must see an SSL torrent of the group's CA";
  EXPECT_TRUE(plain.ssl_cert().empty());
  for (int i = 0; i < ti.num_pieces(); ++i) {
    EXPECT_EQ(ti.hash_for_piece(lt::piece_index_t(i)), plain.hash_for_piece(lt::piece_index_t(i)));
  }
  ASSERT_EQ(ti.files().num_files(), plain.files().num_files());
  for (lt::file_index_t f : ti.files().file_range()) {
    EXPECT_EQ(ti.files().root(f), plain.files().root(f)) << "v2 piece roots kept";
  }
}

TEST_F(GroupMetainfoTest, IsDeterministicIdempotentAndDiffersPerGroup) {
  std::string one, two, again, other_ca, other_id, error;
  ASSERT_EQ(GroupMetainfo(plain_, "g1", ca_, &one, &error), hr::kOk);
  ASSERT_EQ(GroupMetainfo(plain_, "g1", ca_, &two, &error), hr::kOk);
  EXPECT_EQ(one, two);
  ASSERT_EQ(GroupMetainfo(one, "g1", ca_, &again, &error), hr::kOk);
  EXPECT_EQ(again, one);
  ASSERT_EQ(GroupMetainfo(plain_, "g1", ca_ + " ", &other_ca, &error), hr::kOk);
  ASSERT_EQ(GroupMetainfo(plain_, "g2", ca_, &other_id, &error), hr::kOk);
  MetainfoSummary s1, s2, s3;
  ReadMetainfo(one, &s1, &error);
  ReadMetainfo(other_ca, &s2, &error);
  ReadMetainfo(other_id, &s3, &error);
  EXPECT_NE(s1.info_hash, s2.info_hash);
  EXPECT_NE(s1.info_hash, s3.info_hash);
}

// An info dictionary naming "pieces" twice: libtorrent reads one, a re-encoding keeps the
// other. The group torrent must not describe other pieces than the original: refused.
TEST_F(GroupMetainfoTest, AnAmbiguousInfoDictionaryIsRefused) {
  MetainfoSpec spec;
  spec.path = (dir_ / "payload.bin").string();
  spec.v1_only = true;
  std::string v1, out, error;
  ASSERT_EQ(CreateMetainfo(spec, &v1, &error), hr::kOk) << error;
  lt::error_code ec;
  const lt::bdecode_node root =
      lt::bdecode(lt::span<const char>(v1.data(), static_cast<long>(v1.size())), ec);
  ASSERT_FALSE(ec);
  const auto section = root.dict_find_dict("info").data_section();
  const std::size_t end = static_cast<std::size_t>(section.data() - v1.data()) + section.size() - 1;
  ASSERT_EQ(v1[end], 'e');
  std::string twice = v1;
  twice.insert(end, "6:pieces20:" + std::string(20, 'x'));
  MetainfoSummary s;
  ASSERT_EQ(ReadMetainfo(twice, &s, &error), hr::kOk) << "libtorrent takes it: " << error;
  EXPECT_EQ(GroupMetainfo(twice, "g1", ca_, &out, &error), hr::kInvalidData);
  EXPECT_NE(error.find("cannot be made the group's torrent"), std::string::npos) << error;
}

TEST(GroupMetainfo, CorruptMetainfoIsInvalidData) {
  std::string out, error;
  for (const std::string& bad : {std::string("not bencode"), std::string("d4:infoi1ee"),
                                 std::string("li1ee"), std::string()}) {
    EXPECT_EQ(GroupMetainfo(bad, "g", "ca", &out, &error), hr::kInvalidData) << bad;
    EXPECT_NE(error.find("corrupt metainfo"), std::string::npos) << error;
  }
}

}  // namespace
}  // namespace shoal::engine
