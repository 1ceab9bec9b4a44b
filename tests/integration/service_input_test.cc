// Bad input on shoald's socket: each gets a clear error, and the service keeps serving others.
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>

#include "api/src/service_paths.h"
#include "tests/integration/service_fixture.h"

namespace shoal::testing {
namespace {

class ServiceInputTest : public ::testing::Test {
 protected:
  void SetUp() override {
    service_ = std::make_unique<ServiceProcess>(
        dir_.path().string(),
        std::vector<std::string>{"--max-connections", "16", "--max-connections-per-user", "8"});
    std::string error;
    ASSERT_TRUE(service_->Start(&error)) << error;
  }
  std::string Send(const std::string& request) { return RawExchange(service_->socket(), request); }
  // A connection the service has accepted and served once, left idle. Served once: the
  // service may still count a connection that has gone (Start's readiness probe, whose end it
  // has not seen yet), and would refuse this one instead.
  int HeldConnection() {
    int fd = -1;
    EXPECT_TRUE(WaitFor([&] {
      fd = api::ConnectUnix(service_->socket());
      if (fd >= 0 &&
          StatusOf(ExchangeOn(fd, "GET /v1/version HTTP/1.1\r\nHost: x\r\n\r\n")) == 200) {
        return true;
      }
      if (fd >= 0) ::close(fd);
      fd = -1;
      return false;
    }));
    return fd;
  }
  void ExpectAlive() {
    const std::string reply = Send("GET /v1/version HTTP/1.1\r\nHost: x\r\n\r\n");
    EXPECT_EQ(StatusOf(reply), 200) << reply;
  }
  std::string HResultOf(const std::string& reply) {
    const auto body = BodyOf(reply);
    return body.is_object() ? body.value("hresult", "") : "";
  }

