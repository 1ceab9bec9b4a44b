// The settings registry: one entry per field of shoal::Settings (config key, SHOAL_* variable,
// DO/BITS policy, accessor, doc line, allowed range), and the typed parsers the loader and the
// fuzz target share. Constant data and pure functions: thread-safe.
#pragma once

#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "shoal/settings.h"

namespace shoal::api {

// A pointer to the one field an entry reads and writes; its alternative is the setting's type.
using SettingField =
    std::variant<std::string Settings::*, bool Settings::*, std::uint32_t Settings::*,
                 std::uint64_t Settings::*, std::vector<std::string> Settings::*>;

struct SettingEntry {
  const char* key;
  const char* env;
  const char* policy;  // "" if none
  SettingField field;
  const char* doc;
  // Numbers: the inclusive range the loader accepts (the type's own range by default).
  std::uint64_t min = 0;
  std::uint64_t max = std::numeric_limits<std::uint64_t>::max();
  // Strings: a check the value must pass, and what it expects ("ip:port").
  bool (*valid)(const std::string&) = nullptr;
  const char* expects = nullptr;
};

const std::vector<SettingEntry>& SettingTable();
const SettingEntry* FindSetting(std::string_view key);
// "string", "bool", "uint32", "uint64" or "list".
const char* TypeName(const SettingEntry& entry);
// The entry's value in `s` as JSON text.
std::string ValueJson(const SettingEntry& entry, const Settings& s);

// Applies a config file's text (a JSON object of key: value) to `s`, recording each key's
// origin as `path`. False, with `error` set, on malformed JSON or any bad key or value; `s` and
// `origins` may then be partly written (the caller works on copies).
bool ApplyConfigText(std::string_view text, const std::string& path, Settings* s,
                     std::map<std::string, SettingOrigin>* origins, SettingsError* error);

// Sets the entry from text in the SHOAL_* syntax. False with `why` (no key or source named).
bool ParseSettingText(const SettingEntry& entry, const std::string& text, Settings* s,
                      std::string* why);

}  // namespace shoal::api
