#include "cache/metainfo_service.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "engine/metainfo.h"
#include "engine/metainfo_signature.h"

namespace shoal::cache {
namespace {

using engine::VerifyMetainfo;
namespace fs = std::filesystem;

class MetainfoService : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("shoal-meta-" + std::to_string(getpid()));
    fs::create_directories(dir_);
    std::ofstream(dir_ / "object", std::ios::binary) << std::string(300000, 'x') << "tail";
    for (const char* k : {"a", "b"}) {
      const std::string cmd = "openssl genpkey -algorithm ed25519 -out " +
                              (dir_ / (std::string(k) + ".pem")).string() + " 2>/dev/null";
      ASSERT_EQ(std::system(cmd.c_str()), 0);
    }
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string Make() {
    std::string torrent, error;
    EXPECT_TRUE(MakeNodeMetainfo((dir_ / "object").string(), "http://cdn.example/pool/x.deb",
                                 dir_.string(), &torrent, &error))
        << error;
    return torrent;
  }

  std::unique_ptr<MetainfoSigner> Key(const char* k) {
    std::string error;
    auto s = MetainfoSigner::Load((dir_ / (std::string(k) + ".pem")).string(), &error);
    EXPECT_TRUE(s) << error;
    return s;
  }

  fs::path dir_;
};

TEST_F(MetainfoService, TheSameContentAndUrlGiveIdenticalV2Metainfo) {
  const std::string first = Make();
  sleep(1);  // a creation date would differ now
  EXPECT_EQ(Make(), first);
  engine::MetainfoSummary m;
  std::string error;
  ASSERT_EQ(engine::ReadMetainfo(first, &m, &error), hr::kOk) << error;
  EXPECT_EQ(m.name, "x.deb");
  EXPECT_EQ(m.total_size, 300004u);
  EXPECT_EQ(m.info_hash.size(), 64u);  // v2
  EXPECT_TRUE(m.info_hash_v1.empty());
  EXPECT_NE(first.find("http://cdn.example/pool/x.deb"), std::string::npos);  // web seed
  EXPECT_EQ(std::distance(fs::directory_iterator(dir_), fs::directory_iterator()), 3);
}

TEST_F(MetainfoService, AValidSignatureIsAcceptedAndAnyMismatchRefused) {
  const std::string torrent = Make();
  auto a = Key("a");
  auto b = Key("b");
  const std::string sig = a->Sign(torrent);
  ASSERT_EQ(sig.size(), 128u);
  EXPECT_TRUE(VerifyMetainfo(torrent, sig, a->PublicKeyPem()));
  EXPECT_FALSE(VerifyMetainfo(torrent, sig, b->PublicKeyPem()));  // another node's key
  EXPECT_FALSE(VerifyMetainfo(torrent, b->Sign(torrent), a->PublicKeyPem()));
  std::string altered = torrent;
  altered[altered.size() / 2] ^= 1;
  EXPECT_FALSE(VerifyMetainfo(altered, sig, a->PublicKeyPem()));
  std::string bad = sig;
  bad[0] = bad[0] == '0' ? '1' : '0';
  EXPECT_FALSE(VerifyMetainfo(torrent, bad, a->PublicKeyPem()));
  EXPECT_FALSE(VerifyMetainfo(torrent, "zz" + sig.substr(2), a->PublicKeyPem()));
  EXPECT_FALSE(VerifyMetainfo(torrent, sig.substr(2), a->PublicKeyPem()));
  EXPECT_FALSE(VerifyMetainfo(torrent, sig, "not a key"));
}

TEST_F(MetainfoService, AKeyThatIsNotEd25519IsAClearError) {
  ASSERT_EQ(std::system(("openssl genpkey -algorithm rsa -pkeyopt rsa_keygen_bits:1024 -out " +
                         (dir_ / "rsa.pem").string() + " 2>/dev/null")
                            .c_str()),
            0);
  std::string error;
  EXPECT_FALSE(MetainfoSigner::Load((dir_ / "rsa.pem").string(), &error));
  EXPECT_NE(error.find("not an Ed25519"), std::string::npos);
  EXPECT_FALSE(MetainfoSigner::Load((dir_ / "none.pem").string(), &error));
}

}  // namespace
}  // namespace shoal::cache
