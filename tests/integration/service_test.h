// ServiceTest: the fixture of the service tests that drive one shoald (service_test.cc,
// service_store_test.cc): a FaultOrigin on loopback, the service, client backends, a folder
// of another uid, and a forked child for that uid's calls. Test-thread only.
#pragma once

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "api/src/service_backend.h"
#include "engine/job_store.h"
#include "engine/metainfo.h"
#include "tests/integration/service_fixture.h"
#include "tests/support/child_process.h"
#include "tests/support/fault_origin.h"

namespace shoal::testing {

class ServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string error;
    origin_ = FaultOrigin::Start(&error);
    ASSERT_TRUE(origin_) << error;
    service_ = std::make_unique<ServiceProcess>(dir_.path().string());
    ASSERT_TRUE(service_->Start(&error)) << error;
  }

  std::unique_ptr<api::Backend> Connect() {
    std::string error;
    auto b = api::ConnectServiceBackend(service_->socket(), &events_, &error);
    EXPECT_TRUE(b) << error;
    return b;
  }

  // A file name in a folder of uid 65534's own ("" if it cannot be made); the test folder
  // stays writable by its owner only.
  std::string NobodysFile() {
    std::filesystem::permissions(dir_.path(), std::filesystem::perms::all &
                                                  ~std::filesystem::perms::group_write &
                                                  ~std::filesystem::perms::others_write);
    const std::string dir = dir_ / "nobody";
    std::filesystem::create_directories(dir);
    return ::chown(dir.c_str(), 65534, 65534) == 0 ? dir + "/nobody.bin" : "";
  }

  // Serves `size` random bytes at `path` from the origin (its web seed) and makes their
  // metainfo (*torrent); the bytes, "" on failure.
  std::string PublishWithMetainfo(const std::string& path, std::size_t size, unsigned seed,
                                  std::string* torrent) {
    const std::string src = dir_ / ("src" + std::to_string(seed) + ".bin");
    const std::string data = WriteRandomFile(src, size, seed);
    origin_->Put(path, data);
    engine::MetainfoSpec ms;
    ms.path = src;
    ms.web_seeds = {origin_->Url(path)};
    std::string error;
    if (engine::CreateMetainfo(ms, torrent, &error) != hr::kOk) {
      ADD_FAILURE() << error;
      return "";
    }
    return data;
  }

  // A job of this (root's) client with `spec`, resumed; null (a test failure) if refused.
  static std::shared_ptr<const api::JobHandle> StartRootsJob(api::Backend& backend,
                                                             const api::FileSpec& spec) {
    std::shared_ptr<const api::JobHandle> job;
    if (backend.CreateJob("root's", &job) != hr::kOk ||
        backend.AddFiles(job->id(), {spec}) != hr::kOk || backend.Resume(job->id()) != hr::kOk) {
      ADD_FAILURE() << "the job was refused";
      return nullptr;
    }
    return job;
  }

  // Runs `shoal ARGS...` (at most 120 s) as uid and gid 65534, a client of this test's service: a process of
  // its own (setpriv execs it), not a fork of this threaded one, whose copies of locks other
  // threads held at the fork would never be released. The build tree may be out of that
  // user's reach (a clone in a 0700 folder), so the CLI and libshoal run from copies in the
  // test folder. Its exit code; its stderr in *err, its stdout in *out.
  int CliAsNobody(const std::vector<std::string>& args, std::string* err,
                  std::string* out = nullptr) {
    namespace fs = std::filesystem;
    const fs::path bin = dir_.path() / "nobody-bin";
    if (!fs::exists(bin / "shoal")) {
      fs::create_directories(bin);
      fs::copy_file(SHOAL_CLI, bin / "shoal");
      fs::copy_file(SHOAL_LIB, bin / fs::path(SHOAL_LIB).filename());
    }
    const auto reachable = fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                           fs::perms::others_read | fs::perms::others_exec;
    fs::permissions(dir_.path(), reachable);
    fs::permissions(bin, reachable);
    // timeout(1): a command that hangs fails the test with 124 and its stderr, not ctest's
    // timeout with nothing said.
    std::vector<std::string> argv = {"/usr/bin/timeout", "120",         "/usr/bin/setpriv",
                                     "--reuid=65534",    "--regid=65534", "--clear-groups",
                                     "--",               bin / "shoal"};
    argv.insert(argv.end(), args.begin(), args.end());
    const std::string log = dir_ / "nobody-cli.err";
    Child cli(argv, log, {"SHOAL_SOCKET=" + service_->socket(), "LD_LIBRARY_PATH=" + bin.string()});
    std::string line, printed;
    while (cli.started() && cli.Line(&line)) printed += line;
    if (out != nullptr) *out = printed;
    const int code = cli.started() ? cli.Wait() : -1;
    *err = ReadFile(log);
    return code;
  }

  // With the service down: the verified bytes its store holds for the first file of its one
  // job (a test failure, 0, when there is not exactly one).
  std::uint64_t StoredVerifiedBytes() {
    std::string warnings, error;
    auto store = engine::OpenSqliteJobStore(service_->state_dir(), &warnings, &error);
    if (!store) {
      ADD_FAILURE() << error;
      return 0;
    }
    const auto jobs = store->LoadAll(&warnings);
    if (jobs.size() != 1 || jobs[0].files.empty()) {
      ADD_FAILURE() << jobs.size() << " jobs stored: " << warnings;
      return 0;
    }
    return jobs[0].files[0].verified_bytes;
  }

  // Waits until the job `id` is TRANSFERRED as `backend` (reconnected) sees it.
  bool WaitTransferred(api::Backend& backend, const api::Uuid& id) {
    return WaitFor([&] {
      auto j = backend.FindJob(id);
      return j && j->State() == api::JobState::kTransferred;
    });
  }

  // The other user's file: written with its rights, byte-exact.
  static void ExpectTheirFile(const std::string& path, const std::string& data) {
    struct stat st {};
    ASSERT_EQ(::stat(path.c_str(), &st), 0) << path;
    EXPECT_EQ(st.st_uid, 65534u) << "written as them";
    EXPECT_EQ(ReadFile(path), data);
  }

  // Runs `body` in a forked child (no threads there: only ServiceClient calls); its exit code.
  static int InChild(const std::function<int()>& body) {
    const pid_t pid = ::fork();
    if (pid == 0) ::_exit(body());
    int status = 0;
    ::waitpid(pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }

  TempDir dir_;
  std::unique_ptr<FaultOrigin> origin_;
  std::unique_ptr<ServiceProcess> service_;
  EventLog events_;
};

}  // namespace shoal::testing
