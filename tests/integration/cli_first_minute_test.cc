// The first minute of a new user of `shoal get`, on what goes wrong: a closed port says why
// and names the URL the user gave; `--peer A URL` leaves URL to the command; `--json` answers
// usage errors in JSON; peers-only with no peer says it waits; `shoal status` shows a size not
// known yet as unknown, not as 16777216 TiB.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <thread>

#include "tests/support/fixtures.h"

namespace shoal::testing {
namespace {

// Runs `cmd`; *code gets the exit status; returns stdout (stderr to `err_file` if given).
std::string Shell(const std::string& cmd, int* code, const std::string& err_file = "") {
  std::string out;
  const std::string full = cmd + (err_file.empty() ? " 2>/dev/null" : " 2>" + err_file);
  if (FILE* p = ::popen(full.c_str(), "r")) {
    char buf[4096];
    for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, p)) > 0;) out.append(buf, n);
    const int status = ::pclose(p);
    *code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }
  return out;
}

// Port 9 (discard) on loopback: nothing listens there in the test machines.
constexpr const char* kClosed = "http://127.0.0.1:9/update.bin";

TEST(CliFirstMinute, AClosedPortSaysWhyAndNamesTheUrlGiven) {
  TempDir work;
  int code = 0;
  // `--peer A URL`: the URL is the command's, not a second peer (it was swallowed: "url is
  // required", exit 2).
  Shell(std::string(SHOAL_CLI) + " get --no-config --peer 127.0.0.1:1 " + kClosed + " -o " +
            (work / "out.bin") + " --retry-delay 1 --no-progress-timeout 2",
        &code, work / "err.txt");
  const std::string err = ReadFile(work / "err.txt");
  EXPECT_EQ(code, 1) << err;  // a failed download, not a usage error
  EXPECT_EQ(err.find("url is required"), std::string::npos) << err;
  // The reason, and the URL the user typed (not its .torrent sidecar's).
  EXPECT_NE(err.find(std::string(kClosed) + ": "), std::string::npos) << err;
  EXPECT_NE(err.find("onnect"), std::string::npos) << err;
  EXPECT_NE(err.find("retrying"), std::string::npos) << err;
  EXPECT_EQ(err.find("update.bin.torrent:"), std::string::npos) << err;
}

TEST(CliFirstMinute, UsageErrorsAnswerInJsonWhenJsonWasAskedFor) {
  int code = 0;
  for (const char* args : {" get --json", " get --json --bogus http://h/x -o x"}) {
    SCOPED_TRACE(args);
    const std::string out = Shell(std::string(SHOAL_CLI) + args, &code);
    EXPECT_EQ(code, 2);
    const auto j = nlohmann::json::parse(out, nullptr, false);
    ASSERT_TRUE(j.is_object()) << out;
    EXPECT_FALSE(j.value("error", "").empty()) << out;
    EXPECT_EQ(j.value("exit_code", 0), 2);
  }
}

TEST(CliFirstMinute, PeersOnlyWithNoPeerSaysItWaits) {
  TempDir work;
  WriteRandomFile(work / "update.bin", 1 << 20);
  ASSERT_EQ(std::system((std::string(SHOAL_CLI) + " make-metainfo " + (work / "update.bin") +
                         " --web-seed " + kClosed + " -o " + (work / "u.torrent") + " >/dev/null")
                            .c_str()),
            0);
  int code = 0;
  // Peers only and no peer: before, nothing but the progress line until Ctrl-C.
  Shell("timeout --preserve-status -s INT 12 " + std::string(SHOAL_CLI) +
            " get --no-config --no-http " + kClosed + " --torrent " + (work / "u.torrent") +
            " -o " + (work / "out.bin"),
        &code, work / "err.txt");
  const std::string err = ReadFile(work / "err.txt");
  EXPECT_EQ(code, 130) << err;  // interrupted, as by a user's Ctrl-C
  EXPECT_NE(err.find("waiting for peers"), std::string::npos) << err;
}

TEST(CliFirstMinute, StatusShowsASizeNotKnownYetAsUnknown) {
  TempDir work;
  const std::string status_dir = work / "status";
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::setenv("SHOAL_STATUS_DIR", status_dir.c_str(), 1);
    const std::string out = work / "out.bin";
    const int devnull = ::open("/dev/null", O_WRONLY);
    ::dup2(devnull, 2);
    ::execl(SHOAL_CLI, SHOAL_CLI, "get", "--no-config", kClosed, "-o", out.c_str(), "--retry-delay",
            "1", static_cast<char*>(nullptr));
    ::_exit(127);
  }
  ASSERT_GT(pid, 0);
  nlohmann::json listed;
  int code = 0;
  for (int i = 0; i < 100; ++i) {  // the report is written within about a second
    listed = nlohmann::json::parse(
        Shell("SHOAL_STATUS_DIR=" + status_dir + " " + SHOAL_CLI + " status --json", &code),
        nullptr, false);
    if (listed.is_array() && !listed.empty()) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  const std::string table =
      Shell("SHOAL_STATUS_DIR=" + status_dir + " " + SHOAL_CLI + " status", &code);
  ::kill(pid, SIGKILL);
  ::waitpid(pid, nullptr, 0);
  ASSERT_TRUE(listed.is_array() && listed.size() == 1) << listed.dump();
  EXPECT_TRUE(listed[0]["total"].is_null()) << listed.dump();
  EXPECT_EQ(table.find("TiB"), std::string::npos) << table;
  EXPECT_NE(table.find("0 B / ?"), std::string::npos) << table;
}

// `make demo` runs `shoal demo`: a site that starts empty, so a person sees the CDN join and
// the peers trade (it was one pre-seeded peer serving everything in about a second).
TEST(CliFirstMinute, TheDemoIsASiteWhereTheCdnFeedsPeersThatTrade) {
  TempDir work;
  int code = 0;
  Shell(std::string(SHOAL_CLI) + " demo --peers 3 --size-mib 16 --cdn-mib-s 8", &code,
        work / "err.txt");
  const std::string err = ReadFile(work / "err.txt");
  ASSERT_EQ(code, 0) << err;
  EXPECT_NE(err.find("no peer has the file yet"), std::string::npos) << err;
  EXPECT_NE(err.find("files byte-exact      yes"), std::string::npos) << err;
  // Both sources served: parse "bytes from peers  X MiB" and "bytes from the CDN  Y MiB".
  auto mib = [&](const std::string& label) {
    const auto at = err.find(label);
    return at == std::string::npos ? -1.0 : std::atof(err.c_str() + at + label.size());
  };
  EXPECT_GT(mib("bytes from peers"), 1.0) << err;
  EXPECT_GT(mib("bytes from the CDN"), 1.0) << err;
}

}  // namespace
}  // namespace shoal::testing
