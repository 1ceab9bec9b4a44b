#include "api/src/fd_passing.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

namespace shoal::api {
namespace {

class FdPassing : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv_), 0); }
  void TearDown() override {
    ::close(sv_[0]);
    ::close(sv_[1]);
  }
  // A pipe's read end with `text` waiting in it: a descriptor whose identity can be checked.
  static int PipeWith(const std::string& text) {
    int p[2];
    if (::pipe(p) != 0) return -1;
    if (::write(p[1], text.data(), text.size()) != static_cast<ssize_t>(text.size())) return -1;
    ::close(p[1]);
    return p[0];
  }
  static std::string ReadAll(int fd) {
    std::string out;
    char buf[64];
    ssize_t n;
    while ((n = ::read(fd, buf, sizeof buf)) > 0) out.append(buf, static_cast<std::size_t>(n));
    return out;
  }
  static int OpenDescriptors() {
    int n = 0;
    for (int fd = 0; fd < 1024; ++fd) n += ::fcntl(fd, F_GETFD) != -1;
    return n;
  }

  int sv_[2] = {-1, -1};
};

TEST_F(FdPassing, DescriptorsArriveWithTheMessageCloseOnExec) {
  const int a = PipeWith("first");
  const int b = PipeWith("second");
  std::string error;
  ASSERT_EQ(SendWithFds(sv_[0], "hello", std::vector<int>{a, b}, &error), 0) << error;
  ::close(a);
  ::close(b);
  char buf[16];
  std::size_t got = 0;
  std::vector<int> fds;
  ASSERT_EQ(RecvWithFds(sv_[1], buf, &got, &fds, 2, &error), 0) << error;
  EXPECT_EQ(std::string(buf, got), "hello");
  ASSERT_EQ(fds.size(), 2u);
  EXPECT_EQ(ReadAll(fds[0]), "first");
  EXPECT_EQ(ReadAll(fds[1]), "second");
  for (int fd : fds) {
    EXPECT_NE(::fcntl(fd, F_GETFD) & FD_CLOEXEC, 0);
    ::close(fd);
  }
}

TEST_F(FdPassing, AMessageWithoutDescriptorsIsPlainData) {
  ASSERT_EQ(SendWithFds(sv_[0], "plain", {}), 0);
  char buf[16];
  std::size_t got = 0;
  std::vector<int> fds;
  ASSERT_EQ(RecvWithFds(sv_[1], buf, &got, &fds, 4), 0);
  EXPECT_EQ(std::string(buf, got), "plain");
  EXPECT_TRUE(fds.empty());
}

TEST_F(FdPassing, TheRestOfALongMessageFollowsWithoutTheDescriptors) {
  const std::string big(200000, 'x');  // more than one socket buffer: sent in parts
  const int a = PipeWith("a");
  int send_rc = -1;
  std::string error;
  std::thread sender([&] { send_rc = SendWithFds(sv_[0], big, std::vector<int>{a}, &error); });
  std::string got;
  std::vector<int> fds;
  std::vector<char> buf(65536);
  while (got.size() < big.size()) {
    std::size_t n = 0;
    ASSERT_EQ(RecvWithFds(sv_[1], buf, &n, &fds, 1), 0);
    ASSERT_GT(n, 0u);
    got.append(buf.data(), n);
  }
  sender.join();
  EXPECT_EQ(send_rc, 0) << error;
  EXPECT_EQ(got, big);
  ASSERT_EQ(fds.size(), 1u);
  EXPECT_EQ(ReadAll(fds[0]), "a");
  ::close(fds[0]);
  ::close(a);
}

TEST_F(FdPassing, MoreDescriptorsThanAskedForAreClosedAndAnError) {
  std::vector<int> sent;
  for (int i = 0; i < 8; ++i) sent.push_back(PipeWith("p"));
  ASSERT_EQ(SendWithFds(sv_[0], "m", sent), 0);
  for (int fd : sent) ::close(fd);
  const int before = OpenDescriptors();
  char buf[4];
  std::size_t got = 0;
  std::vector<int> fds;
  std::string error;
  // Room for one: the kernel cuts the rest (MSG_CTRUNC).
  EXPECT_EQ(RecvWithFds(sv_[1], buf, &got, &fds, 1, &error), EMSGSIZE);
  EXPECT_NE(error.find("MSG_CTRUNC"), std::string::npos) << error;
  EXPECT_TRUE(fds.empty());
  EXPECT_EQ(OpenDescriptors(), before) << "a descriptor received on the error path leaked";
}

TEST_F(FdPassing, DescriptorsWhenNoneAreExpectedAreClosed) {
  const int a = PipeWith("a");
  ASSERT_EQ(SendWithFds(sv_[0], "m", std::vector<int>{a}), 0);
  ::close(a);
  const int before = OpenDescriptors();
  char buf[4];
  std::size_t got = 0;
  std::vector<int> fds;
  std::string error;
  EXPECT_EQ(RecvWithFds(sv_[1], buf, &got, &fds, 0, &error), EMSGSIZE);
  EXPECT_NE(error.find("at most 0 expected"), std::string::npos) << error;
  EXPECT_EQ(OpenDescriptors(), before);
}

TEST_F(FdPassing, TwoWhereOneFitsTheControlBufferIsStillRefused) {
  // CMSG_SPACE rounds one int up to eight bytes: two descriptors fit without MSG_CTRUNC.
  const int a = PipeWith("a");
  const int b = PipeWith("b");
  ASSERT_EQ(SendWithFds(sv_[0], "m", std::vector<int>{a, b}), 0);
  ::close(a);
  ::close(b);
  const int before = OpenDescriptors();
  char buf[4];
  std::size_t got = 0;
  std::vector<int> fds;
  std::string error;
  EXPECT_EQ(RecvWithFds(sv_[1], buf, &got, &fds, 1, &error), EMSGSIZE);
  EXPECT_TRUE(fds.empty());
  EXPECT_EQ(OpenDescriptors(), before);
}

TEST_F(FdPassing, BadArgumentsAreRefusedBeforeSending) {
  std::string error;
  EXPECT_EQ(SendWithFds(sv_[0], "", std::vector<int>{0}, &error), EINVAL);
  EXPECT_NE(error.find("at least one byte"), std::string::npos) << error;
  std::vector<int> many(kMaxFds + 1, 0);
  EXPECT_EQ(SendWithFds(sv_[0], "m", many, &error), EINVAL);
  EXPECT_EQ(SendWithFds(-1, "m", {}, &error), EBADF);
}

TEST_F(FdPassing, PeerGoneIsEpipeAndEof) {
  ::close(sv_[1]);
  std::string error;
  EXPECT_EQ(SendWithFds(sv_[0], "m", {}, &error), EPIPE) << error;  // no SIGPIPE kills the test
  sv_[1] = ::dup(sv_[0]);
  int pair[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM, 0, pair), 0);
  ::close(pair[0]);
  char buf[4];
  std::size_t got = 7;
  std::vector<int> fds;
  EXPECT_EQ(RecvWithFds(pair[1], buf, &got, &fds, 1), 0);
  EXPECT_EQ(got, 0u) << "end of stream";
  ::close(pair[1]);
}

}  // namespace
}  // namespace shoal::api
