// The machine-wide service's wire format (docs/local-api.md): the Backend's values as JSON, an
// HRESULT as "0x%08x", a job id as its braced GUID, binary fields as lowercase hex. Shared by
// the service (service/) and its client (service_backend.h). Decoders throw
// nlohmann::json::exception (or WireError) on a malformed value; callers turn it into 400 /
// E_INVALIDARG. Thread-safe (pure functions).
#pragma once

#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <vector>

#include "api/src/backend.h"

namespace shoal::api::wire {

using Json = nlohmann::json;

inline constexpr const char* kApiPrefix = "/v1";

struct WireError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Everything a JobHandle publishes, as one value (what the client's cells are filled from).
struct JobSnapshot {
  Uuid id;
  JobState state = JobState::kSuspended;
  std::uint32_t error_count = 0;
  JobProgress progress;
  SourceBytes sources;
  JobTimes times;
  JobActivity activity;
  std::vector<FileProgress> files;
  std::vector<SourceBytes> file_sources;
};
JobSnapshot Snap(const JobHandle& handle);

std::string HResultText(hr::HResult h);  // "0x80070005"
bool ParseHResult(const std::string& text, hr::HResult* out);
bool ParseUuid(const std::string& text, Uuid* out);  // braced or bare GUID
std::string FromHex(const std::string& hex);         // throws WireError

Json ToJson(const JobSnapshot& s);
JobSnapshot SnapshotFrom(const Json& j);
Json ToJson(const JobProperties& p);
JobProperties PropertiesFrom(const Json& j);
// A patch never carries owner_uid: the service sets it from the caller's SO_PEERCRED.
Json ToJson(const JobPropertiesPatch& p);
JobPropertiesPatch PatchFrom(const Json& j);
Json ToJson(const std::vector<engine::ByteRange>& ranges);
std::vector<engine::ByteRange> RangesFromJson(const Json& j);  // throws WireError
Json ToJson(const FileSpec& f);  // client_path is not sent: the client's local_path is
FileSpec FileSpecFrom(const Json& j);
Json ToJson(const FileInfo& f);
FileInfo FileInfoFrom(const Json& j);
Json ToJson(const JobErrorInfo& e);
JobErrorInfo ErrorInfoFrom(const Json& j);
Json ToJson(const EngineStats& s);
EngineStats StatsFrom(const Json& j);

// {"hresult":"0x...","message":...}
Json ErrorBody(hr::HResult h, const std::string& message);

}  // namespace shoal::api::wire
