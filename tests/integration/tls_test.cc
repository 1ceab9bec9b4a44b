// HTTPS for the plain-HTTP source against `openssl s_server` on loopback: a certificate
// trusted through `ca_file` (beside the system store), one trusted by nobody (fatal), and an
// https URL redirecting to http (refused, fatal). Needs the openssl command (Debian: openssl).
#include <gtest/gtest.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <unistd.h>

#include <cstdlib>

#include "engine/engine.h"
#include "tests/support/fault_origin.h"
#include "tests/support/fixtures.h"

extern char** environ;

namespace shoal::testing {
namespace {

using engine::JobState;

bool Accepts(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  const bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  ::close(fd);
  return ok;
}

class Tls : public ::testing::Test {
 protected:
  void SetUp() override {
    // A self-signed certificate for 127.0.0.1, and s_server answering each GET /name with the
    // file ./name, which holds a whole HTTP response.
    const std::string gen = "cd '" + dir_.path().string() +
                            "' && openssl req -x509 -newkey rsa:2048 -nodes -keyout key.pem "
                            "-out cert.pem -days 1 -subj /CN=127.0.0.1 "
                            "-addext subjectAltName=IP:127.0.0.1 >/dev/null 2>&1";
    ASSERT_EQ(std::system(gen.c_str()), 0) << "the openssl command is required";
    data_ = RandomBytes(200 * 1024 + 7);
    WriteFile(dir_ / "f.bin",
              "HTTP/1.0 200 OK\r\nContent-Length: " + std::to_string(data_.size()) + "\r\n\r\n" +
                  data_);
    std::string error;
    plain_ = FaultOrigin::Start(&error);
    ASSERT_TRUE(plain_) << error;
    plain_->Put("/f.bin", data_);
    WriteFile(dir_ / "down.bin", "HTTP/1.0 302 Found\r\nLocation: " + plain_->Url("/f.bin") +
                                     "\r\nContent-Length: 0\r\n\r\n");
    port_ = ClosedLoopbackPort();  // free now; s_server takes it
    const std::string accept = "127.0.0.1:" + std::to_string(port_);
    const std::string cert = dir_ / "cert.pem";
    const std::string key = dir_ / "key.pem";
    std::vector<std::string> args = {"openssl", "s_server", "-accept", accept, "-cert", cert,
                                     "-key", key, "-HTTP", "-quiet"};
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
    // s_server -HTTP serves from its working directory.
    posix_spawn_file_actions_addchdir_np(&actions, dir_.path().c_str());
    const int rc = posix_spawnp(&server_, "openssl", &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    ASSERT_EQ(rc, 0);
    ASSERT_TRUE(WaitFor([&] { return Accepts(port_); }, std::chrono::seconds(30)));
  }

  void TearDown() override {
    if (server_ > 0) {
      ::kill(server_, SIGTERM);
      ::waitpid(server_, nullptr, 0);
    }
  }

  // An http-only job for https://127.0.0.1:port/<name>, settled.
  std::shared_ptr<const engine::JobView> Run(engine::Engine& e, const std::string& name) {
    std::shared_ptr<const engine::JobView> job;
    EXPECT_EQ(e.CreateJob("tls", &job), hr::kOk);
    engine::FileSpec f{"https://127.0.0.1:" + std::to_string(port_) + "/" + name, out_ / name, ""};
    f.http_only = true;
    EXPECT_EQ(e.AddFiles(job->id, {f}), hr::kOk);
    EXPECT_EQ(e.Resume(job->id), hr::kOk);
    EXPECT_TRUE(WaitFor([&] { return !engine::IsActive(job->state.load()); }));
    return job;
  }

  std::unique_ptr<engine::Engine> Start(bool trust) {
    engine::EngineOptions o;
    o.listen_interface = "127.0.0.1:0";
    if (trust) o.ca_file = dir_ / "cert.pem";
    std::string error;
    auto e = engine::Engine::Start(o, nullptr, &error);
    EXPECT_TRUE(e) << error;
    return e;
  }

  void ExpectFatal(engine::Engine& e, const engine::JobView& job, hr::HResult code) {
    ASSERT_EQ(job.state.load(), JobState::kError);
    engine::JobErrorInfo info;
    ASSERT_EQ(e.GetError(job.id, &info), hr::kOk);
    EXPECT_EQ(static_cast<std::uint32_t>(info.code), static_cast<std::uint32_t>(code))
        << info.message;
    EXPECT_EQ(info.context, engine::ErrorContext::kRemoteFile);
    EXPECT_EQ(info.protocol, "https");
    EXPECT_EQ(job.error_count.load(), 1u);
  }

  TempDir dir_;
  TempDir out_;
  std::string data_;
  std::unique_ptr<FaultOrigin> plain_;
  int port_ = 0;
  pid_t server_ = -1;
};

TEST_F(Tls, CertificateTrustedThroughCaFileDownloads) {
  auto e = Start(true);
  auto job = Run(*e, "f.bin");
  ASSERT_EQ(job->state.load(), JobState::kTransferred);
  ASSERT_EQ(e->Complete(job->id), hr::kOk);
  EXPECT_TRUE(ReadFile(out_ / "f.bin") == data_);
}

TEST_F(Tls, UntrustedCertificateIsFatal) {
  auto e = Start(false);
  auto job = Run(*e, "f.bin");
  ExpectFatal(*e, *job, hr::kInternetInvalidCa);
}

TEST_F(Tls, RedirectFromHttpsToHttpIsRefused) {
  auto e = Start(true);
  auto job = Run(*e, "down.bin");
  ExpectFatal(*e, *job, hr::kInternetHttpsToHttpOnRedir);
  EXPECT_EQ(plain_->Requests("/f.bin"), 0) << "nothing was fetched over plain http";
}

}  // namespace
}  // namespace shoal::testing
