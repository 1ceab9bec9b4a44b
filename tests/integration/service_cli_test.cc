// The CLI's job commands against a real shoald: list, wait, complete (the file written by the
// CLI with its own rights), and clear exit codes for bad ids and a service that is not there.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "api/src/service_backend.h"
#include "tests/integration/service_fixture.h"
#include "tests/support/fault_origin.h"

namespace shoal::testing {
namespace {

struct CliRun {
  int code = -1;
  std::string out, err;
};

CliRun Shoal(const TempDir& dir, const std::string& socket, std::vector<std::string> args) {
  args.insert(args.begin(), SHOAL_CLI);
  Child c(args, dir / "cli.err", {"SHOAL_SOCKET=" + socket});
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

TEST(ServiceCli, GetSubmitsToTheServiceWithService) {
  TempDir dir;
  std::string error;
  auto origin = FaultOrigin::Start(&error);
  ASSERT_TRUE(origin) << error;
  const std::string data = RandomBytes(200 << 10, 5);
  origin->Put("/g.bin", data);
  ServiceProcess service(dir.path().string());
  ASSERT_TRUE(service.Start(&error)) << error;
  const std::string out = dir / "g.bin";
  CliRun get =
      Shoal(dir, service.socket(),
            {"get", origin->Url("/g.bin"), "-o", out, "--http-only", "--service", "--json"});
  ASSERT_EQ(get.code, 0) << get.err;
  EXPECT_EQ(nlohmann::json::parse(get.out)["state"], "complete");
  EXPECT_EQ(ReadFile(out), data);
  // The engine that fetched it was the service's: this command ran none.
  EXPECT_EQ(get.err.find("cannot start the engine"), std::string::npos);
  CliRun list = Shoal(dir, service.socket(), {"jobs", "--json"});
  ASSERT_EQ(list.code, 0);
  EXPECT_TRUE(nlohmann::json::parse(list.out).empty()) << "completed: out of the queue";
  EXPECT_FALSE(ListDir(service.cache_dir() + "/jobs").empty()) << "the store kept its copy";
  CliRun down = Shoal(dir, dir / "none.sock",
                      {"get", origin->Url("/g.bin"), "-o", dir / "h.bin", "--service"});
  EXPECT_EQ(down.code, 1) << down.err;
}

}  // namespace
}  // namespace shoal::testing
