// DropToSandboxUser (tools/apt/sandbox.h): as apt's own methods do, the method runs as
// APT::Sandbox::User once apt's configuration arrived, for good. The drops run in forked
// children (the test process keeps its rights).
#include <gtest/gtest.h>
#include <pwd.h>
#include <sys/wait.h>
#include <unistd.h>

#include <functional>

#include "tools/apt/sandbox.h"

namespace shoal::apt {
namespace {

int InChild(const std::function<int()>& body) {
  const pid_t pid = ::fork();
  if (pid == 0) ::_exit(body());
  int status = 0;
  ::waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 100 + WTERMSIG(status);
}

TEST(AptSandbox, RootDropsToTheSandboxUserForGood) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root (CI runs as root)";
  const passwd* pw = ::getpwnam("_apt");
  if (pw == nullptr) GTEST_SKIP() << "no _apt user (apt is not installed)";
  const uid_t uid = pw->pw_uid;
  const gid_t gid = pw->pw_gid;
  EXPECT_EQ(InChild([&] {
              std::string note, error;
              if (!DropToSandboxUser("_apt", &note, &error)) return 1;
              if (::getuid() != uid || ::geteuid() != uid || ::getgid() != gid) return 2;
              if (::setuid(0) == 0 || ::seteuid(0) == 0) return 3;  // cannot come back
              gid_t groups[4];
              if (::getgroups(4, groups) != 1 || groups[0] != gid) return 4;
              return note.empty() ? 0 : 5;
            }),
            0);
}

TEST(AptSandbox, RootOrAnEmptyUserKeepsTheRights) {
  for (const char* user : {"root", ""}) {
    EXPECT_EQ(InChild([&] {
                std::string note, error;
                const uid_t before = ::geteuid();
                return DropToSandboxUser(user, &note, &error) && ::geteuid() == before ? 0 : 1;
              }),
              0)
        << user;
  }
}

TEST(AptSandbox, AnUnknownUserIsANoteAsInApt) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root (CI runs as root)";
  EXPECT_EQ(InChild([] {
              std::string note, error;
              if (!DropToSandboxUser("no-such-user-shoal", &note, &error)) return 1;
              if (::geteuid() != 0) return 2;
              return note.find("no-such-user-shoal") != std::string::npos ? 0 : 3;
            }),
            0);
}

}  // namespace
}  // namespace shoal::apt