  TempDir dir_;
  std::unique_ptr<ServiceProcess> service_;
};

// The fixture itself: a service that cannot start is reported at once with its reason, not
// after a minute of waiting for a socket that never comes.
TEST(ServiceFixture, AServiceThatCannotStartSaysWhyAtOnce) {
  TempDir dir;
  std::string why;
  ServiceProcess missing((dir.path() / "no-such-folder").string());
  EXPECT_FALSE(missing.Start(&why));
  EXPECT_NE(why.find("could not start"), std::string::npos) << why;
  ServiceProcess bad_flag(dir.path().string(), {"--no-such-flag"});
  EXPECT_FALSE(bad_flag.Start(&why));
  EXPECT_NE(why.find("exited with 2"), std::string::npos) << why;
}

TEST_F(ServiceInputTest, MalformedHttpGets400) {
  const std::string reply = Send("NOT HTTP AT ALL\r\n\r\n");
  EXPECT_EQ(StatusOf(reply), 400) << reply;
  EXPECT_EQ(HResultOf(reply), "0x80070057");
  EXPECT_NE(reply.find("malformed HTTP request"), std::string::npos) << reply;
  ExpectAlive();
}

TEST_F(ServiceInputTest, MalformedJsonGets400) {
  const std::string body = "{\"display_name\": ";
  const std::string reply =
      Send("POST /v1/jobs HTTP/1.1\r\nHost: x\r\nContent-Length: " + std::to_string(body.size()) +
           "\r\n\r\n" + body);
  EXPECT_EQ(StatusOf(reply), 400) << reply;
  EXPECT_EQ(HResultOf(reply), "0x80070057");
  EXPECT_NE(reply.find("malformed JSON"), std::string::npos) << reply;
  const std::string wrong_type = "{\"display_name\": 5}";
  const std::string typed = Send("POST /v1/jobs HTTP/1.1\r\nHost: x\r\nContent-Length: " +
                                 std::to_string(wrong_type.size()) + "\r\n\r\n" + wrong_type);
  EXPECT_EQ(StatusOf(typed), 400) << typed;
  ExpectAlive();
}

TEST_F(ServiceInputTest, HugeBodiesAndHeadersAreRefused) {
  const std::string reply =
      Send("POST /v1/jobs HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000000\r\n\r\n{}");
  EXPECT_EQ(StatusOf(reply), 413) << reply;
  const std::string header =
      "GET /v1/version HTTP/1.1\r\nX-Big: " + std::string(64 << 10, 'a') + "\r\n\r\n";
  EXPECT_EQ(StatusOf(Send(header)), 431);
  ExpectAlive();
}

TEST_F(ServiceInputTest, UnknownJobsAndEndpointsGetClearErrors) {
  const std::string unknown =
      Send("GET /v1/jobs/{00000000-0000-4000-8000-000000000001} HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(StatusOf(unknown), 404) << unknown;
  EXPECT_EQ(HResultOf(unknown), "0x80200001");  // BG_E_NOT_FOUND
  const std::string not_an_id = Send("POST /v1/jobs/nope/resume HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(StatusOf(not_an_id), 400) << not_an_id;
  const std::string endpoint = Send("GET /v2/everything HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(StatusOf(endpoint), 404) << endpoint;
  EXPECT_EQ(HResultOf(endpoint), "0x80004001");  // E_NOTIMPL
  ExpectAlive();
}

TEST_F(ServiceInputTest, IdleConnectionsAreCappedAndOthersStillServed) {
  // The cap on all connections, below the per-user one (32 by default).
  service_.reset();
  service_ = std::make_unique<ServiceProcess>(dir_.path().string(),
                                              std::vector<std::string>{"--max-connections", "16"});
  std::string error;
  ASSERT_TRUE(service_->Start(&error)) << error;
  std::vector<int> idle;
  for (int i = 0; i < 16; ++i) idle.push_back(HeldConnection());
  // Wait until the service holds all of them; one more is told it is busy.
  std::string busy;
  ASSERT_TRUE(WaitFor([&] {
    busy = Send("GET /v1/version HTTP/1.1\r\nHost: x\r\n\r\n");
    return StatusOf(busy) == 503;
  })) << busy;
  EXPECT_EQ(HResultOf(busy), "0x80d01001");
  EXPECT_NE(busy.find("too many connections to shoald\""), std::string::npos) << busy;
  for (int fd : idle) ::close(fd);
  ASSERT_TRUE(WaitFor(
      [&] { return StatusOf(Send("GET /v1/version HTTP/1.1\r\nHost: x\r\n\r\n")) == 200; }));
}

// One user's share of the connections is capped: its idle connections get it 503, while
// another user is still served.
TEST_F(ServiceInputTest, OneUsersIdleConnectionsLeaveAnotherUserServed) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to switch to another uid";
  std::filesystem::permissions(dir_.path(), std::filesystem::perms::owner_all |
                                                std::filesystem::perms::group_exec |
                                                std::filesystem::perms::others_exec);
  std::vector<int> idle;
  for (int i = 0; i < 8; ++i) idle.push_back(HeldConnection());
  std::string busy;
  ASSERT_TRUE(WaitFor([&] {
    busy = Send("GET /v1/version HTTP/1.1\r\nHost: x\r\n\r\n");
    return StatusOf(busy) == 503;
  })) << busy
      << "\nshoald's log:\n"
      << service_->Log();
  EXPECT_NE(busy.find("from uid 0"), std::string::npos) << busy;
  // Another user (a forked child: plain socket calls only) is served meanwhile.
  const pid_t pid = ::fork();
  if (pid == 0) {
    if (::setgid(65534) != 0 || ::setuid(65534) != 0) ::_exit(90);
    ::_exit(StatusOf(Send("GET /v1/version HTTP/1.1\r\nHost: x\r\n\r\n")) == 200 ? 0 : 1);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
  for (int fd : idle) ::close(fd);
  ASSERT_TRUE(WaitFor(
      [&] { return StatusOf(Send("GET /v1/version HTTP/1.1\r\nHost: x\r\n\r\n")) == 200; }));
}

TEST_F(ServiceInputTest, ASecondInstanceRefusesTheSocketAndNeverReplacesAFile) {
  auto run = [&](const std::string& socket, const std::string& name) {
    Child c({SHOALD, "--system", "--socket", socket, "--state-dir", dir_ / (name + "-state"),
             "--cache-dir", dir_ / (name + "-cache"), "--listen", "127.0.0.1:0"},
            dir_ / (name + ".log"));
    return c.Wait();
  };
  EXPECT_EQ(run(service_->socket(), "second"), 1);
  EXPECT_NE(ReadFile(dir_ / "second.log").find("another shoald is already serving"),
            std::string::npos)
      << ReadFile(dir_ / "second.log");
  ExpectAlive();
  const std::string file = dir_ / "plain.sock";
  WriteFile(file, "not a socket");
  EXPECT_EQ(run(file, "third"), 1);
  EXPECT_NE(ReadFile(dir_ / "third.log").find("is not a socket"), std::string::npos);
  EXPECT_EQ(ReadFile(file), "not a socket");
}

}  // namespace
}  // namespace shoal::testing
