#include "engine/destination.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <climits>
#include <filesystem>

#include "tests/support/fixtures.h"

namespace shoal::engine {
namespace {

namespace fs = std::filesystem;
using shoal::testing::ReadFile;
using shoal::testing::TempDir;
using shoal::testing::WriteFile;

mode_t ModeOf(const std::string& path) {
  struct stat st {};
  EXPECT_EQ(::lstat(path.c_str(), &st), 0) << path;
  return st.st_mode;
}

TEST(Destination, OnlyAbsentOrRegularFilesAreAccepted) {
  TempDir dir;
  EXPECT_EQ(CheckDestination(dir / "new"), hr::kOk);
  WriteFile(dir / "old", "x");
  EXPECT_EQ(CheckDestination(dir / "old"), hr::kOk);
  ASSERT_EQ(::mkfifo((dir / "fifo").c_str(), 0600), 0);
  std::string why;
  EXPECT_EQ(CheckDestination(dir / "fifo", &why), hr::kInvalidArg);
  EXPECT_NE(why.find("FIFO"), std::string::npos) << why;
  EXPECT_EQ(CheckDestination("/dev/null", &why), hr::kInvalidArg);
  EXPECT_NE(why.find("character device"), std::string::npos) << why;
  fs::create_symlink(dir / "old", dir / "link");
  EXPECT_EQ(CheckDestination(dir / "link"), hr::kInvalidArg);
  EXPECT_EQ(CheckDestination(dir.path().string()), hr::kInvalidArg);
}

TEST(Destination, MoveNeverReplacesAFifoOrFollowsASymlink) {
  TempDir dir;
  WriteFile(dir / "tmp", "content");
  ASSERT_EQ(::mkfifo((dir / "fifo").c_str(), 0600), 0);
  std::string why;
  EXPECT_EQ(MoveIntoPlace(dir / "tmp", dir / "fifo", &why), hr::kInvalidArg);
  EXPECT_TRUE(S_ISFIFO(ModeOf(dir / "fifo"))) << why;
  WriteFile(dir / "victim", "precious");
  fs::create_symlink(dir / "victim", dir / "link");
  EXPECT_EQ(MoveIntoPlace(dir / "tmp", dir / "link", &why), hr::kInvalidArg);
  EXPECT_EQ(ReadFile(dir / "victim"), "precious");
  EXPECT_TRUE(fs::exists(dir / "tmp")) << "the temp file stays for another try";
}

TEST(Destination, AReplacedFileKeepsItsModeAndANewOneFollowsTheUmask) {
  TempDir dir;
  WriteFile(dir / "old", "old");
  ASSERT_EQ(::chmod((dir / "old").c_str(), 0640), 0);
  WriteFile(dir / "tmp", "new");
  ASSERT_EQ(::chmod((dir / "tmp").c_str(), 0600), 0);
  std::string why;
  ASSERT_EQ(MoveIntoPlace(dir / "tmp", dir / "old", &why), hr::kOk) << why;
  EXPECT_EQ(ReadFile(dir / "old"), "new");
  EXPECT_EQ(ModeOf(dir / "old") & 07777, 0640u);

  const mode_t mask = ::umask(027);
  WriteFile(dir / "tmp2", "fresh");
  ASSERT_EQ(::chmod((dir / "tmp2").c_str(), 0600), 0);
  const hr::HResult h = MoveIntoPlace(dir / "tmp2", dir / "fresh", &why);
  ::umask(mask);
  ASSERT_EQ(h, hr::kOk) << why;
  EXPECT_EQ(ModeOf(dir / "fresh") & 07777, 0640u) << "0666 & ~027";
}

TEST(Destination, TempNamesStayWithinNameMaxAndDistinct) {
  EXPECT_EQ(TempName("a.bin", "0000abcd-0"), ".a.bin.0000abcd-0.shoal-tmp");
  const std::string long_a(250, 'a');
  std::string long_b = long_a;
  long_b.back() = 'b';
  const std::string ta = TempName(long_a, "0000abcd-12");
  const std::string tb = TempName(long_b, "0000abcd-12");
  EXPECT_LE(ta.size(), static_cast<std::size_t>(NAME_MAX));
  EXPECT_NE(ta, tb);
  // 120 two-byte characters (240 bytes): the cut never splits one.
  std::string utf8;
  for (int i = 0; i < 120; ++i) utf8 += "\xc3\xa9";
  const std::string t = TempName(utf8, "0000abcd-0");
  ASSERT_LE(t.size(), static_cast<std::size_t>(NAME_MAX));
  const std::size_t tilde = t.find('~');
  ASSERT_NE(tilde, std::string::npos);
  EXPECT_EQ((tilde - 1) % 2, 0u) << "whole characters before the hash";
}

}  // namespace
}  // namespace shoal::engine
