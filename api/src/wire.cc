#include "api/src/wire.h"

#include <cstdio>

#include "engine/metainfo.h"

// Each struct's fields, listed once: nlohmann's to_json/from_json (from_json needs every
// field: a missing one throws), found by argument-dependent lookup.
namespace shoal::engine {
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(SourceBytes, from_peers, from_http, from_cache_server, to_peers)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(JobProgress, bytes_total, bytes_transferred, files_total,
                                   files_transferred)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(JobTimes, creation_ns, modification_ns, transfer_completion_ns)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(JobActivity, peer_connections, http_connections,
                                   download_duration_ns)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(FileProgress, bytes_total, bytes_transferred, completed)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(JobProperties, display_name, description, priority, notify_flags,
                                   minimum_retry_delay_s, no_progress_timeout_s, proxy_usage,
                                   proxy_list, proxy_bypass_list, owner_uid, notify_program,
                                   notify_parameters, custom_headers, security_flags,
                                   file_acl_flags, peer_caching_flags, maximum_download_time_s,
                                   cost_flags, notification_clsid)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(EngineStats, bytes, peer_connections, peer_connections_made,
                                   torrents, cached_files, cache_evictions, checks_resumed,
                                   checks_hashed)
}  // namespace shoal::engine

namespace shoal::api::wire {
namespace {

template <typename T>
T Get(const Json& j, const char* key) {
  return j.at(key).get<T>();
}

template <typename T>
void GetIf(const Json& j, const char* key, T* out) {
  if (j.contains(key)) *out = j.at(key).get<T>();
}

template <typename T>
void OptIf(const Json& j, const char* key, std::optional<T>* out) {
  if (j.contains(key)) *out = j.at(key).get<T>();
}

const Json& Object(const Json& j) {
  if (!j.is_object()) throw WireError("expected a JSON object");
  return j;
}

// A patch's fields: each one is sent only when set (owner_uid never: the service sets it).
template <typename F>
void ForEachPatchField(F&& f) {
  f("display_name", &JobPropertiesPatch::display_name);
  f("description", &JobPropertiesPatch::description);
  f("priority", &JobPropertiesPatch::priority);
  f("notify_flags", &JobPropertiesPatch::notify_flags);
  f("minimum_retry_delay_s", &JobPropertiesPatch::minimum_retry_delay_s);
  f("no_progress_timeout_s", &JobPropertiesPatch::no_progress_timeout_s);
  f("proxy_usage", &JobPropertiesPatch::proxy_usage);
  f("proxy_list", &JobPropertiesPatch::proxy_list);
  f("proxy_bypass_list", &JobPropertiesPatch::proxy_bypass_list);
  f("notify_program", &JobPropertiesPatch::notify_program);
  f("notify_parameters", &JobPropertiesPatch::notify_parameters);
  f("custom_headers", &JobPropertiesPatch::custom_headers);
  f("security_flags", &JobPropertiesPatch::security_flags);
  f("file_acl_flags", &JobPropertiesPatch::file_acl_flags);
  f("peer_caching_flags", &JobPropertiesPatch::peer_caching_flags);
  f("maximum_download_time_s", &JobPropertiesPatch::maximum_download_time_s);
  f("cost_flags", &JobPropertiesPatch::cost_flags);
  f("notification_clsid", &JobPropertiesPatch::notification_clsid);
}

// Byte ranges as [{"offset","length"}], length 18446744073709551615 for "to the end".
Json RangesJson(const std::vector<engine::ByteRange>& ranges) {
  Json list = Json::array();
  for (const engine::ByteRange& r : ranges)
    list.push_back({{"offset", r.offset}, {"length", r.length}});
  return list;
}

std::vector<engine::ByteRange> RangesFrom(const Json& j) {
  if (!j.is_array()) throw WireError("ranges: expected an array");
  std::vector<engine::ByteRange> out;
  for (const Json& r : j) {
    Object(r);
    const Json& offset = r.at("offset");
    const Json& length = r.at("length");
    if (!offset.is_number_unsigned() || !length.is_number_unsigned()) {
      throw WireError("ranges: offset and length must be unsigned integers");
    }
    out.push_back({offset.get<std::uint64_t>(), length.get<std::uint64_t>()});
  }
  return out;
}

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

JobSnapshot Snap(const JobHandle& h) {
  JobSnapshot s;
  s.id = h.id();
  s.state = h.State();
  s.error_count = h.ErrorCount();
  s.progress = h.Progress();
  s.sources = h.Sources();
  s.times = h.Times();
  s.activity = h.Activity();
  for (std::size_t i = 0; i < h.FileCount(); ++i) {
    s.files.push_back(h.GetFileProgress(i));
    s.file_sources.push_back(h.GetFileSources(i));
  }
  return s;
}

std::string HResultText(hr::HResult h) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%08x", static_cast<unsigned>(h));
  return buf;
}

bool ParseHResult(const std::string& text, hr::HResult* out) {
  if (text.size() != 10 || text[0] != '0' || (text[1] != 'x' && text[1] != 'X')) return false;
  std::uint32_t v = 0;
  for (std::size_t i = 2; i < text.size(); ++i) {
    const int d = HexDigit(text[i]);
    if (d < 0) return false;
    v = (v << 4) | static_cast<std::uint32_t>(d);
  }
  *out = hr::Make(v);
  return true;
}

bool ParseUuid(const std::string& text, Uuid* out) {
  std::string t = text;
  if (t.size() == 38 && t.front() == '{' && t.back() == '}') t = t.substr(1, 36);
  if (t.size() != 36 || t[8] != '-' || t[13] != '-' || t[18] != '-' || t[23] != '-') return false;
  std::string hex;
  for (std::size_t i = 0; i < t.size(); ++i) {
    if (i == 8 || i == 13 || i == 18 || i == 23) continue;
    if (HexDigit(t[i]) < 0) return false;
    hex += t[i];
  }
  auto field = [&](std::size_t at, std::size_t digits) {
    std::uint64_t v = 0;
    for (std::size_t i = 0; i < digits; ++i) v = (v << 4) | HexDigit(hex[at + i]);
    return v;
  };
  Uuid id;
  id.data1 = static_cast<std::uint32_t>(field(0, 8));
  id.data2 = static_cast<std::uint16_t>(field(8, 4));
  id.data3 = static_cast<std::uint16_t>(field(12, 4));
  for (int i = 0; i < 8; ++i) id.data4[i] = static_cast<std::uint8_t>(field(16 + 2 * i, 2));
  *out = id;
  return true;
}

std::string FromHex(const std::string& hex) {
  if (hex.size() % 2 != 0) throw WireError("odd-length hex string");
  std::string out(hex.size() / 2, '\0');
  for (std::size_t i = 0; i < out.size(); ++i) {
    const int hi = HexDigit(hex[2 * i]);
    const int lo = HexDigit(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) throw WireError("not a hex string");
    out[i] = static_cast<char>(hi << 4 | lo);
  }
  return out;
}

Json ToJson(const JobSnapshot& s) {
  Json files = Json::array();
  for (std::size_t i = 0; i < s.files.size(); ++i) {
    Json f = s.files[i];
    f["sources"] = i < s.file_sources.size() ? s.file_sources[i] : SourceBytes{};
    files.push_back(std::move(f));
  }
  return {{"id", s.id.ToString()},
          {"state", engine::ToString(s.state)},
          {"state_code", static_cast<int>(s.state)},
          {"error_count", s.error_count},
          {"progress", s.progress},
          {"sources", s.sources},
          {"times", s.times},
          {"activity", s.activity},
          {"files", files}};
}

JobSnapshot SnapshotFrom(const Json& j) {
  Object(j);
  JobSnapshot s;
  if (!ParseUuid(Get<std::string>(j, "id"), &s.id)) throw WireError("malformed job id");
  const int state = Get<int>(j, "state_code");
  if (state < 0 || state > static_cast<int>(JobState::kCancelled)) throw WireError("bad state");
  s.state = static_cast<JobState>(state);
  s.error_count = Get<std::uint32_t>(j, "error_count");
  s.progress = Get<JobProgress>(j, "progress");
  s.sources = Get<SourceBytes>(j, "sources");
  s.times = Get<JobTimes>(j, "times");
  s.activity = Get<JobActivity>(j, "activity");
  for (const Json& f : j.at("files")) {
    s.files.push_back(Object(f).get<FileProgress>());
    s.file_sources.push_back(Get<SourceBytes>(f, "sources"));
  }
  return s;
}

Json ToJson(const JobProperties& p) { return p; }

JobProperties PropertiesFrom(const Json& j) { return Object(j).get<JobProperties>(); }

Json ToJson(const JobPropertiesPatch& p) {
  Json j = Json::object();
  ForEachPatchField([&](const char* key, auto member) {
    if (const auto& v = p.*member) j[key] = *v;
  });
  return j;
}

JobPropertiesPatch PatchFrom(const Json& j) {
  Object(j);
  JobPropertiesPatch p;
  ForEachPatchField([&](const char* key, auto member) { OptIf(j, key, &(p.*member)); });
  return p;
}

Json ToJson(const FileSpec& f) {
  Json j = {{"remote_url", f.remote_url},
            {"local_path", f.local_path},
            {"metainfo_hex", engine::ToHex(f.metainfo)},
            {"http_only", f.http_only},
            {"sha256_hex", engine::ToHex(f.sha256)}};
  if (!f.ranges.empty()) j["ranges"] = RangesJson(f.ranges);
  return j;
}

FileSpec FileSpecFrom(const Json& j) {
  Object(j);
  FileSpec f;
  f.remote_url = Get<std::string>(j, "remote_url");
  f.local_path = Get<std::string>(j, "local_path");
  std::string hex;
  GetIf(j, "metainfo_hex", &hex);
  f.metainfo = FromHex(hex);
  hex.clear();
  GetIf(j, "sha256_hex", &hex);
  f.sha256 = FromHex(hex);
  GetIf(j, "http_only", &f.http_only);
  if (j.contains("ranges")) f.ranges = RangesFrom(j.at("ranges"));
  return f;
}

// The names the user gave, and the file's ranges when it has any.
Json ToJson(const FileInfo& f) {
  Json j = {{"remote_url", f.remote_url}, {"local_path", f.local_path}};
  if (!f.ranges.empty()) j["ranges"] = RangesJson(f.ranges);
  return j;
}

FileInfo FileInfoFrom(const Json& j) {
  Object(j);
  FileInfo f;
  f.remote_url = Get<std::string>(j, "remote_url");
  f.local_path = Get<std::string>(j, "local_path");
  if (j.contains("ranges")) f.ranges = RangesFrom(j.at("ranges"));
  return f;
}

Json ToJson(const JobErrorInfo& e) {
  return {{"code", HResultText(e.code)}, {"context", static_cast<int>(e.context)},
          {"file_index", e.file_index},  {"message", e.message},
          {"protocol", e.protocol},      {"no_progress", e.no_progress}};
}

JobErrorInfo ErrorInfoFrom(const Json& j) {
  Object(j);
  JobErrorInfo e;
  if (!ParseHResult(Get<std::string>(j, "code"), &e.code)) throw WireError("bad error code");
  e.context = static_cast<ErrorContext>(Get<int>(j, "context"));
  e.file_index = Get<int>(j, "file_index");
  e.message = Get<std::string>(j, "message");
  e.protocol = Get<std::string>(j, "protocol");
  e.no_progress = Get<bool>(j, "no_progress");
  return e;
}

Json ToJson(const EngineStats& s) { return s; }

EngineStats StatsFrom(const Json& j) { return Object(j).get<EngineStats>(); }

Json ErrorBody(hr::HResult h, const std::string& message) {
  return {{"hresult", HResultText(h)}, {"message", message}};
}

Json ToJson(const std::vector<engine::ByteRange>& ranges) { return RangesJson(ranges); }
std::vector<engine::ByteRange> RangesFromJson(const Json& j) { return RangesFrom(j); }

}  // namespace shoal::api::wire
