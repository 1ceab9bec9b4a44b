// `shoal status` as a user runs it: a running `shoal seed` shows up with its pid and state,
// and once the process is killed (no chance to clean up) its report is dropped; a status
// folder others could plant files in is refused. And `shoal get -o` refusing a FIFO.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <thread>

#include "tests/support/fixtures.h"

namespace shoal::testing {
namespace {

// Runs a command and returns its standard output.
std::string Output(const std::string& cmd) {
  std::string out;
  if (FILE* p = ::popen(cmd.c_str(), "r")) {
    char buf[4096];
    for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, p)) > 0;) out.append(buf, n);
    ::pclose(p);
  }
  return out;
}

nlohmann::json Status(const std::string& dir) {
  return nlohmann::json::parse(
      Output("SHOAL_STATUS_DIR=" + dir + " " + SHOAL_CLI + " status --json"), nullptr, false);
}

TEST(CliStatus, ListsARunningSeedAndDropsItOnceKilled) {
  TempDir work;
  const std::string status_dir = work / "status";
  WriteRandomFile(work / "content.bin", 1 << 20);
  const std::string mk = std::string(SHOAL_CLI) + " make-metainfo " + (work / "content.bin") +
                         " --web-seed http://127.0.0.1:9/content.bin -o " +
                         (work / "content.torrent") + " >/dev/null";
  ASSERT_EQ(std::system(mk.c_str()), 0);

  EXPECT_EQ(Status(status_dir), nlohmann::json::array()) << "nothing runs yet";
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::setenv("SHOAL_STATUS_DIR", status_dir.c_str(), 1);
    const std::string torrent = work / "content.torrent";
    const std::string dir = work.path().string();
    ::execl(SHOAL_CLI, SHOAL_CLI, "seed", torrent.c_str(), "--dir", dir.c_str(), "--listen",
            "127.0.0.6:0", static_cast<char*>(nullptr));
    ::_exit(127);
  }
  ASSERT_GT(pid, 0);
  nlohmann::json listed;
  for (int i = 0; i < 100; ++i) {  // up to ~10 s for the engine to start and check the pieces
    listed = Status(status_dir);
    if (listed.is_array() && !listed.empty()) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_TRUE(listed.is_array());
  ASSERT_EQ(listed.size(), 1u) << listed.dump();
  EXPECT_EQ(listed[0]["pid"].get<long>(), static_cast<long>(pid));
  EXPECT_EQ(listed[0]["command"], "seed");
  EXPECT_EQ(listed[0]["state"], "seeding");
  EXPECT_EQ(listed[0]["engine"]["torrents"].get<int>(), 1);

  ::kill(pid, SIGKILL);  // no exit handler runs: the report stays behind
  ::waitpid(pid, nullptr, 0);
  EXPECT_EQ(Status(status_dir), nlohmann::json::array());
  EXPECT_TRUE(ListDir(status_dir).empty()) << "the dead process's report is removed";
}

// Runs `cmd` with its stderr folded into the output; *code gets the exit status.
std::string RunCommand(const std::string& cmd, int* code) {
  std::string out;
  if (FILE* p = ::popen((cmd + " 2>&1").c_str(), "r")) {
    char buf[4096];
    for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, p)) > 0;) out.append(buf, n);
    const int status = ::pclose(p);
    *code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }
  return out;
}

TEST(CliStatus, RefusesAStatusFolderOthersCanWriteTo) {
  // The /tmp fallback is shared: a folder planted there (or left open) is never written to.
  TempDir work;
  const std::string dir = work / "status";
  ASSERT_EQ(::mkdir(dir.c_str(), 0700), 0);
  ASSERT_EQ(::chmod(dir.c_str(), 0777), 0);
  int code = 0;
  const std::string out = RunCommand("SHOAL_STATUS_DIR=" + dir + " " + SHOAL_CLI + " status", &code);
  EXPECT_EQ(code, 1) << out;
  EXPECT_NE(out.find("mode 0777"), std::string::npos) << out;
}

TEST(CliGet, RefusesAFifoAsTheOutput) {
  TempDir work;
  const std::string fifo = work / "fifo";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  int code = 0;
  const std::string out = RunCommand(std::string(SHOAL_CLI) + " get http://127.0.0.1:9/x.bin -o " + fifo +
                                  " --no-progress-timeout 1 --retry-delay 1",
                              &code);
  EXPECT_EQ(code, 2) << out;
  EXPECT_NE(out.find("FIFO"), std::string::npos) << out;
  struct stat st {};
  ASSERT_EQ(::lstat(fifo.c_str(), &st), 0);
  EXPECT_TRUE(S_ISFIFO(st.st_mode));
}

}  // namespace
}  // namespace shoal::testing
