// The settings flags of a subcommand that builds an engine: --config FILE, --no-config,
// --set KEY=VALUE and shortcuts (--listen, --peer...) that each set one or more settings,
// loaded through shoal::LoadSettings as its top layer. Thread-compatible.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "shoal/settings.h"

namespace CLI {
class App;
class Option;
}  // namespace CLI

namespace shoal::cli {

struct SettingShortcut {
  std::string flag;  // "--listen"
  std::string help;
  std::string type_name;          // what the value looks like, for --help ("ADDR:PORT")
  std::vector<std::string> keys;  // the settings it sets, all to its value
  bool is_switch = false;         // takes no value: sets "1"
  bool repeatable = false;        // each use adds one item to a list setting
};

// The shortcuts `get` and `seed` share: --listen, --peer, --tracker, --lsd.
std::vector<SettingShortcut> NetShortcuts();

class SettingsFlags {
 public:
  // Registers --config, --no-config, --set and `shortcuts` on `cmd`.
  void Add(CLI::App* cmd, std::vector<SettingShortcut> shortcuts = {});

  // After parsing: the file, SHOAL_* variables, then the shortcuts given, --set in order, and
  // `extra` last. On bad input says why on stderr and returns false.
  bool Load(Settings* settings, SettingsProvenance* provenance,
            const std::vector<SettingOverride>& extra = {}) const;
  // After parsing: the first settings flag given (--config, --set, a shortcut), "" for none.
  std::string FirstGiven() const;

 private:
  std::string config_file_;
  bool no_config_ = false;
  std::vector<std::string> sets_;
  std::vector<std::pair<SettingShortcut, CLI::Option*>> shortcuts_;
};

}  // namespace shoal::cli
