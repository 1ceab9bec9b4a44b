#include "engine/group_mode.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>

#include "tests/support/fixtures.h"

namespace shoal::engine {
namespace {

// A CA and a member certificate it signed, and a second key that belongs to neither, made by
// the openssl tool (tools/bootstrap.sh installs it).
class GroupCredentialsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string d = dir_.path().string();
    const std::string cmd =
        "cd " + d +
        " && openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2"
        " -subj /CN=ca -keyout ca.key -out ca.pem"
        " && openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=m"
        " -keyout m.key -out m.csr"
        " && openssl x509 -req -days 2 -in m.csr -CA ca.pem -CAkey ca.key -CAcreateserial"
        " -out m.pem && openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256"
        " -out other.key) >/dev/null 2>&1";
    ASSERT_EQ(std::system(("(" + cmd).c_str()), 0)
        << "openssl could not make the test's certificates";
    options_.download_mode = 2;
    options_.group_id = "site-1";
    options_.group_ca_cert = d + "/ca.pem";
    options_.group_cert = d + "/m.pem";
    options_.group_key = d + "/m.key";
  }
  std::string Fails(const EngineOptions& o) {
    GroupCredentials c;
    std::string error;
    EXPECT_FALSE(LoadGroupCredentials(o, &c, &error));
    return error;
  }
  testing::TempDir dir_;
  EngineOptions options_;
};

TEST_F(GroupCredentialsTest, ReadsAGoodGroup) {
  GroupCredentials c;
  std::string error;
  ASSERT_TRUE(LoadGroupCredentials(options_, &c, &error)) << error;
  EXPECT_EQ(c.id, "site-1");
  EXPECT_EQ(c.ca_pem, testing::ReadFile(options_.group_ca_cert));
  EXPECT_EQ(c.cert_pem, testing::ReadFile(options_.group_cert));
  EXPECT_EQ(c.key_pem, testing::ReadFile(options_.group_key));
}

TEST_F(GroupCredentialsTest, RelativePathsAreUnderTheDataDirectory) {
  options_.data_dir = dir_.path().string();
  options_.group_ca_cert = "ca.pem";
  options_.group_cert = "m.pem";
  options_.group_key = "m.key";
  EXPECT_EQ(GroupFilePath(options_, "ca.pem"), (dir_ / "ca.pem"));
  EXPECT_EQ(GroupFilePath(options_, "/etc/x.pem"), "/etc/x.pem");
  GroupCredentials c;
  std::string error;
  EXPECT_TRUE(LoadGroupCredentials(options_, &c, &error)) << error;
}

TEST_F(GroupCredentialsTest, EachMissingSettingIsNamed) {
  for (std::string EngineOptions::*field :
       {&EngineOptions::group_id, &EngineOptions::group_ca_cert, &EngineOptions::group_cert,
        &EngineOptions::group_key}) {
    EngineOptions o = options_;
    o.*field = "";
    const std::string error = Fails(o);
    EXPECT_NE(error.find("Group mode"), std::string::npos) << error;
    EXPECT_NE(error.find("is not set"), std::string::npos) << error;
  }
  EngineOptions o = options_;
  o.group_key = "";
  EXPECT_NE(Fails(o).find("group_key"), std::string::npos);
}

TEST_F(GroupCredentialsTest, UnreadableOrWrongFilesAreRefused) {
  EngineOptions o = options_;
  o.group_cert = (dir_ / "missing.pem");
  std::string error = Fails(o);
  EXPECT_NE(error.find("group_cert: cannot read"), std::string::npos) << error;
  EXPECT_NE(error.find("missing.pem"), std::string::npos) << error;

  o = options_;
  o.group_ca_cert = options_.group_key;  // a key is not a certificate
  EXPECT_NE(Fails(o).find("group_ca_cert: not a PEM certificate"), std::string::npos);

  o = options_;
  o.group_key = options_.group_cert;
  EXPECT_NE(Fails(o).find("group_key: not"), std::string::npos);

  o = options_;
  o.group_key = (dir_ / "other.key");
  EXPECT_NE(Fails(o).find("does not belong to group_cert"), std::string::npos);
}

}  // namespace
}  // namespace shoal::engine
