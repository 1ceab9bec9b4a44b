// shoal::LoadSettings: defaults < config file < SHOAL_* variables < command-line overrides,
// each value's origin recorded; and the description list `shoal config` prints.
#include "shoal/settings.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <system_error>

#include "api/src/settings_table.h"

namespace shoal {
namespace {

using api::SettingEntry;
using api::SettingTable;
using Kind = SettingsError::Kind;

bool Fail(SettingsError* error, Kind kind, std::string message) {
  error->kind = kind;
  error->message = std::move(message);
  return false;
}

// The config file to read ("" for none) and who named it, for errors.
struct ChosenFile {
  std::string path;
  std::string named_by;
};

ChosenFile ChooseFile(const SettingsSources& sources) {
  if (!sources.read_config_file) return {};
  if (!sources.config_file.empty()) return {sources.config_file, "config file"};
  if (const char* env = std::getenv("SHOAL_CONFIG")) return {env, "SHOAL_CONFIG"};  // "": none
  const std::vector<std::string> defaults =
      sources.default_files.empty() ? DefaultConfigFiles() : sources.default_files;
  for (const std::string& path : defaults) {
    std::error_code ec;
    if (std::filesystem::exists(path, ec)) return {path, "config file"};
  }
  return {};
}

bool ApplyFile(const ChosenFile& file, Settings* s, SettingsProvenance* p, SettingsError* error) {
  std::error_code ec;
  std::ifstream in(file.path, std::ios::binary);
  std::stringstream text;
  if (in && !std::filesystem::is_directory(file.path, ec)) text << in.rdbuf();
  if (!in || in.bad() || std::filesystem::is_directory(file.path, ec)) {
    return Fail(error, Kind::kNotFound, file.named_by + " " + file.path + ": cannot be read");
  }
  return api::ApplyConfigText(text.str(), file.path, s, &p->origins, error);
}

bool ApplyEnvironment(Settings* s, SettingsProvenance* p, SettingsError* error) {
  for (const SettingEntry& e : SettingTable()) {
    const char* v = std::getenv(e.env);
    if (v == nullptr || *v == '\0') continue;  // empty counts as unset
    std::string why;
    if (!api::ParseSettingText(e, v, s, &why)) {
      return Fail(error, Kind::kInvalid, std::string(e.env) + ": \"" + e.key + "\": " + why);
    }
    p->origins[e.key] = {SettingOrigin::Layer::kEnvironment, e.env};
  }
  return true;
}

bool ApplyOverrides(const std::vector<SettingOverride>& overrides, Settings* s,
                    SettingsProvenance* p, SettingsError* error) {
  for (const SettingOverride& o : overrides) {
    const SettingEntry* e = api::FindSetting(o.key);
    std::string why = "unknown setting";
    if (e == nullptr || !api::ParseSettingText(*e, o.value, s, &why)) {
      return Fail(error, Kind::kInvalid, o.flag + ": \"" + o.key + "\": " + why);
    }
    p->origins[e->key] = {SettingOrigin::Layer::kCommandLine, o.flag};
  }
  return true;
}

}  // namespace

std::vector<std::string> DefaultConfigFiles() {
  std::vector<std::string> files;
  const char* xdg = std::getenv("XDG_CONFIG_HOME");
  const char* home = std::getenv("HOME");
  if (xdg != nullptr && *xdg == '/') {
    files.push_back(std::string(xdg) + "/shoal/config.json");
  } else if (home != nullptr && *home != '\0') {
    files.push_back(std::string(home) + "/.config/shoal/config.json");
  }
  files.push_back("/etc/shoal/shoal.json");
  return files;
}

bool LoadSettings(const SettingsSources& sources, Settings* settings,
                  SettingsProvenance* provenance, SettingsError* error) {
  SettingsError ignored;
  if (error == nullptr) error = &ignored;
  if (settings == nullptr) return Fail(error, Kind::kInvalid, "no Settings to fill");
  Settings s = *settings;  // both untouched on failure
  SettingsProvenance p;
  for (const SettingEntry& e : SettingTable()) p.origins[e.key] = SettingOrigin();
  const ChosenFile file = ChooseFile(sources);
  p.config_file = file.path;
  if (!file.path.empty() && !ApplyFile(file, &s, &p, error)) return false;
  if (sources.read_environment && !ApplyEnvironment(&s, &p, error)) return false;
  if (!ApplyOverrides(sources.overrides, &s, &p, error)) return false;
  *settings = std::move(s);
  if (provenance != nullptr) *provenance = std::move(p);
  *error = SettingsError();
  return true;
}

std::vector<SettingDescription> DescribeSettings(const Settings& settings,
                                                 const SettingsProvenance* provenance) {
  const Settings defaults;
  std::vector<SettingDescription> out;
  for (const SettingEntry& e : SettingTable()) {
    SettingDescription d;
    d.key = e.key;
    d.env = e.env;
    d.policy = e.policy;
    d.type = api::TypeName(e);
    d.doc = e.doc;
    d.default_value = api::ValueJson(e, defaults);
    d.value = api::ValueJson(e, settings);
    if (provenance != nullptr) {
      if (auto it = provenance->origins.find(e.key); it != provenance->origins.end()) {
        d.origin = it->second;
      }
    }
    out.push_back(std::move(d));
  }
  return out;
}

}  // namespace shoal
