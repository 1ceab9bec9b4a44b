// TempFileList (decision 0020): what a durable engine lists survives a reopen, a line a crash
// cut is never trusted, and Collect deletes only unclaimed files that are still what this
// engine made.
#include <gtest/gtest.h>

#include <filesystem>

#include "engine/temp_files.h"
#include "tests/support/fixtures.h"

namespace shoal::engine {
namespace {

using testing::ReadFile;
using testing::TempDir;
using testing::WriteFile;

TEST(TempFileList, CollectDeletesTheUnclaimedFilesItListedAndKeepsTheClaimedOnes) {
  TempDir dir;
  const std::string list = dir / "temp-files";
  const std::string claimed = dir / ".a.bin.1-0.shoal-tmp";
  const std::string lost = dir / ".b.bin.2-0.shoal-tmp";
  const std::string unlisted = dir / ".c.bin.3-0.shoal-tmp";
  for (const auto& p : {claimed, lost, unlisted}) WriteFile(p, "partial");
  std::string error;
  {
    TempFileList l;
    ASSERT_TRUE(l.Open(list, &error)) << error;
    ASSERT_TRUE(l.Add({claimed, lost}, &error)) << error;
    ASSERT_TRUE(l.Add({claimed}, &error)) << error;  // listed once
  }
  EXPECT_EQ(ReadFile(list), claimed + "\n" + lost + "\n");
  TempFileList l;
  ASSERT_TRUE(l.Open(list, &error)) << error;
  EXPECT_EQ(l.Collect({claimed}, &error), std::vector<std::string>{lost});
  EXPECT_EQ(error, "");
  EXPECT_TRUE(std::filesystem::exists(claimed));
  EXPECT_FALSE(std::filesystem::exists(lost));
  EXPECT_TRUE(std::filesystem::exists(unlisted)) << "never listed: not this engine's";
  EXPECT_EQ(ReadFile(list), claimed + "\n");
  ASSERT_TRUE(l.Add({unlisted}, &error)) << error;  // appends after the rewrite
  EXPECT_EQ(ReadFile(list), claimed + "\n" + unlisted + "\n");
}

TEST(TempFileList, ALineACrashCutAndPathsThatAreNotTempFilesAreNeverDeleted) {
  TempDir dir;
  const std::string list = dir / "temp-files";
  const std::string whole = dir / ".x.bin.1-0.shoal-tmp";
  const std::string cut = dir / ".y.bin.2-0";  // what a cut line of ".y.bin.2-0.shoal-tmp" names
  const std::string plain = dir / "report.pdf";
  const std::string dir_named = dir / ".d.shoal-tmp";
  for (const auto& p : {whole, cut, plain}) WriteFile(p, "bytes");
  std::filesystem::create_directory(dir_named);
  WriteFile(list, whole + "\n" + plain + "\n" + dir_named + "\nrelative.shoal-tmp\n" + cut);
  TempFileList l;
  std::string error;
  ASSERT_TRUE(l.Open(list, &error)) << error;
  EXPECT_EQ(l.Collect({}, &error), std::vector<std::string>{whole});
  EXPECT_TRUE(std::filesystem::exists(cut));
  EXPECT_EQ(ReadFile(plain), "bytes");
  EXPECT_TRUE(std::filesystem::is_directory(dir_named));
  EXPECT_EQ(ReadFile(list), "");
}

TEST(TempFileList, AListThatIsASymlinkIsRefused) {
  TempDir dir;
  WriteFile(dir / "elsewhere", "x");
  std::filesystem::create_symlink(dir / "elsewhere", dir / "temp-files");
  TempFileList l;
  std::string error;
  EXPECT_FALSE(l.Open(dir / "temp-files", &error));
  EXPECT_NE(error.find("temp-files"), std::string::npos) << error;
  EXPECT_EQ(ReadFile(dir / "elsewhere"), "x");
}

}  // namespace
}  // namespace shoal::engine
