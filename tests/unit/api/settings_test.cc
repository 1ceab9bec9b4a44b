// shoal::LoadSettings: the layers' precedence (defaults < file < SHOAL_* < overrides), each
// value's recorded origin, every setting reachable from the file and from its variable, and
// strict errors that name the key and its source.
#include "shoal/settings.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <nlohmann/json.hpp>
#include <set>

#include "shoal/shoal.h"
#include "tests/support/fixtures.h"

namespace shoal {
namespace {

using testing::TempDir;
using testing::WriteFile;
using Layer = SettingOrigin::Layer;
using Kind = SettingsError::Kind;

// Every SHOAL_* setting variable, SHOAL_CONFIG, XDG_CONFIG_HOME and HOME unset for one test,
// restored after it, so what the machine's environment holds cannot leak in.
class SettingsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::vector<std::string> names = {"SHOAL_CONFIG", "XDG_CONFIG_HOME", "HOME"};
    for (const SettingDescription& d : DescribeSettings()) names.push_back(d.env);
    for (const std::string& name : names) {
      if (const char* v = std::getenv(name.c_str())) saved_.emplace_back(name, v);
      ::unsetenv(name.c_str());
    }
  }
  void TearDown() override {
    for (const SettingDescription& d : DescribeSettings()) ::unsetenv(d.env.c_str());
    ::unsetenv("SHOAL_CONFIG");
    for (const auto& [name, value] : saved_) ::setenv(name.c_str(), value.c_str(), 1);
  }

  // Sources that find no default file.
  SettingsSources Hermetic() const {
    SettingsSources s;
    s.default_files = {dir_ / "absent.json"};
    return s;
  }

  // Loads and returns the description of `key`; fails the test if loading fails.
  SettingDescription LoadOne(const SettingsSources& sources, const std::string& key) {
    Settings s;
    SettingsProvenance p;
    SettingsError e;
    EXPECT_TRUE(LoadSettings(sources, &s, &p, &e)) << e.message;
    for (SettingDescription& d : DescribeSettings(s, &p)) {
      if (d.key == key) return d;
    }
    ADD_FAILURE() << "no setting " << key;
    return {};
  }

  TempDir dir_;
  std::vector<std::pair<std::string, std::string>> saved_;
};

// A value unlike the default, as JSON and as SHOAL_* text.
std::pair<std::string, std::string> OtherValue(const SettingDescription& d) {
  const nlohmann::json def = nlohmann::json::parse(d.default_value);
  if (d.type == "string") return {"\"127.0.0.1:7\"", "127.0.0.1:7"};
  if (d.type == "bool") return {def.get<bool>() ? "false" : "true", def.get<bool>() ? "0" : "1"};
  if (d.type == "list") return {R"(["a:1","b:2"])", "a:1, b:2"};
  const std::string n = std::to_string(def.get<std::uint64_t>() + 1);
  return {n, n};
}

TEST_F(SettingsTest, WithNoSourcesEverySettingIsItsDefault) {
  Settings s;
  s.max_jobs = 7;  // what the caller passes in is the default layer
  SettingsProvenance p;
  ASSERT_TRUE(LoadSettings(Hermetic(), &s, &p, nullptr));
  EXPECT_EQ(s.max_jobs, 7u);
  EXPECT_EQ(p.config_file, "");
  ASSERT_EQ(p.origins.size(), DescribeSettings().size());
  for (const auto& [key, origin] : p.origins) {
    EXPECT_EQ(origin.layer, Layer::kDefault) << key;
    EXPECT_EQ(origin.where, "default") << key;
  }
}

TEST_F(SettingsTest, OverridesBeatTheEnvironmentWhichBeatsTheFile) {
  const std::string path = dir_ / "shoal.json";
  WriteFile(path, R"({"max_jobs": 10, "max_files_per_job": 11, "min_background_qos_kbps": 12,
                      "peers": ["10.0.0.1:1"]})");
  testing::ScopedEnv jobs("SHOAL_MAX_JOBS", "20");
  testing::ScopedEnv files("SHOAL_MAX_FILES_PER_JOB", "21");
  SettingsSources src = Hermetic();
  src.config_file = path;
  src.overrides = {{"max_jobs", "30", "--set max_jobs"}};
  Settings s;
  SettingsProvenance p;
  SettingsError e;
  ASSERT_TRUE(LoadSettings(src, &s, &p, &e)) << e.message;
  EXPECT_EQ(s.max_jobs, 30u);
  EXPECT_EQ(s.max_files_per_job, 21u);
  EXPECT_EQ(s.min_background_qos_kbps, 12u);
  EXPECT_EQ(s.peers, std::vector<std::string>{"10.0.0.1:1"});
  EXPECT_EQ(s.max_upload_kbps, 0u);
  EXPECT_EQ(p.config_file, path);
  EXPECT_EQ(p.origins["max_jobs"].layer, Layer::kCommandLine);
  EXPECT_EQ(p.origins["max_jobs"].where, "--set max_jobs");
  EXPECT_EQ(p.origins["max_files_per_job"].layer, Layer::kEnvironment);
  EXPECT_EQ(p.origins["max_files_per_job"].where, "SHOAL_MAX_FILES_PER_JOB");
  EXPECT_EQ(p.origins["min_background_qos_kbps"].layer, Layer::kFile);
  EXPECT_EQ(p.origins["min_background_qos_kbps"].where, path);
  EXPECT_EQ(p.origins["max_upload_kbps"].layer, Layer::kDefault);
}

