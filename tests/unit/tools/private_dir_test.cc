#include "tools/shoal/private_dir.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

#include "tests/support/fixtures.h"

namespace shoal::cli {
namespace {

namespace fs = std::filesystem;
using shoal::testing::TempDir;

std::string ReadFile(const fs::path& p) { return shoal::testing::ReadFile(p.string()); }

TEST(PrivateDir, CreatesTheDirectoryOwnerOnly) {
  TempDir root;
  const std::string path = (root.path() / "status").string();
  PrivateDir dir;
  std::string error;
  ASSERT_TRUE(dir.Open(path, true, &error)) << error;
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  ASSERT_TRUE(dir.Write("1.json", "{}\n"));
  EXPECT_EQ(ReadFile(root.path() / "status" / "1.json"), "{}\n");
}

TEST(PrivateDir, NeverWritesThroughPlantedSymlinks) {
  TempDir root, elsewhere;
  const std::string path = (root.path() / "status").string();
  ASSERT_EQ(::mkdir(path.c_str(), 0700), 0);
  const fs::path victim = elsewhere.path() / "victim";
  shoal::testing::WriteFile(victim.string(), "precious");
  fs::create_symlink(victim, root.path() / "status" / "7.json");
  fs::create_symlink(victim, root.path() / "status" / "7.json.tmp");
  PrivateDir dir;
  std::string error;
  ASSERT_TRUE(dir.Open(path, true, &error)) << error;
  EXPECT_TRUE(dir.Write("7.json", "report"));
  EXPECT_EQ(ReadFile(victim), "precious");
  EXPECT_FALSE(fs::is_symlink(root.path() / "status" / "7.json"));
  EXPECT_EQ(ReadFile(root.path() / "status" / "7.json"), "report");
  fs::create_symlink(victim, root.path() / "status" / "8.json");
  std::string text;
  EXPECT_FALSE(dir.Read("8.json", &text)) << "a symlink is not read";
}

TEST(PrivateDir, RefusesADirectoryOthersCanWriteOrOwn) {
  TempDir root, elsewhere;
  const std::string open = (root.path() / "open").string();
  ASSERT_EQ(::mkdir(open.c_str(), 0700), 0);
  ASSERT_EQ(::chmod(open.c_str(), 0777), 0);
  PrivateDir dir;
  std::string error;
  EXPECT_FALSE(dir.Open(open, true, &error));
  EXPECT_NE(error.find("0777"), std::string::npos) << error;
  EXPECT_FALSE(dir.is_open());

  fs::create_directory(elsewhere.path() / "real");
  ::chmod((elsewhere.path() / "real").c_str(), 0700);
  fs::create_directory_symlink(elsewhere.path() / "real", root.path() / "link");
  EXPECT_FALSE(dir.Open((root.path() / "link").string(), true, &error));
  EXPECT_NE(error.find("symlink"), std::string::npos) << error;
}

TEST(PrivateDir, RefusesADirectoryOwnedByAnotherUser) {
  TempDir root;
  PrivateDir dir;
  std::string error;
  if (::getuid() != 0) GTEST_SKIP() << "chown to another user needs root";
  const std::string theirs = (root.path() / "theirs").string();
  ASSERT_EQ(::mkdir(theirs.c_str(), 0700), 0);
  ASSERT_EQ(::chown(theirs.c_str(), 4242, 4242), 0);
  EXPECT_FALSE(dir.Open(theirs, true, &error));
  EXPECT_NE(error.find("uid 4242"), std::string::npos) << error;
}

}  // namespace
}  // namespace shoal::cli
