// shoal against other real implementations on loopback: v1 metainfo from mktorrent, and an
// aria2c seed. A missing tool fails the test (the bootstrap installs both): a skip would pass
// unseen.
#include <gtest/gtest.h>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>

#include "tests/integration/swarm_fixture.h"

namespace shoal::testing {
namespace {

namespace fs = std::filesystem;
using engine::JobState;

bool Have(const char* tool) {
  return std::system((std::string("command -v ") + tool + " >/dev/null 2>&1").c_str()) == 0;
}

class Interop : public SwarmTest {};

TEST_F(Interop, AcceptsV1MetainfoFromMktorrent) {
  ASSERT_TRUE(Have("mktorrent")) << "mktorrent is missing (tools/bootstrap.sh installs it)";
  const Content c = Publish("v1.bin", 3 << 20);
  const std::string torrent = work_ / "v1.torrent";
  const std::string cmd = "mktorrent -l 18 -w " + c.url + " -o " + torrent + " " +
                          (origin_root_ / "v1.bin") + " >/dev/null 2>&1";
  ASSERT_EQ(std::system(cmd.c_str()), 0);
  auto e = StartEngine(2);
  auto job = StartJob(*e, {{c.url, work_ / "v1.out", ReadFile(torrent)}});
  ASSERT_EQ(WaitSettled(*job), JobState::kTransferred);
  EXPECT_EQ(e->Complete(job->id), hr::kOk);
  EXPECT_EQ(ReadFile(work_ / "v1.out"), c.data);
}

// aria2 1.36 re-encodes the info dictionary of a v2/hybrid torrent and gets a different
// info-hash ("Unknown info hash" on every handshake), so the shared content is described by v1
// metainfo, as other tools publish it.
TEST_F(Interop, DownloadsFromAnAria2Seed) {
  ASSERT_TRUE(Have("aria2c") && Have("mktorrent"))
      << "aria2c or mktorrent is missing (tools/bootstrap.sh installs both)";
  const Content c = Publish("aria.bin", 6 << 20);
  const std::string seed_dir = work_ / "aria-seed";
  fs::create_directories(seed_dir);
  WriteFile(seed_dir + "/aria.bin", c.data);
  const std::string torrent = work_ / "aria.torrent";
  const std::string mk = "mktorrent -l 18 -o " + torrent + " " + seed_dir + "/aria.bin >/dev/null 2>&1";
  ASSERT_EQ(std::system(mk.c_str()), 0);
  const std::string metainfo = ReadFile(torrent);
  const int port = 20000 + static_cast<int>(::getpid() % 20000);
  const pid_t pid = ::fork();
  if (pid == 0) {
    const std::string port_s = std::to_string(port);
    const std::string dir_arg = "--dir=" + seed_dir;
    const std::string port_arg = "--listen-port=" + port_s;
    ::execlp("aria2c", "aria2c", dir_arg.c_str(), "--check-integrity=true", "--seed-ratio=0.0",
             "--enable-dht=false", "--enable-dht6=false", "--bt-enable-lpd=false",
             "--enable-peer-exchange=false", port_arg.c_str(), "--interface=127.0.0.9",
             "--quiet=true", torrent.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  ASSERT_GT(pid, 0);
  engine::EngineOptions o = PeersOnly({"127.0.0.9:" + std::to_string(port)});
  auto e = StartEngine(3, o);
  auto job = StartJob(*e, {{c.url, work_ / "aria.out", metainfo}});
  const JobState s = WaitSettled(*job);
  ::kill(pid, SIGTERM);
  ::waitpid(pid, nullptr, 0);
  ASSERT_EQ(s, JobState::kTransferred);
  EXPECT_EQ(e->Complete(job->id), hr::kOk);
  EXPECT_EQ(ReadFile(work_ / "aria.out"), c.data);
  EXPECT_EQ(job->sources.Load().from_http, 0u);
}

}  // namespace
}  // namespace shoal::testing
