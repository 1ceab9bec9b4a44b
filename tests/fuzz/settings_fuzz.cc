// libFuzzer target for the settings loader's file parsing: the bytes are a config file's
// content (api/src/settings_table.h, ApplyConfigText, as LoadSettings calls it). It must
// never crash or throw, and a file it accepts must describe and reload to the same values.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "api/src/settings_table.h"
#include "shoal/settings.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  shoal::Settings s;
  std::map<std::string, shoal::SettingOrigin> origins;
  shoal::SettingsError error;
  if (!shoal::api::ApplyConfigText(text, "fuzz.json", &s, &origins, &error)) {
    // Every refusal says what and where.
    if (error.kind == shoal::SettingsError::Kind::kNone || error.message.empty()) std::abort();
    return 0;
  }
  // Accepted: every key it set is a known setting, and printing then re-reading the values
  // gives the same settings.
  std::string again = "{";
  for (const shoal::SettingDescription& d : shoal::DescribeSettings(s)) {
    again += (again.size() > 1 ? ",\"" : "\"") + d.key + "\":" + d.value;
  }
  again += "}";
  shoal::Settings t;
  std::map<std::string, shoal::SettingOrigin> again_origins;
  if (!shoal::api::ApplyConfigText(again, "again.json", &t, &again_origins, &error)) {
    std::abort();
  }
  for (const auto& [key, origin] : origins) {
    if (again_origins.count(key) == 0) std::abort();  // a key it took is not in the table
  }
  const auto a = shoal::DescribeSettings(s), b = shoal::DescribeSettings(t);
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (a[i].value != b[i].value) std::abort();
  }
  return 0;
}
