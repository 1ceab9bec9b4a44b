// shoal::LoadOptions: the JSON file named by $SHOAL_CONFIG, then SHOAL_* variables on top.
// Strict: an unknown key, a wrong type or an unparsable number is an error, never ignored.
#include <charconv>
#include <cstdlib>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>
#include <sstream>

#include "api/src/com_object.h"
#include "api/src/core.h"
#include "shoal/shoal.h"

namespace shoal {
namespace {

using nlohmann::json;

constexpr HRESULT kFileNotFound = HRESULT_FROM_WIN32(2);  // ERROR_FILE_NOT_FOUND
constexpr HRESULT kInvalidData = HRESULT_FROM_WIN32(13);  // ERROR_INVALID_DATA

HRESULT Fail(HRESULT h, std::string* error, const std::string& why) {
  if (error != nullptr) *error = why;
  return h;
}

bool ParseU32(const std::string& text, std::uint32_t* out) {
  const char* end = text.data() + text.size();
  auto [p, ec] = std::from_chars(text.data(), end, *out);
  return ec == std::errc() && p == end && !text.empty();
}

bool ParseBool(const std::string& text, bool* out) {
  if (text == "1" || text == "true" || text == "yes" || text == "on") {
    *out = true;
  } else if (text == "0" || text == "false" || text == "no" || text == "off" || text.empty()) {
    *out = false;
  } else {
    return false;
  }
  return true;
}

std::vector<std::string> SplitList(const std::string& text) {
  std::vector<std::string> out;
  std::stringstream in(text);
  std::string item;
  while (std::getline(in, item, ',')) {
    const auto b = item.find_first_not_of(" \t");
    if (b == std::string::npos) continue;
    const auto e = item.find_last_not_of(" \t");
    out.push_back(item.substr(b, e - b + 1));
  }
  return out;
}

HRESULT ApplyJson(const json& j, Options* o, std::string* error) {
  if (!j.is_object()) return Fail(kInvalidData, error, "the top level is not a JSON object");
  for (const auto& item : j.items()) {
    // Not a structured binding: clang 14 cannot capture one in the lambdas below.
    const std::string& key = item.key();
    const json& value = item.value();
    const std::string where = "\"" + key + "\": ";
    auto want_string = [&](std::string* field) {
      if (!value.is_string()) return Fail(E_INVALIDARG, error, where + "expected a string");
      *field = value.get<std::string>();
      return S_OK;
    };
    auto want_bool = [&](bool* field) {
      if (!value.is_boolean()) return Fail(E_INVALIDARG, error, where + "expected true/false");
      *field = value.get<bool>();
      return S_OK;
    };
    auto want_u32 = [&](std::uint32_t* field) {
      if (!value.is_number_unsigned() ||
          value.get<std::uint64_t>() > std::numeric_limits<std::uint32_t>::max()) {
        return Fail(E_INVALIDARG, error, where + "expected a non-negative 32-bit integer");
      }
      *field = static_cast<std::uint32_t>(value.get<std::uint64_t>());
      return S_OK;
    };
    auto want_list = [&](std::vector<std::string>* field) {
      if (!value.is_array()) return Fail(E_INVALIDARG, error, where + "expected a list");
      std::vector<std::string> items;
      for (const json& v : value) {
        if (!v.is_string()) return Fail(E_INVALIDARG, error, where + "expected strings");
        items.push_back(v.get<std::string>());
      }
      *field = std::move(items);
      return S_OK;
    };
    HRESULT h;
    if (key == "listen_interface") {
      h = want_string(&o->listen_interface);
    } else if (key == "outgoing_interface") {
      h = want_string(&o->outgoing_interface);
    } else if (key == "peers") {
      h = want_list(&o->peers);
    } else if (key == "trackers") {
      h = want_list(&o->trackers);
    } else if (key == "enable_lsd") {
      h = want_bool(&o->enable_lsd);
    } else if (key == "delay_foreground_download_from_http_s") {
      h = want_u32(&o->delay_foreground_download_from_http_s);
    } else if (key == "delay_background_download_from_http_s") {
      h = want_u32(&o->delay_background_download_from_http_s);
    } else if (key == "min_background_qos_kbps") {
      h = want_u32(&o->min_background_qos_kbps);
    } else if (key == "max_foreground_download_kbps") {
      h = want_u32(&o->max_foreground_download_kbps);
    } else if (key == "max_background_download_kbps") {
      h = want_u32(&o->max_background_download_kbps);
    } else if (key == "max_upload_kbps") {
      h = want_u32(&o->max_upload_kbps);
    } else if (key == "no_http") {
      h = want_bool(&o->no_http);
    } else if (key == "seed_after_complete") {
      h = want_bool(&o->seed_after_complete);
    } else if (key == "max_jobs") {
      h = want_u32(&o->max_jobs);
    } else if (key == "max_files_per_job") {
      h = want_u32(&o->max_files_per_job);
    } else if (key == "ca_file") {
      h = want_string(&o->ca_file);
    } else if (key == "http_proxy") {
      h = want_string(&o->http_proxy);
    } else if (key == "http_no_proxy") {
      h = want_string(&o->http_no_proxy);
    } else if (key == "data_dir") {
      h = want_string(&o->data_dir);
    } else {
      h = Fail(E_INVALIDARG, error, "unknown key \"" + key + "\"");
    }
    if (FAILED(h)) return h;
  }
  return S_OK;
}

HRESULT ApplyFile(const std::string& path, Options* o, std::string* error) {
  std::ifstream in(path);
  if (!in) return Fail(kFileNotFound, error, "SHOAL_CONFIG: cannot open " + path);
  json j;
  try {
    j = json::parse(in);
  } catch (const json::exception& e) {
    return Fail(kInvalidData, error, "SHOAL_CONFIG " + path + ": " + e.what());
  }
  const HRESULT h = ApplyJson(j, o, error);
  if (FAILED(h) && error != nullptr) *error = "SHOAL_CONFIG " + path + ": " + *error;
  return h;
}

HRESULT ApplyEnvironment(Options* o, std::string* error) {
  auto env = [](const char* name, std::string* out) {
    const char* v = std::getenv(name);
    if (v == nullptr) return false;
    *out = v;
    return true;
  };
  std::string v;
  if (env("SHOAL_LISTEN", &v) && !v.empty()) o->listen_interface = v;
  if (env("SHOAL_PEERS", &v)) o->peers = SplitList(v);
  if (env("SHOAL_TRACKERS", &v)) o->trackers = SplitList(v);
  struct Flag {
    const char* name;
    bool* field;
  };
  for (const Flag& f : {Flag{"SHOAL_NO_HTTP", &o->no_http}, Flag{"SHOAL_LSD", &o->enable_lsd}}) {
    if (env(f.name, &v) && !ParseBool(v, f.field)) {
      return Fail(E_INVALIDARG, error, std::string(f.name) + "=" + v + ": expected 1 or 0");
    }
  }
  struct Number {
    const char* name;
    std::uint32_t* field;
  };
  for (const Number& n :
       {Number{"SHOAL_DELAY_FOREGROUND_HTTP", &o->delay_foreground_download_from_http_s},
        Number{"SHOAL_DELAY_BACKGROUND_HTTP", &o->delay_background_download_from_http_s},
        Number{"SHOAL_MIN_BACKGROUND_QOS", &o->min_background_qos_kbps},
        Number{"SHOAL_MAX_FOREGROUND_DOWNLOAD", &o->max_foreground_download_kbps},
        Number{"SHOAL_MAX_BACKGROUND_DOWNLOAD", &o->max_background_download_kbps},
        Number{"SHOAL_MAX_UPLOAD", &o->max_upload_kbps}}) {
    if (env(n.name, &v) && !ParseU32(v, n.field)) {
      return Fail(E_INVALIDARG, error, std::string(n.name) + "=" + v + ": expected a number");
    }
  }
  return S_OK;
}

}  // namespace

HRESULT LoadOptions(Options* options, std::string* error) {
  if (options == nullptr) return E_POINTER;
  return api::Guarded([&] {
    Options o = *options;  // untouched on failure
    const char* path = std::getenv("SHOAL_CONFIG");
    if (path != nullptr && *path != '\0') {
      const HRESULT h = ApplyFile(path, &o, error);
      if (FAILED(h)) return h;
    }
    HRESULT h = ApplyEnvironment(&o, error);
    if (FAILED(h)) return h;
    if (!api::ValidEndpoint(o.listen_interface)) {
      return Fail(E_INVALIDARG, error,
                  "listen_interface \"" + o.listen_interface + "\": expected ip:port");
    }
    *options = std::move(o);
    return S_OK;
  });
}

}  // namespace shoal