TEST_F(SettingsTest, EverySettingIsReachableFromTheFile) {
  for (const SettingDescription& d : DescribeSettings()) {
    const auto [json, text] = OtherValue(d);
    const std::string path = dir_ / (d.key + ".json");
    WriteFile(path, "{\"" + d.key + "\": " + json + "}");
    SettingsSources src = Hermetic();
    src.config_file = path;
    const SettingDescription got = LoadOne(src, d.key);
    EXPECT_EQ(nlohmann::json::parse(got.value), nlohmann::json::parse(json)) << d.key;
    EXPECT_NE(got.value, d.default_value) << d.key;
    EXPECT_EQ(got.origin.layer, Layer::kFile) << d.key;
    EXPECT_EQ(got.origin.where, path) << d.key;
  }
}

TEST_F(SettingsTest, EverySettingIsReachableFromItsVariable) {
  for (const SettingDescription& d : DescribeSettings()) {
    const auto [json, text] = OtherValue(d);
    testing::ScopedEnv env(d.env.c_str(), text);
    const SettingDescription got = LoadOne(Hermetic(), d.key);
    EXPECT_EQ(nlohmann::json::parse(got.value), nlohmann::json::parse(json)) << d.env;
    EXPECT_EQ(got.origin.layer, Layer::kEnvironment) << d.key;
    EXPECT_EQ(got.origin.where, d.env);
  }
}

TEST_F(SettingsTest, EverySettingIsReachableFromAnOverride) {
  for (const SettingDescription& d : DescribeSettings()) {
    const auto [json, text] = OtherValue(d);
    SettingsSources src = Hermetic();
    src.overrides = {{d.key, text, "--flag"}};
    const SettingDescription got = LoadOne(src, d.key);
    EXPECT_EQ(nlohmann::json::parse(got.value), nlohmann::json::parse(json)) << d.key;
    EXPECT_EQ(got.origin.layer, Layer::kCommandLine) << d.key;
  }
}

// CoCreateInstance's path: LoadOptions reads every key, the eight the facade's old Options
// lacked (cache limits, HTTP timeouts, persist and inactivity intervals) included.
TEST_F(SettingsTest, LoadOptionsReadsEveryKeyOfTheFile) {
  const std::string path = dir_ / "all.json";
  std::string text = "{";
  for (const SettingDescription& d : DescribeSettings()) {
    text += (text.size() > 1 ? ",\"" : "\"") + d.key + "\": " + OtherValue(d).first;
  }
  WriteFile(path, text + "}");
  testing::ScopedEnv config("SHOAL_CONFIG", path);
  Options o;
  std::string error;
  ASSERT_EQ(LoadOptions(&o, &error), S_OK) << error;
  const std::vector<SettingDescription> got = DescribeSettings(o);
  for (const SettingDescription& d : got) {
    EXPECT_EQ(nlohmann::json::parse(d.value), nlohmann::json::parse(OtherValue(d).first)) << d.key;
  }
  EXPECT_EQ(o.http_stall_timeout_s, 61u);
  EXPECT_EQ(o.job_inactivity_timeout_s, 30u * 86400 + 1);
}

TEST_F(SettingsTest, KeysAndVariablesAreUniqueAndDescribed) {
  std::set<std::string> keys, envs;
  for (const SettingDescription& d : DescribeSettings()) {
    EXPECT_TRUE(keys.insert(d.key).second) << d.key;
    EXPECT_TRUE(envs.insert(d.env).second) << d.env;
    EXPECT_EQ(d.env.rfind("SHOAL_", 0), 0u) << d.env;
    EXPECT_FALSE(d.doc.empty()) << d.key;
  }
  EXPECT_EQ(keys.size(), 51u) << "every field of Settings, once";
}

TEST_F(SettingsTest, OperationsDocListsEverySetting) {
  const std::string doc = testing::ReadFile(SHOAL_SOURCE_DIR "/docs/operations.md");
  for (const SettingDescription& d : DescribeSettings()) {
    EXPECT_NE(doc.find("| `" + d.key + "` | `" + d.env + "`"), std::string::npos) << d.key;
  }
}

