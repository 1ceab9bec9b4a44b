#include "tools/shoal/sim_process.h"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <csignal>
#include <sstream>

#include "tests/support/fixtures.h"

namespace shoal::cli {
namespace {

TEST(SimChild, InheritsNoDescriptorButItsThreeStreams) {
  // A socket opened without close-on-exec, as Asio opens the origin's listening socket.
  const int leaky = ::socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(leaky, 3);
  testing::TempDir dir;
  std::string error;
  auto child = Child::Spawn({"sh", "-c", "ls /proc/$$/fd"}, dir / "out", "", &error);
  ASSERT_TRUE(child) << error;
  while (!child->Poll()) ::usleep(10000);
  ::close(leaky);
  EXPECT_EQ(child->exit_code(), 0);
  std::istringstream fds(testing::ReadFile(dir / "out"));
  for (std::string fd; fds >> fd;) {
    EXPECT_TRUE(fd == "0" || fd == "1" || fd == "2") << "inherited descriptor " << fd;
  }
}

TEST(SimChild, StopEndsAChildBySigtermAndKillBySigkill) {
  std::string error;
  auto a = Child::Spawn({"sleep", "30"}, "", "", &error);
  auto b = Child::Spawn({"sleep", "30"}, "", "", &error);
  ASSERT_TRUE(a && b) << error;
  EXPECT_TRUE(a->running());
  a->Stop();
  EXPECT_FALSE(a->running());
  EXPECT_EQ(a->term_signal(), SIGTERM);
  b->Kill();
  EXPECT_EQ(b->term_signal(), SIGKILL);
}

TEST(SimChild, MissingProgramExitsWith127) {
  std::string error;
  auto c = Child::Spawn({"shoal-no-such-program"}, "", "", &error);
  ASSERT_TRUE(c) << error;
  while (!c->Poll()) ::usleep(10000);
  EXPECT_EQ(c->exit_code(), 127);
  EXPECT_FALSE(HaveTool("shoal-no-such-program"));
  EXPECT_TRUE(HaveTool("sh"));
}

}  // namespace
}  // namespace shoal::cli
