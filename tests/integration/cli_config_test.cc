// `shoal config` as a user runs it: every effective setting with its origin (default, the
// file, a SHOAL_* variable, a flag), strict errors with exit 2; and `shoal get`/`seed` reading
// the same layers (a value from the file reaches the engine, --no-config skips it).
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>
#include <nlohmann/json.hpp>

#include "tests/support/fixtures.h"

namespace shoal::testing {
namespace {

struct CliRun {
  int code = -1;
  std::string out;  // stdout and stderr
};

// Runs `args` through the shell with an empty environment plus `env`.
CliRun Shoal(const std::string& env, const std::string& args, bool with_stderr = true) {
  // env -i: no SHOAL_* variable, HOME or XDG_CONFIG_HOME of the caller's leaks in.
  const std::string cmd = "env -i PATH=/usr/bin:/bin " + env + " " + SHOAL_CLI + " " + args +
                          (with_stderr ? " 2>&1" : "");
  CliRun r;
  if (FILE* p = ::popen(cmd.c_str(), "r")) {
    char buf[4096];
    for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, p)) > 0;) r.out.append(buf, n);
    const int status = ::pclose(p);
    r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }
  return r;
}

nlohmann::json ByKey(const nlohmann::json& config) {
  nlohmann::json out = nlohmann::json::object();
  for (const auto& s : config["settings"]) out[s["key"].get<std::string>()] = s;
  return out;
}

TEST(CliConfig, PrintsEverySettingWithWhereItCameFrom) {
  TempDir dir;
  const std::string file = dir / "shoal.json";
  WriteFile(file, R"({"max_jobs": 12, "peers": ["10.0.0.2:6881"], "no_http": false})");
  const CliRun r = Shoal("SHOAL_CONFIG=" + file + " SHOAL_NO_HTTP=1",
                         "config --json --set max_upload_kbps=100 --set max_jobs=13", false);
  ASSERT_EQ(r.code, 0) << r.out;
  const nlohmann::json config = nlohmann::json::parse(r.out);
  EXPECT_EQ(config["config_file"], file);
  const nlohmann::json s = ByKey(config);
  EXPECT_EQ(s.size(), 51u);
  EXPECT_EQ(s["max_jobs"]["value"], 13);  // the flag beats the file
  EXPECT_EQ(s["max_jobs"]["source"], "flag");
  EXPECT_EQ(s["max_jobs"]["origin"], "--set");
  EXPECT_EQ(s["peers"]["value"], nlohmann::json::array({"10.0.0.2:6881"}));
  EXPECT_EQ(s["peers"]["source"], "file");
  EXPECT_EQ(s["peers"]["origin"], file);
  EXPECT_EQ(s["no_http"]["value"], true);  // the variable beats the file
  EXPECT_EQ(s["no_http"]["origin"], "SHOAL_NO_HTTP");
  EXPECT_EQ(s["max_upload_kbps"]["value"], 100);
  EXPECT_EQ(s["listen_interface"]["value"], "0.0.0.0:0");
  EXPECT_EQ(s["listen_interface"]["source"], "default");
  EXPECT_EQ(s["min_background_qos_kbps"]["policy"], "DOMinBackgroundQos");

  const CliRun text = Shoal("SHOAL_CONFIG=" + file, "config");
  ASSERT_EQ(text.code, 0) << text.out;
  EXPECT_NE(text.out.find("# config file: " + file), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("max_jobs"), std::string::npos);
  EXPECT_NE(text.out.find(file + "\n"), std::string::npos) << "origins end the lines";

  const CliRun none =
      Shoal("SHOAL_CONFIG=" + file + " SHOAL_NO_HTTP=1", "config --json --no-config", false);
  ASSERT_EQ(none.code, 0) << none.out;
  const nlohmann::json n = nlohmann::json::parse(none.out);
  EXPECT_TRUE(n["config_file"].is_null());
  EXPECT_EQ(ByKey(n)["no_http"]["value"], false);
  EXPECT_EQ(ByKey(n)["max_jobs"]["source"], "default");
}

TEST(CliConfig, BadSettingsExitTwoNamingTheKeyAndSource) {
  TempDir dir;
  const std::string file = dir / "shoal.json";
  WriteFile(file, R"({"max_jobz": 1})");
  CliRun r = Shoal("", "config --config " + file);
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.out.find(file), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("max_jobz"), std::string::npos) << r.out;

  r = Shoal("SHOAL_LISTEN=nowhere", "config");
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.out.find("SHOAL_LISTEN"), std::string::npos) << r.out;

  r = Shoal("", "config --set max_upload_kbps=lots");
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.out.find("max_upload_kbps"), std::string::npos) << r.out;

  r = Shoal("", "config --config " + (dir / "missing.json"));
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.out.find("missing.json"), std::string::npos) << r.out;
}

TEST(CliConfig, GetAndSeedReadTheSameLayers) {
  TempDir dir;
  const std::string file = dir / "shoal.json";
  // A data_dir that cannot be created: the engine refuses to start and says which.
  WriteFile(file, R"({"data_dir": "/proc/nonexistent/shoal-state"})");
  const std::string get = "get http://127.0.0.1:9/x -o " + (dir / "out.bin");
  CliRun r = Shoal("SHOAL_CONFIG=" + file, get);
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.out.find("/proc/nonexistent/shoal-state"), std::string::npos) << r.out;

  r = Shoal("SHOAL_CONFIG=" + file, get + " --no-config --set data_dir=/proc/nonexistent/flag");
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.out.find("/proc/nonexistent/flag"), std::string::npos) << r.out;

  WriteFile(file, R"({"listen_interface": "nowhere"})");
  r = Shoal("SHOAL_CONFIG=" + file, get);
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.out.find(file), std::string::npos) << r.out;

  WriteRandomFile(dir / "content.bin", 64 << 10);
  ASSERT_EQ(
      Shoal("", "make-metainfo " + (dir / "content.bin") +
                    " --web-seed http://127.0.0.1:9/content.bin -o " + (dir / "content.torrent"))
          .code,
      0);
  r = Shoal("SHOAL_CONFIG=" + file,
            "seed " + (dir / "content.torrent") + " --dir " + dir.path().string());
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.out.find(file), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("listen_interface"), std::string::npos) << r.out;
}

// Group mode without its credentials never runs as LAN mode: get and seed exit 2 and say
// which setting is missing.
TEST(CliConfig, GroupModeWithoutItsCredentialsExitsTwo) {
  TempDir dir;
  CliRun r = Shoal("", "get http://127.0.0.1:9/x -o " + (dir / "out.bin") +
                           " --standalone --no-config --set download_mode=2");
  EXPECT_EQ(r.code, 2) << r.out;
  EXPECT_NE(r.out.find("Group mode"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("group_id"), std::string::npos) << r.out;

  WriteRandomFile(dir / "content.bin", 64 << 10);
  ASSERT_EQ(
      Shoal("", "make-metainfo " + (dir / "content.bin") +
                    " --web-seed http://127.0.0.1:9/content.bin -o " + (dir / "content.torrent"))
          .code,
      0);
  r = Shoal("SHOAL_DOWNLOAD_MODE=2 SHOAL_GROUP_ID=g",
            "seed " + (dir / "content.torrent") + " --dir " + dir.path().string());
  EXPECT_EQ(r.code, 2) << r.out;
  EXPECT_NE(r.out.find("group_ca_cert is not set"), std::string::npos) << r.out;
}

}  // namespace
}  // namespace shoal::testing
