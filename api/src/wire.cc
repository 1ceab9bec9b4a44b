#include "api/src/wire.h"

#include <cstdio>

#include "engine/metainfo.h"

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

Json ToJson(const SourceBytes& b) {
  return {{"from_peers", b.from_peers},
          {"from_http", b.from_http},
          {"from_cache_server", b.from_cache_server},
          {"to_peers", b.to_peers}};
}

SourceBytes BytesFrom(const Json& j) {
  Object(j);
  return {Get<std::uint64_t>(j, "from_peers"), Get<std::uint64_t>(j, "from_http"),
          Get<std::uint64_t>(j, "from_cache_server"), Get<std::uint64_t>(j, "to_peers")};
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
    const FileProgress& f = s.files[i];
    files.push_back(
        {{"bytes_total", f.bytes_total},
         {"bytes_transferred", f.bytes_transferred},
         {"completed", f.completed},
         {"sources", ToJson(i < s.file_sources.size() ? s.file_sources[i] : SourceBytes{})}});
  }
  return {{"id", s.id.ToString()},
          {"state", engine::ToString(s.state)},
          {"state_code", static_cast<int>(s.state)},
          {"error_count", s.error_count},
          {"progress",
           {{"bytes_total", s.progress.bytes_total},
            {"bytes_transferred", s.progress.bytes_transferred},
            {"files_total", s.progress.files_total},
            {"files_transferred", s.progress.files_transferred}}},
          {"sources", ToJson(s.sources)},
          {"times",
           {{"creation_ns", s.times.creation_ns},
            {"modification_ns", s.times.modification_ns},
            {"transfer_completion_ns", s.times.transfer_completion_ns}}},
          {"activity",
           {{"peer_connections", s.activity.peer_connections},
            {"http_connections", s.activity.http_connections},
            {"download_duration_ns", s.activity.download_duration_ns}}},
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
  const Json& p = Object(j.at("progress"));
  s.progress = {Get<std::uint64_t>(p, "bytes_total"), Get<std::uint64_t>(p, "bytes_transferred"),
                Get<std::uint32_t>(p, "files_total"), Get<std::uint32_t>(p, "files_transferred")};
  s.sources = BytesFrom(j.at("sources"));
  const Json& t = Object(j.at("times"));
  s.times = {Get<std::int64_t>(t, "creation_ns"), Get<std::int64_t>(t, "modification_ns"),
             Get<std::int64_t>(t, "transfer_completion_ns")};
  const Json& a = Object(j.at("activity"));
  s.activity = {Get<std::uint32_t>(a, "peer_connections"),
                Get<std::uint32_t>(a, "http_connections"),
                Get<std::int64_t>(a, "download_duration_ns")};
  for (const Json& f : j.at("files")) {
    Object(f);
    s.files.push_back({Get<std::uint64_t>(f, "bytes_total"),
                       Get<std::uint64_t>(f, "bytes_transferred"), Get<bool>(f, "completed")});
    s.file_sources.push_back(BytesFrom(f.at("sources")));
  }
  return s;
}

Json ToJson(const JobProperties& p) {
  return {{"display_name", p.display_name},
          {"description", p.description},
          {"priority", static_cast<int>(p.priority)},
          {"notify_flags", p.notify_flags},
          {"minimum_retry_delay_s", p.minimum_retry_delay_s},
          {"no_progress_timeout_s", p.no_progress_timeout_s},
          {"proxy_usage", p.proxy_usage},
          {"proxy_list", p.proxy_list},
          {"proxy_bypass_list", p.proxy_bypass_list},
          {"owner_uid", p.owner_uid},
          {"notify_program", p.notify_program},
          {"notify_parameters", p.notify_parameters},
          {"custom_headers", p.custom_headers},
          {"security_flags", p.security_flags},
          {"file_acl_flags", p.file_acl_flags},
          {"peer_caching_flags", p.peer_caching_flags},
          {"maximum_download_time_s", p.maximum_download_time_s},
          {"cost_flags", p.cost_flags},
          {"notification_clsid", p.notification_clsid}};
}

JobProperties PropertiesFrom(const Json& j) {
  Object(j);
  JobProperties p;
  p.display_name = Get<std::string>(j, "display_name");
  p.description = Get<std::string>(j, "description");
  p.priority = static_cast<Priority>(Get<int>(j, "priority"));
  p.notify_flags = Get<std::uint32_t>(j, "notify_flags");
  p.minimum_retry_delay_s = Get<std::uint32_t>(j, "minimum_retry_delay_s");
  p.no_progress_timeout_s = Get<std::uint32_t>(j, "no_progress_timeout_s");
  p.proxy_usage = Get<std::int32_t>(j, "proxy_usage");
  p.proxy_list = Get<std::string>(j, "proxy_list");
  p.proxy_bypass_list = Get<std::string>(j, "proxy_bypass_list");
  p.owner_uid = Get<std::int64_t>(j, "owner_uid");
  p.notify_program = Get<std::string>(j, "notify_program");
  p.notify_parameters = Get<std::string>(j, "notify_parameters");
  p.custom_headers = Get<std::string>(j, "custom_headers");
  p.security_flags = Get<std::uint32_t>(j, "security_flags");
  p.file_acl_flags = Get<std::uint32_t>(j, "file_acl_flags");
  p.peer_caching_flags = Get<std::uint32_t>(j, "peer_caching_flags");
  p.maximum_download_time_s = Get<std::uint32_t>(j, "maximum_download_time_s");
  p.cost_flags = Get<std::uint32_t>(j, "cost_flags");
  p.notification_clsid = Get<std::string>(j, "notification_clsid");
  return p;
}

