#include "api/src/materialise.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "tests/support/fixtures.h"
#include "tests/support/mount_namespace.h"

namespace shoal::api {
namespace {

namespace fs = std::filesystem;
using shoal::testing::ReadFile;
using shoal::testing::TempDir;
using shoal::testing::WriteRandomFile;

constexpr std::size_t kMiB = 1 << 20;

// Names in `dir` (temp files included: they start with a dot).
std::vector<std::string> Entries(const std::string& dir) {
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(dir)) out.push_back(e.path().filename());
  std::sort(out.begin(), out.end());
  return out;
}

class Materialise : public ::testing::Test {
 protected:
  int Content(const std::string& data) {
    const std::string path = dir_ / "content.bin";
    {
      std::ofstream f(path, std::ios::binary);
      f << data;
    }
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    fds_.push_back(fd);
    return fd;
  }
  void TearDown() override {
    for (int fd : fds_) ::close(fd);
  }
  std::string Out(const std::string& name) {
    fs::create_directories(dir_ / "out");
    return dir_ / ("out/" + name);
  }

  TempDir dir_;
  std::vector<int> fds_;
};

TEST_F(Materialise, WritesTheContentAndLeavesNoTempFile) {
  const int fd = Content("the finished bytes");
  ::lseek(fd, 5, SEEK_SET);  // the descriptor's offset does not matter
  std::string message;
  MaterialiseResult r;
  ASSERT_EQ(api::Materialise(fd, Out("file.txt"), &message, &r), hr::kOk) << message;
  EXPECT_EQ(ReadFile(Out("file.txt")), "the finished bytes");
  EXPECT_EQ(r.bytes, 18u);
  EXPECT_EQ(Entries(dir_ / "out"), std::vector<std::string>{"file.txt"});
}

TEST_F(Materialise, ReplacesARegularFileKeepingItsMode) {
  const std::string dest = Out("file.txt");
  { std::ofstream(dest) << "old"; }
  ASSERT_EQ(::chmod(dest.c_str(), 0640), 0);
  std::string message;
  ASSERT_EQ(api::Materialise(Content("new"), dest, &message), hr::kOk) << message;
  EXPECT_EQ(ReadFile(dest), "new");
  struct stat st {};
  ASSERT_EQ(::stat(dest.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0640u);
}

TEST_F(Materialise, CopiesAHundredMiB) {
  const std::string src = dir_ / "big.bin";
  const std::string data = WriteRandomFile(src, 100 * kMiB, 3);
  const int fd = ::open(src.c_str(), O_RDONLY | O_CLOEXEC);
  fds_.push_back(fd);
  std::string message;
  MaterialiseResult r;
  ASSERT_EQ(api::Materialise(fd, Out("big.bin"), &message, &r), hr::kOk) << message;
  EXPECT_EQ(r.bytes, 100 * kMiB);
  EXPECT_TRUE(ReadFile(Out("big.bin")) == data) << "the copy differs";
  std::printf("100 MiB copied by %s\n", r.method == CopyMethod::kClone           ? "FICLONE"
                                        : r.method == CopyMethod::kCopyFileRange ? "copy_file_range"
                                                                                 : "read/write");
}

TEST_F(Materialise, AnEmptyContentMakesAnEmptyFile) {
  std::string message;
  ASSERT_EQ(api::Materialise(Content(""), Out("empty"), &message), hr::kOk) << message;
  EXPECT_TRUE(fs::exists(Out("empty")));
  EXPECT_EQ(fs::file_size(Out("empty")), 0u);
}

TEST_F(Materialise, NeverWritesThroughASymlinkedDestination) {
  const std::string target = dir_ / "elsewhere.txt";
  { std::ofstream(target) << "keep me"; }
  const std::string link = Out("link.txt");
  fs::create_symlink(target, link);
  std::string message;
  EXPECT_EQ(api::Materialise(Content("evil"), link, &message), hr::kInvalidArg);
  EXPECT_NE(message.find("symbolic link"), std::string::npos) << message;
  EXPECT_EQ(ReadFile(target), "keep me");
  EXPECT_TRUE(fs::is_symlink(link));
  EXPECT_EQ(Entries(dir_ / "out"), std::vector<std::string>{"link.txt"});
}

TEST_F(Materialise, RefusesASymlinkedFolder) {
  fs::create_directories(dir_ / "real");
  fs::create_directory_symlink(dir_ / "real", dir_ / "linked");
  std::string message;
  EXPECT_EQ(api::Materialise(Content("x"), dir_ / "linked/file", &message), hr::kInvalidArg);
  EXPECT_NE(message.find("symbolic link"), std::string::npos) << message;
  EXPECT_TRUE(fs::is_empty(dir_ / "real"));
}

TEST_F(Materialise, RefusesWhatIsNotAFileName) {
  std::string message;
  const int fd = Content("x");
  EXPECT_EQ(api::Materialise(fd, Out("sub/"), &message), hr::kInvalidArg);
  EXPECT_EQ(api::Materialise(fd, dir_ / "out/..", &message), hr::kInvalidArg);
  fs::create_directories(dir_ / "out/dir");
  EXPECT_EQ(api::Materialise(fd, dir_ / "out/dir", &message), hr::kInvalidArg);
  EXPECT_NE(message.find("a directory"), std::string::npos) << message;
  EXPECT_EQ(api::Materialise(fd, dir_ / "missing/file", &message), hr::kPathNotFound);
  int p[2];
  ASSERT_EQ(::pipe(p), 0);
  EXPECT_EQ(api::Materialise(p[0], Out("f"), &message), hr::kInvalidArg);
  EXPECT_NE(message.find("not a regular file"), std::string::npos) << message;
  ::close(p[0]);
  ::close(p[1]);
  EXPECT_EQ(api::Materialise(-1, Out("f"), &message), hr::kFail);
}

// Runs `body` in a child process and returns its exit code (a test that needs other rights or
// mounts cannot change this process's).
template <typename Body>
int InChild(Body body) {
  const pid_t pid = ::fork();
  if (pid == 0) ::_exit(body());
  int status = 0;
  if (pid < 0 || ::waitpid(pid, &status, 0) != pid) return -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

TEST_F(Materialise, AFolderTheUserCannotWriteIsAccessDenied) {
  const std::string out = dir_ / "locked";
  fs::create_directories(out);
  ASSERT_EQ(::chmod(out.c_str(), 0555), 0);
  const int fd = Content("x");
  // As root the check must run as another user: root writes anywhere.
  const int code = InChild([&] {
    if (::geteuid() == 0 && (::setgid(65534) != 0 || ::setuid(65534) != 0)) return 10;
    std::string message;
    const hr::HResult h = api::Materialise(fd, out + "/file", &message);
    if (h != hr::kAccessDenied) return 11;
    return message.find("Permission denied") != std::string::npos ? 0 : 12;
  });
  EXPECT_EQ(code, 0) << "10: cannot switch user; 11: not E_ACCESSDENIED; 12: no clear message";
  EXPECT_TRUE(fs::is_empty(out));
}

// A 1 MiB tmpfs in a private mount namespace (as disk_full_test does); the file already there
// is left as it was and the temp file is removed.
TEST_F(Materialise, AFullDiskIsDiskFullAndChangesNothing) {
  const std::string data = WriteRandomFile(dir_ / "big.bin", 4 * kMiB, 5);
  const int fd = ::open((dir_ / "big.bin").c_str(), O_RDONLY | O_CLOEXEC);
  fds_.push_back(fd);
  const std::string small = dir_ / "small";
  fs::create_directories(small);
  int pipefd[2];
  ASSERT_EQ(::pipe(pipefd), 0);
  const int code = InChild([&] {
    ::close(pipefd[0]);
    std::string why;
    if (!shoal::testing::EnterPrivateMountNamespace(&why) && ::geteuid() != 0) {
      ::dprintf(pipefd[1], "no mount namespace: %s", why.c_str());
      return 77;
    }
    if (::mount("tmpfs", small.c_str(), "tmpfs", 0, "size=1m") != 0) {
      ::dprintf(pipefd[1], "cannot mount a 1 MiB tmpfs: %s", std::strerror(errno));
      return 77;
    }
    const std::string dest = small + "/file.bin";
    { std::ofstream(dest) << "old"; }
    std::string message;
    const hr::HResult h = api::Materialise(fd, dest, &message);
    const auto left = Entries(small);
    ::dprintf(pipefd[1], "hr=%08x entries=%zu old=%d message=%s", static_cast<unsigned>(h),
              left.size(), ReadFile(dest) == "old" ? 1 : 0, message.c_str());
    ::umount2(small.c_str(), MNT_DETACH);  // in the host's namespace when none was entered
    return 0;
  });
  ::close(pipefd[1]);
  char buf[512] = {};
  const ssize_t n = ::read(pipefd[0], buf, sizeof buf - 1);
  ::close(pipefd[0]);
  const std::string report(buf, n > 0 ? static_cast<std::size_t>(n) : 0);
  if (code == 77) GTEST_SKIP() << report << " (needs root or a user namespace)";
  ASSERT_EQ(code, 0) << report;
  EXPECT_NE(report.find("hr=80070070"), std::string::npos) << report;  // ERROR_DISK_FULL
  EXPECT_NE(report.find("entries=1 old=1"), std::string::npos) << report;
  EXPECT_NE(report.find("No space left"), std::string::npos) << report;
}

}  // namespace
}  // namespace shoal::api
