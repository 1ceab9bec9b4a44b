// Whole-file and range copies (engine/file_copy.h): the bytes land where they belong by
// whichever method the file system allows, and a source shorter than asked is EIO, not a short
// file taken for a whole one.
#include "engine/file_copy.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cerrno>

#include "tests/support/fixtures.h"

namespace shoal::engine {
namespace {

class FileCopy : public ::testing::Test {
 protected:
  int Open(const std::string& path, int flags) {
    const int fd = ::open(path.c_str(), flags | O_CLOEXEC, 0600);
    EXPECT_GE(fd, 0) << path;
    fds_.push_back(fd);
    return fd;
  }
  ~FileCopy() override {
    for (int fd : fds_) ::close(fd);
  }
  testing::TempDir dir_;
  std::vector<int> fds_;
};

TEST_F(FileCopy, CopiesAWholeFile) {
  const std::string data = testing::WriteRandomFile(dir_ / "in", (3 << 20) + 17);
  const int in = Open(dir_ / "in", O_RDONLY);
  const int out = Open(dir_ / "out", O_WRONLY | O_CREAT | O_TRUNC);
  CopyMethod method = CopyMethod::kClone;
  ASSERT_EQ(CopyFileData(in, out, data.size(), &method), 0);
  EXPECT_EQ(testing::ReadFile(dir_ / "out"), data);
}

TEST_F(FileCopy, CopiesARangeToAnOffset) {
  const std::string data = testing::WriteRandomFile(dir_ / "in", 1 << 20);
  const int in = Open(dir_ / "in", O_RDONLY);
  const int out = Open(dir_ / "out", O_WRONLY | O_CREAT | O_TRUNC);
  ASSERT_EQ(CopyRange(in, 1000, out, 0, 500), 0);
  ASSERT_EQ(CopyRange(in, 70000, out, 500, 300000), 0);
  EXPECT_EQ(testing::ReadFile(dir_ / "out"), data.substr(1000, 500) + data.substr(70000, 300000));
}

TEST_F(FileCopy, ASourceShorterThanAskedIsEio) {
  const std::string data = testing::WriteRandomFile(dir_ / "in", 4096);
  const int in = Open(dir_ / "in", O_RDONLY);
  const int out = Open(dir_ / "out", O_WRONLY | O_CREAT | O_TRUNC);
  EXPECT_EQ(CopyRange(in, 4000, out, 0, 200), EIO);
  CopyMethod method;
  EXPECT_EQ(CopyFileData(in, out, 8192, &method), EIO);
}

TEST_F(FileCopy, AnUnreadableSourceIsItsErrno) {
  const int out = Open(dir_ / "out", O_WRONLY | O_CREAT | O_TRUNC);
  EXPECT_EQ(CopyRange(out, 0, out, 10, 10), EBADF);  // `out` is write-only
}

}  // namespace
}  // namespace shoal::engine