TEST_F(SettingsTest, ConfigFileIsNamedThenShoalConfigThenTheFirstDefaultThatExists) {
  const std::string a = dir_ / "a.json", b = dir_ / "b.json", c = dir_ / "c.json";
  WriteFile(a, R"({"max_jobs": 1})");
  WriteFile(b, R"({"max_jobs": 2})");
  WriteFile(c, R"({"max_jobs": 3})");
  SettingsSources src;
  src.default_files = {dir_ / "absent.json", b, c};
  EXPECT_EQ(LoadOne(src, "max_jobs").value, "2");
  {
    testing::ScopedEnv config("SHOAL_CONFIG", c);
    EXPECT_EQ(LoadOne(src, "max_jobs").value, "3");
    src.config_file = a;
    EXPECT_EQ(LoadOne(src, "max_jobs").value, "1");
    src.config_file.clear();
  }
  {
    testing::ScopedEnv config("SHOAL_CONFIG", "");  // set but empty: no file at all
    EXPECT_EQ(LoadOne(src, "max_jobs").value, "300");
  }
  src.read_config_file = false;
  src.config_file = a;
  EXPECT_EQ(LoadOne(src, "max_jobs").value, "300");
}

TEST_F(SettingsTest, DefaultFilesFollowXdgConfigHome) {
  ::setenv("HOME", "/home/someone", 1);
  EXPECT_EQ(DefaultConfigFiles(),
            (std::vector<std::string>{"/home/someone/.config/shoal/config.json",
                                      "/etc/shoal/shoal.json"}));
  ::setenv("XDG_CONFIG_HOME", "/xdg", 1);
  EXPECT_EQ(DefaultConfigFiles().front(), "/xdg/shoal/config.json");
  ::unsetenv("HOME");
  ::unsetenv("XDG_CONFIG_HOME");
  EXPECT_EQ(DefaultConfigFiles(), std::vector<std::string>{"/etc/shoal/shoal.json"});
}

TEST_F(SettingsTest, EnvironmentCanBeLeftOutAndEmptyVariablesCountAsUnset) {
  testing::ScopedEnv jobs("SHOAL_MAX_JOBS", "5");
  testing::ScopedEnv listen("SHOAL_LISTEN", "");
  SettingsSources src = Hermetic();
  EXPECT_EQ(LoadOne(src, "max_jobs").value, "5");
  EXPECT_EQ(LoadOne(src, "listen_interface").origin.layer, Layer::kDefault);
  src.read_environment = false;
  EXPECT_EQ(LoadOne(src, "max_jobs").value, "300");
}

// Loads and expects failure of `kind`, with every piece of `named` in the message.
void ExpectError(const SettingsSources& src, Kind kind, std::vector<std::string> named) {
  Settings s;
  s.listen_interface = "keep";
  SettingsProvenance p;
  p.config_file = "keep";
  SettingsError e;
  EXPECT_FALSE(LoadSettings(src, &s, &p, &e));
  EXPECT_EQ(e.kind, kind) << e.message;
  for (const std::string& n : named) EXPECT_NE(e.message.find(n), std::string::npos) << e.message;
  EXPECT_EQ(s.listen_interface, "keep") << "a failed load changes nothing";
  EXPECT_EQ(p.config_file, "keep");
}

