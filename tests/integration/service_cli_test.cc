// The CLI's job commands against a real shoald: list, wait, complete (the file written by the
// CLI with its own rights), and clear exit codes for bad ids and a service that is not there.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>

#include <chrono>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <thread>

#include "api/src/service_backend.h"
#include "tests/integration/service_fixture.h"
#include "tests/support/child_process.h"
#include "tests/support/fault_origin.h"

namespace shoal::testing {
namespace {

struct CliRun {
  int code = -1;
  std::string out, err;
};

CliRun Shoal(const TempDir& dir, const std::string& socket, std::vector<std::string> args,
             std::vector<std::string> env = {}) {
  args.insert(args.begin(), SHOAL_CLI);
  env.insert(env.begin(), "SHOAL_SOCKET=" + socket);
  Child c(args, dir / "cli.err", env);
  CliRun r;
  std::string line;
  while (c.Line(&line)) r.out += line;
  r.code = c.Wait();
  r.err = ReadFile(dir / "cli.err");
  return r;
}

TEST(ServiceCli, ListsWaitsAndCompletesAServiceJob) {
  TempDir dir;
  std::string error;
  auto origin = FaultOrigin::Start(&error);
  ASSERT_TRUE(origin) << error;
  const std::string data = RandomBytes(300 << 10, 3);
  origin->Put("/f.bin", data);
  ServiceProcess service(dir.path().string());
  ASSERT_TRUE(service.Start(&error)) << error;
  EventLog events;
  auto backend = api::ConnectServiceBackend(service.socket(), &events, &error);
  ASSERT_TRUE(backend) << error;
  std::shared_ptr<const api::JobHandle> job;
  ASSERT_EQ(backend->CreateJob("cli", &job), hr::kOk);
  api::FileSpec spec;
  spec.remote_url = origin->Url("/f.bin");
  spec.local_path = dir / "f.bin";
  spec.http_only = true;
  ASSERT_EQ(backend->AddFiles(job->id(), {spec}), hr::kOk);
  const std::string id = job->id().ToString();

  CliRun list = Shoal(dir, service.socket(), {"jobs", "--json"});
  ASSERT_EQ(list.code, 0) << list.err;
  const auto jobs = nlohmann::json::parse(list.out);
  ASSERT_EQ(jobs.size(), 1u);
  EXPECT_EQ(jobs[0]["id"], id);
  EXPECT_EQ(jobs[0]["state"], "SUSPENDED");
  EXPECT_EQ(jobs[0]["owner"], "S-1-22-1-" + std::to_string(::getuid()));

  ASSERT_EQ(Shoal(dir, service.socket(), {"resume", id}).code, 0);
  CliRun wait = Shoal(dir, service.socket(), {"wait", id, "--json"});
  ASSERT_EQ(wait.code, 0) << wait.err;
  EXPECT_EQ(nlohmann::json::parse(wait.out)["state"], "TRANSFERRED");
  EXPECT_FALSE(std::filesystem::exists(dir / "f.bin"));
  CliRun complete = Shoal(dir, service.socket(), {"complete", id});
  ASSERT_EQ(complete.code, 0) << complete.err;
  EXPECT_EQ(ReadFile(dir / "f.bin"), data);
  EXPECT_EQ(Shoal(dir, service.socket(), {"complete", id}).code, 1) << "out of the queue now";

  EXPECT_EQ(Shoal(dir, service.socket(), {"cancel", "not-a-guid"}).code, 2);
  CliRun down = Shoal(dir, dir / "nothing.sock", {"jobs"});
  EXPECT_EQ(down.code, 1);
  EXPECT_NE(down.err.find("no shoald answers"), std::string::npos) << down.err;
}

// The other job commands with --json: suspend and resume move the job, `jobs --all-users`
// (root) and `status` list it, cancel ends it; each prints the job's state and hresult.
TEST(ServiceCli, SuspendResumeCancelListAllUsersAndStatusAsJson) {
  TempDir dir;
  std::string error;
  auto origin = FaultOrigin::Start(&error);
  ASSERT_TRUE(origin) << error;
  Fault drip;  // about 160 KB/s: still transferring while the commands run
  drip.drip_bytes = 16 << 10;
  drip.drip_delay = std::chrono::milliseconds(100);
  origin->Put("/slow.bin", RandomBytes(8 << 20, 4), {}, drip);
  ServiceProcess service(dir.path().string());
  ASSERT_TRUE(service.Start(&error)) << error;
  CliRun get = Shoal(dir, service.socket(),
                     {"get", origin->Url("/slow.bin"), "-o", dir / "slow.bin", "--http-only",
                      "--detach", "--json"});
  ASSERT_EQ(get.code, 0) << get.err;
  const std::string id = nlohmann::json::parse(get.out)["id"];
  auto state_of = [&](const CliRun& r) {
    EXPECT_EQ(r.code, 0) << r.err;
    const auto j = nlohmann::json::parse(r.out);
    EXPECT_EQ(j["id"], id);
    EXPECT_EQ(j["hresult"].get<std::string>().rfind("0x00000000", 0), 0u) << j.dump();
    return j["state"].get<std::string>();
  };
  EXPECT_EQ(state_of(Shoal(dir, service.socket(), {"suspend", id, "--json"})), "SUSPENDED");
  const std::string resumed = state_of(Shoal(dir, service.socket(), {"resume", id, "--json"}));
  EXPECT_TRUE(resumed == "QUEUED" || resumed == "CONNECTING" || resumed == "TRANSFERRING")
      << resumed;

  CliRun all = Shoal(dir, service.socket(), {"jobs", "--all-users", "--json"});
  ASSERT_EQ(all.code, 0) << all.err;
  const auto listed = nlohmann::json::parse(all.out);
  ASSERT_EQ(listed.size(), 1u) << all.out;
  EXPECT_EQ(listed[0]["id"], id);
  CliRun status = Shoal(dir, service.socket(), {"status", "--json"},
                        {"SHOAL_STATUS_DIR=" + (dir / "no-reports")});
  ASSERT_EQ(status.code, 0) << status.err;
  bool shown = false;
  for (const auto& r : nlohmann::json::parse(status.out)) {
    shown = shown || (r["command"] == "shoald" && r["job"] == id);
  }
  EXPECT_TRUE(shown) << "shoal status reads the service: " << status.out;

  EXPECT_EQ(state_of(Shoal(dir, service.socket(), {"cancel", id, "--json"})), "CANCELLED");
  CliRun after = Shoal(dir, service.socket(), {"jobs", "--json"});
  ASSERT_EQ(after.code, 0) << after.err;
  EXPECT_TRUE(nlohmann::json::parse(after.out).empty()) << after.out;
  EXPECT_FALSE(std::filesystem::exists(dir / "slow.bin")) << "a cancelled job leaves no file";
  CliRun again = Shoal(dir, service.socket(), {"cancel", id, "--json"});
  EXPECT_EQ(again.code, 1) << "out of the queue now";
}

// `shoal daemon` runs shoald with the flags that follow it.
TEST(ServiceCli, DaemonRunsShoald) {
  TempDir dir;
  const std::string socket = dir / "d.sock";
  Child daemon({SHOAL_CLI, "daemon", "--user", "--no-config", "--socket", socket, "--state-dir",
                dir / "state", "--cache-dir", dir / "cache", "--listen", "127.0.0.1:0"},
               dir / "daemon.err");
  ASSERT_TRUE(WaitFor([&] { return Shoal(dir, socket, {"jobs", "--json"}).code == 0; }))
      << ReadFile(dir / "daemon.err");
  EXPECT_NE(ReadFile(dir / "daemon.err").find("shoald: serving " + socket), std::string::npos)
      << ReadFile(dir / "daemon.err");
  daemon.Signal(SIGTERM);
  EXPECT_EQ(daemon.Wait(), 0) << ReadFile(dir / "daemon.err");
}

// The pids of the shoald processes running with XDG_RUNTIME_DIR=`runtime`.
std::vector<pid_t> ShoaldsFor(const std::string& runtime) {
  std::vector<pid_t> out;
  for (const auto& e : std::filesystem::directory_iterator("/proc")) {
    const std::string name = e.path().filename();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    const std::string cmd = ReadFile(e.path() / "cmdline");
    if (cmd.rfind("shoald", 0) != 0) continue;
    const std::string env = ReadFile(e.path() / "environ");
    if (env.find(std::string("XDG_RUNTIME_DIR=") + runtime + '\0') == std::string::npos) continue;
    out.push_back(static_cast<pid_t>(std::stol(name)));
  }
  return out;
}

// With no service anywhere, `shoal get` starts a user-mode shoald (as gpg-agent is started):
// two at once start one, both jobs are the service's, and it keeps running after them.
TEST(ServiceCli, GetStartsOneUserServiceOnDemand) {
  TempDir dir;
  std::string error;
  auto origin = FaultOrigin::Start(&error);
  ASSERT_TRUE(origin) << error;
  const std::string data = RandomBytes(300 << 10, 8);
  origin->Put("/a.bin", data);
  const std::string runtime = dir / "run";
  ASSERT_EQ(::mkdir(runtime.c_str(), 0700), 0);
  const std::vector<std::string> env = {"SHOAL_SOCKET=",
                                        "SHOAL_SERVICE_AUTOSTART=1",
                                        "SHOAL_SHOALD=" SHOALD,
                                        "XDG_RUNTIME_DIR=" + runtime,
                                        "XDG_STATE_HOME=" + (dir / "state"),
                                        "XDG_CACHE_HOME=" + (dir / "cache")};
  std::vector<std::unique_ptr<Child>> gets;
  for (const char* out : {"a1.bin", "a2.bin"}) {
    gets.push_back(
        std::make_unique<Child>(std::vector<std::string>{SHOAL_CLI, "get", origin->Url("/a.bin"),
                                                         "-o", dir / out, "--http-only", "--json"},
                                dir / (std::string(out) + ".err"), env));
  }
  for (auto& g : gets) {
    std::string line;
    while (g->Line(&line)) {
    }
    EXPECT_EQ(g->Wait(), 0);
  }
  const std::vector<pid_t> daemons = ShoaldsFor(runtime);
  for (pid_t pid : daemons) ::kill(pid, SIGTERM);  // ours: started with this test's runtime dir
  EXPECT_EQ(ReadFile(dir / "a1.bin"), data) << ReadFile(dir / "a1.bin.err");
  EXPECT_EQ(ReadFile(dir / "a2.bin"), data) << ReadFile(dir / "a2.bin.err");
  EXPECT_EQ(ReadFile(dir / "a1.bin.err").find("standalone"), std::string::npos)
      << ReadFile(dir / "a1.bin.err");
  EXPECT_EQ(daemons.size(), 1u) << "two clients, one service";
  EXPECT_TRUE(std::filesystem::exists(runtime + "/shoal/shoal.sock") || !daemons.empty());
  // A plain URL's content (no sidecar) is served to no peer: once both jobs completed, the
  // store keeps no copy of it (decision 0017).
  EXPECT_TRUE(ListDir(dir / "cache/shoal/service/jobs").empty())
      << "the service's store kept content nothing serves";
  for (int i = 0; i < 500 && !ShoaldsFor(runtime).empty(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

// Without a service to be had (SHOAL_SERVICE_AUTOSTART=0, nothing listening) `get` says so and
// runs standalone; --standalone and the settings options never ask for one.
TEST(ServiceCli, GetRunsStandaloneWhenNoServiceCanBeHad) {
  TempDir dir;
  std::string error;
  auto origin = FaultOrigin::Start(&error);
  ASSERT_TRUE(origin) << error;
  const std::string data = RandomBytes(100 << 10, 6);
  origin->Put("/s.bin", data);
  const std::string runtime = dir / "run";
  ASSERT_EQ(::mkdir(runtime.c_str(), 0700), 0);
  const std::vector<std::string> env = {"SHOAL_SERVICE_AUTOSTART=0", "XDG_RUNTIME_DIR=" + runtime};
  CliRun plain =
      Shoal(dir, "", {"get", origin->Url("/s.bin"), "-o", dir / "s1", "--http-only"}, env);
  ASSERT_EQ(plain.code, 0) << plain.err;
  EXPECT_NE(plain.err.find("downloading standalone"), std::string::npos) << plain.err;
  EXPECT_EQ(ReadFile(dir / "s1"), data);
  CliRun standalone =
      Shoal(dir, "",
            {"get", origin->Url("/s.bin"), "-o", dir / "s2", "--http-only", "--standalone"}, env);
  ASSERT_EQ(standalone.code, 0) << standalone.err;
  // cli.err gathers every run's: the note is the first run's only.
  EXPECT_EQ(standalone.err.find("downloading standalone"),
            standalone.err.rfind("downloading standalone"))
      << standalone.err;
  EXPECT_EQ(ReadFile(dir / "s2"), data);
  CliRun both = Shoal(
      dir, "",
      {"get", origin->Url("/s.bin"), "-o", dir / "s3", "--service", "--listen", "127.0.0.1:0"},
      env);
  EXPECT_EQ(both.code, 2) << both.err;
  EXPECT_NE(both.err.find("--listen"), std::string::npos) << both.err;
}

// --detach leaves the job in the service; the same command later finishes it.
TEST(ServiceCli, GetDetachLeavesTheJobAndARerunFinishesIt) {
  TempDir dir;
  std::string error;
  auto origin = FaultOrigin::Start(&error);
  ASSERT_TRUE(origin) << error;
  const std::string data = RandomBytes(200 << 10, 7);
  origin->Put("/d.bin", data);
  ServiceProcess service(dir.path().string());
  ASSERT_TRUE(service.Start(&error)) << error;
  const std::string out = dir / "d.bin";
  const std::vector<std::string> get = {"get", origin->Url("/d.bin"), "-o", out, "--http-only"};
  std::vector<std::string> detach = get;
  detach.push_back("--detach");
  CliRun submitted = Shoal(dir, service.socket(), detach);
  ASSERT_EQ(submitted.code, 0) << submitted.err;
  std::string id = submitted.out;
  while (!id.empty() && id.back() == '\n') id.pop_back();
  ASSERT_EQ(id.size(), 38u) << submitted.out;
  EXPECT_FALSE(std::filesystem::exists(out)) << "files appear only on Complete";
  CliRun wait = Shoal(dir, service.socket(), {"wait", id, "--json"});
  ASSERT_EQ(wait.code, 0) << wait.err;
  EXPECT_EQ(nlohmann::json::parse(wait.out)["state"], "TRANSFERRED");
  CliRun rerun = Shoal(dir, service.socket(), get);
  ASSERT_EQ(rerun.code, 0) << rerun.err;
  EXPECT_NE(rerun.err.find("continuing"), std::string::npos) << rerun.err;
  EXPECT_EQ(ReadFile(out), data);
  EXPECT_EQ(origin->Ranges("/d.bin").size(), 1u) << "fetched once";
}

// Ctrl-C of `shoal get` suspends its service job; the same command continues it, fetching only
// what was not verified yet.
TEST(ServiceCli, CtrlCSuspendsAndARerunContinues) {
  TempDir dir;
  std::string error;
  auto origin = FaultOrigin::Start(&error);
  ASSERT_TRUE(origin) << error;
  constexpr std::size_t kSize = 2 << 20;
  const std::string data = RandomBytes(kSize, 4);
  Fault drip;
  drip.drip_bytes = 8 << 10;
  drip.drip_delay = std::chrono::milliseconds(10);
  origin->Put("/c.bin", data, {}, drip);
  ServiceProcess service(dir.path().string());
  ASSERT_TRUE(service.Start(&error)) << error;
  const std::string out = dir / "c.bin";
  const std::vector<std::string> get = {SHOAL_CLI, "get", origin->Url("/c.bin"),
                                        "-o",      out,   "--http-only"};
  std::uint64_t seen = 0;
  {
    std::vector<std::string> first = get;
    first.push_back("--progress-jsonl");
    Child run(first, dir / "first.err", {"SHOAL_SOCKET=" + service.socket()});
    std::string line;
    while (seen < kSize / 4 && run.Line(&line)) {
      const auto at = line.find("\"bytes\":");
      if (at != std::string::npos) seen = std::stoull(line.substr(at + 8));
    }
    ASSERT_GE(seen, kSize / 4) << ReadFile(dir / "first.err");
    run.Signal(SIGINT);
    EXPECT_EQ(run.Wait(), 130) << ReadFile(dir / "first.err");
  }
  EXPECT_NE(ReadFile(dir / "first.err").find("suspended in shoald"), std::string::npos);
  CliRun list = Shoal(dir, service.socket(), {"jobs", "--json"});
  ASSERT_EQ(list.code, 0) << list.err;
  const auto jobs = nlohmann::json::parse(list.out);
  ASSERT_EQ(jobs.size(), 1u);
  EXPECT_EQ(jobs[0]["state"], "SUSPENDED");
  EXPECT_FALSE(std::filesystem::exists(out));
  origin->Put("/c.bin", data);  // full speed now
  CliRun rerun =
      Shoal(dir, service.socket(), {"get", origin->Url("/c.bin"), "-o", out, "--http-only"});
  ASSERT_EQ(rerun.code, 0) << rerun.err;
  EXPECT_NE(rerun.err.find("continuing"), std::string::npos) << rerun.err;
  EXPECT_EQ(ReadFile(out), data);
  const std::vector<std::string> ranges = origin->Ranges("/c.bin");
  ASSERT_FALSE(ranges.empty());  // the log restarted with the second Put: the rerun's requests
  for (std::size_t i = 0; i < ranges.size(); ++i) {
    ASSERT_EQ(ranges[i].rfind("bytes=", 0), 0u) << "the rerun asked for the rest only";
    EXPECT_GE(std::stoull(ranges[i].substr(6)), seen) << "nothing counted is fetched again";
  }
}

TEST(ServiceCli, GetSubmitsToTheServiceByDefault) {
  TempDir dir;
  std::string error;
  auto origin = FaultOrigin::Start(&error);
  ASSERT_TRUE(origin) << error;
  const std::string data = RandomBytes(200 << 10, 5);
  origin->Put("/g.bin", data);
  ServiceProcess service(dir.path().string());
  ASSERT_TRUE(service.Start(&error)) << error;
  const std::string out = dir / "g.bin";
  CliRun get = Shoal(dir, service.socket(),
                     {"get", origin->Url("/g.bin"), "-o", out, "--http-only", "--json"});
  ASSERT_EQ(get.code, 0) << get.err;
  EXPECT_EQ(nlohmann::json::parse(get.out)["state"], "complete");
  EXPECT_EQ(ReadFile(out), data);
  // The engine that fetched it was the service's: this command ran none.
  EXPECT_EQ(get.err.find("cannot start the engine"), std::string::npos);
  CliRun list = Shoal(dir, service.socket(), {"jobs", "--json"});
  ASSERT_EQ(list.code, 0);
  EXPECT_TRUE(nlohmann::json::parse(list.out).empty()) << "completed: out of the queue";
  // Plain HTTP: no seed needs the store's copy once the job completed (decision 0017).
  EXPECT_TRUE(ListDir(service.cache_dir() + "/jobs").empty()) << "nothing serves that copy";
  CliRun down = Shoal(dir, dir / "none.sock",
                      {"get", origin->Url("/g.bin"), "-o", dir / "h.bin", "--service"});
  EXPECT_EQ(down.code, 1) << down.err;
}

}  // namespace
}  // namespace shoal::testing
