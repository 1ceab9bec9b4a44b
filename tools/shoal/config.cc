// `shoal config [--json]`: every effective setting, its value and where it came from.
#include <cstdio>
#include <nlohmann/json.hpp>

#include "tools/shoal/commands.h"

namespace shoal::cli {
namespace {

const char* LayerName(SettingOrigin::Layer layer) {
  switch (layer) {
    case SettingOrigin::Layer::kFile:
      return "file";
    case SettingOrigin::Layer::kEnvironment:
      return "env";
    case SettingOrigin::Layer::kCommandLine:
      return "flag";
    default:
      return "default";
  }
}

}  // namespace

int RunConfig(const ConfigArgs& args) {
  Settings settings;
  SettingsProvenance provenance;
  if (!args.settings.Load(&settings, &provenance)) return kExitBadInput;
  const std::vector<SettingDescription> rows = DescribeSettings(settings, &provenance);
  if (args.json) {
    nlohmann::json out = {
        {"config_file", provenance.config_file.empty() ? nlohmann::json()
                                                       : nlohmann::json(provenance.config_file)},
        {"settings", nlohmann::json::array()}};
    for (const SettingDescription& d : rows) {
      out["settings"].push_back({{"key", d.key},
                                 {"value", nlohmann::json::parse(d.value)},
                                 {"default", nlohmann::json::parse(d.default_value)},
                                 {"source", LayerName(d.origin.layer)},
                                 {"origin", d.origin.where},
                                 {"env", d.env},
                                 {"policy", d.policy},
                                 {"type", d.type},
                                 {"doc", d.doc}});
    }
    std::printf("%s\n", out.dump(2, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
    return kExitOk;
  }
  std::printf("# config file: %s\n",
              provenance.config_file.empty() ? "none" : provenance.config_file.c_str());
  for (const SettingDescription& d : rows) {
    std::printf("%-38s %-24s %s\n", d.key.c_str(), d.value.c_str(), d.origin.where.c_str());
  }
  return kExitOk;
}

}  // namespace shoal::cli