Json ToJson(const JobPropertiesPatch& p) {
  Json j = Json::object();
  if (p.display_name) j["display_name"] = *p.display_name;
  if (p.description) j["description"] = *p.description;
  if (p.priority) j["priority"] = static_cast<int>(*p.priority);
  if (p.notify_flags) j["notify_flags"] = *p.notify_flags;
  if (p.minimum_retry_delay_s) j["minimum_retry_delay_s"] = *p.minimum_retry_delay_s;
  if (p.no_progress_timeout_s) j["no_progress_timeout_s"] = *p.no_progress_timeout_s;
  if (p.proxy_usage) j["proxy_usage"] = *p.proxy_usage;
  if (p.proxy_list) j["proxy_list"] = *p.proxy_list;
  if (p.proxy_bypass_list) j["proxy_bypass_list"] = *p.proxy_bypass_list;
  if (p.notify_program) j["notify_program"] = *p.notify_program;
  if (p.notify_parameters) j["notify_parameters"] = *p.notify_parameters;
  if (p.custom_headers) j["custom_headers"] = *p.custom_headers;
  if (p.security_flags) j["security_flags"] = *p.security_flags;
  if (p.file_acl_flags) j["file_acl_flags"] = *p.file_acl_flags;
  if (p.peer_caching_flags) j["peer_caching_flags"] = *p.peer_caching_flags;
  if (p.maximum_download_time_s) j["maximum_download_time_s"] = *p.maximum_download_time_s;
  if (p.cost_flags) j["cost_flags"] = *p.cost_flags;
  if (p.notification_clsid) j["notification_clsid"] = *p.notification_clsid;
  return j;
}

JobPropertiesPatch PatchFrom(const Json& j) {
  Object(j);
  JobPropertiesPatch p;
  OptIf(j, "display_name", &p.display_name);
  OptIf(j, "description", &p.description);
  if (j.contains("priority")) p.priority = static_cast<Priority>(Get<int>(j, "priority"));
  OptIf(j, "notify_flags", &p.notify_flags);
  OptIf(j, "minimum_retry_delay_s", &p.minimum_retry_delay_s);
  OptIf(j, "no_progress_timeout_s", &p.no_progress_timeout_s);
  OptIf(j, "proxy_usage", &p.proxy_usage);
  OptIf(j, "proxy_list", &p.proxy_list);
  OptIf(j, "proxy_bypass_list", &p.proxy_bypass_list);
  OptIf(j, "notify_program", &p.notify_program);
  OptIf(j, "notify_parameters", &p.notify_parameters);
  OptIf(j, "custom_headers", &p.custom_headers);
  OptIf(j, "security_flags", &p.security_flags);
  OptIf(j, "file_acl_flags", &p.file_acl_flags);
  OptIf(j, "peer_caching_flags", &p.peer_caching_flags);
  OptIf(j, "maximum_download_time_s", &p.maximum_download_time_s);
  OptIf(j, "cost_flags", &p.cost_flags);
  OptIf(j, "notification_clsid", &p.notification_clsid);
  return p;
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

Json ToJson(const EngineStats& s) {
  return {{"bytes", ToJson(s.bytes)},
          {"peer_connections", s.peer_connections},
          {"peer_connections_made", s.peer_connections_made},
          {"torrents", s.torrents},
          {"cached_files", s.cached_files},
          {"checks_resumed", s.checks_resumed},
          {"checks_hashed", s.checks_hashed}};
}

EngineStats StatsFrom(const Json& j) {
  Object(j);
  EngineStats s;
  s.bytes = BytesFrom(j.at("bytes"));
  s.peer_connections = Get<std::uint32_t>(j, "peer_connections");
  s.peer_connections_made = Get<std::uint64_t>(j, "peer_connections_made");
  s.torrents = Get<std::uint32_t>(j, "torrents");
  s.cached_files = Get<std::uint32_t>(j, "cached_files");
  s.checks_resumed = Get<std::uint32_t>(j, "checks_resumed");
  s.checks_hashed = Get<std::uint32_t>(j, "checks_hashed");
  return s;
}

Json ErrorBody(hr::HResult h, const std::string& message) {
  return {{"hresult", HResultText(h)}, {"message", message}};
}

}  // namespace shoal::api::wire