TEST_F(SettingsTest, BadFileContentIsAnErrorNamingTheFileAndKey) {
  struct Case {
    const char* text;
    Kind kind;
    const char* named;
  } cases[] = {
      {R"({"listen_interfce": "127.0.0.1:1"})", Kind::kInvalid, "listen_interfce"},
      {R"({"min_background_qos_kbps": "fast"})", Kind::kInvalid, "min_background_qos_kbps"},
      {R"({"max_jobs": -1})", Kind::kInvalid, "max_jobs"},
      {R"({"max_jobs": 2.5})", Kind::kInvalid, "max_jobs"},
      {R"({"max_jobs": 0})", Kind::kInvalid, "out of range"},
      {R"({"http_timeout_s": 4294967296})", Kind::kInvalid, "http_timeout_s"},
      {R"({"max_upload_kbps": 3000000})", Kind::kInvalid, "out of range"},
      {R"({"no_http": 1})", Kind::kInvalid, "no_http"},
      {R"({"peers": "10.0.0.1:1"})", Kind::kInvalid, "peers"},
      {R"({"peers": [1]})", Kind::kInvalid, "peers"},
      {R"({"listen_interface": "nowhere"})", Kind::kInvalid, "ip:port"},
      {R"({"metrics_listen": "localhost"})", Kind::kInvalid, "ip:port, a port, or empty"},
      {R"({"cache_host": ["cache:0"]})", Kind::kInvalid, "host[:port]"},
      {R"({"cache_host": ["cache", "a b"]})", Kind::kInvalid, "\"a b\""},
      {R"({"cache_host": ["[fe80::1"]})", Kind::kInvalid, "cache_host"},
      {R"({"cache_host": "cache"})", Kind::kInvalid, "cache_host"},
      {R"([1, 2])", Kind::kMalformed, "not a JSON object"},
      {R"({"max_jobs": )", Kind::kMalformed, "parse"},
      {"", Kind::kMalformed, "parse"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.text);
    const std::string path = dir_ / "bad.json";
    WriteFile(path, c.text);
    SettingsSources src = Hermetic();
    src.config_file = path;
    ExpectError(src, c.kind, {path, c.named});
  }
}

TEST_F(SettingsTest, AMissingNamedFileIsAnErrorButAMissingDefaultIsNot) {
  SettingsSources src = Hermetic();
  src.config_file = dir_ / "missing.json";
  ExpectError(src, Kind::kNotFound, {"missing.json"});
  src.config_file = dir_.path().string();  // a directory cannot be read as a file
  ExpectError(src, Kind::kNotFound, {dir_.path().string()});
  src.config_file.clear();
  testing::ScopedEnv config("SHOAL_CONFIG", dir_ / "gone.json");
  ExpectError(src, Kind::kNotFound, {"SHOAL_CONFIG", "gone.json"});
}

TEST_F(SettingsTest, CacheHostsAreAListOfHostsWithOptionalPorts) {
  testing::ScopedEnv hosts("SHOAL_CACHE_HOST", "cache.lan, 10.0.0.2:3144,[fd00::1]:80");
  Settings s;
  SettingsError error;
  ASSERT_TRUE(LoadSettings(Hermetic(), &s, nullptr, &error)) << error.message;
  EXPECT_EQ(s.cache_host, (std::vector<std::string>{"cache.lan", "10.0.0.2:3144", "[fd00::1]:80"}));
  testing::ScopedEnv bad("SHOAL_CACHE_HOST", "cache.lan,cache:99999");
  ExpectError(Hermetic(), Kind::kInvalid, {"SHOAL_CACHE_HOST", "cache:99999"});
}

TEST_F(SettingsTest, BadVariablesAndOverridesAreErrorsNamingThem) {
  {
    testing::ScopedEnv qos("SHOAL_MIN_BACKGROUND_QOS", "12kb");
    ExpectError(Hermetic(), Kind::kInvalid, {"SHOAL_MIN_BACKGROUND_QOS", "12kb"});
  }
  {
    testing::ScopedEnv no_http("SHOAL_NO_HTTP", "maybe");
    ExpectError(Hermetic(), Kind::kInvalid, {"SHOAL_NO_HTTP", "no_http"});
  }
  {
    testing::ScopedEnv jobs("SHOAL_MAX_JOBS", "0");
    ExpectError(Hermetic(), Kind::kInvalid, {"SHOAL_MAX_JOBS", "out of range"});
  }
  {
    testing::ScopedEnv listen("SHOAL_LISTEN", "99999");
    ExpectError(Hermetic(), Kind::kInvalid, {"SHOAL_LISTEN", "ip:port"});
  }
  SettingsSources src = Hermetic();
  src.overrides = {{"max_upload_kbps", "-5", "--max-upload-kbps"}};
  ExpectError(src, Kind::kInvalid, {"--max-upload-kbps", "max_upload_kbps"});
  src.overrides = {{"no_such_setting", "1", "--set no_such_setting"}};
  ExpectError(src, Kind::kInvalid, {"--set no_such_setting", "unknown setting"});
}

TEST_F(SettingsTest, ListsFromTextAreCommaSeparatedAndTrimmed) {
  testing::ScopedEnv peers("SHOAL_PEERS", " 10.0.0.3:1, 10.0.0.4:2,,");
  Settings s;
  ASSERT_TRUE(LoadSettings(Hermetic(), &s, nullptr, nullptr));
  EXPECT_EQ(s.peers, (std::vector<std::string>{"10.0.0.3:1", "10.0.0.4:2"}));
}

TEST_F(SettingsTest, DescriptionsCarryTheDoPolicyNames) {
  std::map<std::string, std::string> policy;
  for (const SettingDescription& d : DescribeSettings()) policy[d.key] = d.policy;
  EXPECT_EQ(policy["delay_background_download_from_http_s"], "DODelayBackgroundDownloadFromHttp");
  EXPECT_EQ(policy["min_background_qos_kbps"], "DOMinBackgroundQos");
  EXPECT_EQ(policy["max_cache_age_s"], "DOMaxCacheAge");
  EXPECT_EQ(policy["no_http"], "");
}

}  // namespace
}  // namespace shoal
