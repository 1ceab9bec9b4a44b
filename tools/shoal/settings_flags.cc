// Command-line flags as the top layer of shoal::LoadSettings.
#include "tools/shoal/settings_flags.h"

#include <CLI/CLI.hpp>

#include "tools/shoal/commands.h"

namespace shoal::cli {

std::vector<SettingShortcut> NetShortcuts() {
  return {
      {"--listen",
       "BitTorrent listen address (listen_interface)",
       "ADDR:PORT",
       {"listen_interface"}},
      {"--peer", "a peer to connect to (repeatable; peers)", "HOST:PORT", {"peers"}, false, true},
      {"--tracker", "a LAN tracker (repeatable; trackers)", "URL", {"trackers"}, false, true},
      {"--lsd", "find peers with Local Service Discovery (enable_lsd)", "", {"enable_lsd"}, true},
  };
}

void SettingsFlags::Add(CLI::App* cmd, std::vector<SettingShortcut> shortcuts) {
  cmd->add_option("--config", config_file_,
                  "settings file (default: $SHOAL_CONFIG, else ~/.config/shoal/config.json, "
                  "else /etc/shoal/shoal.json)");
  cmd->add_flag("--no-config", no_config_, "read no settings file and no SHOAL_* variable");
  cmd->add_option("--set", sets_, "set a setting (repeatable; keys: `shoal config`)")
      ->type_name("KEY=VALUE")
      ->allow_extra_args(false);
  for (SettingShortcut& s : shortcuts) {
    CLI::Option* o = s.is_switch ? cmd->add_flag(s.flag) : cmd->add_option(s.flag);
    o->description(s.help);
    if (!s.is_switch) {
      o->type_name(s.type_name);
      o->multi_option_policy(s.repeatable ? CLI::MultiOptionPolicy::TakeAll
                                          : CLI::MultiOptionPolicy::TakeLast);
      // One value per use: `--peer A URL` must leave URL to the command. A list is
      // `--peer A --peer B` or `--peer A,B`.
      o->expected(1)->allow_extra_args(false);
      if (s.repeatable) o->delimiter(',');
    }
    shortcuts_.emplace_back(std::move(s), o);
  }
}

std::string SettingsFlags::FirstGiven() const {
  if (!config_file_.empty()) return "--config";
  if (no_config_) return "--no-config";
  if (!sets_.empty()) return "--set";
  for (const auto& [s, o] : shortcuts_) {
    if (o->count() > 0) return s.flag;
  }
  return "";
}

bool SettingsFlags::Load(Settings* settings, SettingsProvenance* provenance,
                         const std::vector<SettingOverride>& extra) const {
  SettingsSources src;
  src.config_file = config_file_;
  src.read_config_file = !no_config_;
  src.read_environment = !no_config_;
  for (const auto& [s, o] : shortcuts_) {
    if (o->count() == 0) continue;
    std::string value = "1";
    if (!s.is_switch) {
      value.clear();
      for (const std::string& r : o->reduced_results()) value += (value.empty() ? "" : ",") + r;
    }
    for (const std::string& key : s.keys) src.overrides.push_back({key, value, s.flag});
  }
  for (const std::string& set : sets_) {
    const auto eq = set.find('=');
    if (eq == std::string::npos || eq == 0) {
      Complain("--set " + set + ": want KEY=VALUE");
      return false;
    }
    const std::string key = set.substr(0, eq);
    src.overrides.push_back({key, set.substr(eq + 1), "--set"});
  }
  src.overrides.insert(src.overrides.end(), extra.begin(), extra.end());
  SettingsError error;
  if (!LoadSettings(src, settings, provenance, &error)) {
    Complain(error.message);
    return false;
  }
  return true;
}

}  // namespace shoal::cli
