// shoal::LoadOptions, as CoCreateInstance uses it: LoadSettings with the config file and
// SHOAL_* variables on top of the caller's Options, its error kinds mapped to HRESULTs.
#include "api/src/com_object.h"
#include "shoal/settings.h"
#include "shoal/shoal.h"

namespace shoal {

HRESULT LoadOptions(Options* options, std::string* error) {
  if (options == nullptr) return E_POINTER;
  return api::Guarded([&]() -> HRESULT {
    SettingsError e;
    if (LoadSettings(SettingsSources(), options, nullptr, &e)) return S_OK;
    if (error != nullptr) *error = e.message;
    switch (e.kind) {
      case SettingsError::Kind::kNotFound:
        return HRESULT_FROM_WIN32(2);  // ERROR_FILE_NOT_FOUND
      case SettingsError::Kind::kMalformed:
        return HRESULT_FROM_WIN32(13);  // ERROR_INVALID_DATA
      default:
        return E_INVALIDARG;
    }
  });
}

}  // namespace shoal
