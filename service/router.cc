#include "service/router.h"

#include <fcntl.h>
#include <unistd.h>

#include <filesystem>
#include <utility>

#include "api/src/fd_passing.h"
#include "engine/byte_ranges.h"
#include "engine/log.h"
#include "shoal/version.h"

namespace shoal::service {
namespace {

using api::Uuid;
using api::wire::Json;
namespace wire = api::wire;

Response JsonReply(int status, const Json& body) {
  return {status, body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace), {}};
}

// The path after "/v1/" split at '/', and the query after '?'.
std::vector<std::string> Split(const std::string& path) {
  std::vector<std::string> parts;
  std::size_t at = 0;
  while (at <= path.size()) {
    const std::size_t slash = path.find('/', at);
    const std::size_t end = slash == std::string::npos ? path.size() : slash;
    if (end > at) parts.push_back(path.substr(at, end - at));
    if (slash == std::string::npos) break;
    at = slash + 1;
  }
  return parts;
}

bool HasQueryFlag(const std::string& query, const std::string& name) {
  std::size_t at = 0;
  while (at < query.size()) {
    std::size_t amp = query.find('&', at);
    if (amp == std::string::npos) amp = query.size();
    const std::string kv = query.substr(at, amp - at);
    if (kv == name + "=1" || kv == name + "=true") return true;
    at = amp + 1;
  }
  return false;
}

Json ParseBody(const std::string& body) {
  if (body.empty()) return Json::object();
  Json j = Json::parse(body);  // throws parse_error
  if (!j.is_object()) throw wire::WireError("the body must be a JSON object");
  return j;
}

}  // namespace

int StatusFor(hr::HResult h) {
  if (hr::Succeeded(h)) return 200;
  if (h == hr::kAccessDenied) return 403;
  if (h == hr::kBgENotFound || h == hr::kNotImpl) return 404;
  if (h == hr::kInvalidArg || h == hr::kBgEStringTooLong || h == hr::kInvalidData) return 400;
  if (h == hr::kBgEInvalidState || h == hr::kBgEErrorInformationUnavailable ||
      h == hr::kBgETooManyJobsPerUser || h == hr::kBgETooManyFilesInJob || h == hr::kBgEEmpty) {
    return 409;
  }
  if (h == hr::kDoENoService) return 503;
  return 500;
}

Response Error(hr::HResult h, const std::string& message) {
  return JsonReply(StatusFor(h), wire::ErrorBody(h, message));
}

Router::Router(api::Backend& backend, std::string store, std::int64_t service_uid,
               std::uint32_t max_jobs_per_user)
    : backend_(backend),
      store_(std::move(store)),
      service_uid_(service_uid),
      max_jobs_per_user_(max_jobs_per_user) {}

std::string Router::JobDir(const Uuid& id) const {
  const std::string braced = id.ToString();
  return store_ + "/jobs/" + braced.substr(1, braced.size() - 2);
}

bool Router::OwnerOf(const Uuid& id, std::int64_t* owner) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = owners_.find(id);
    if (it != owners_.end()) {
      *owner = it->second;
      return true;
    }
  }
  api::JobProperties props;
  if (hr::Failed(backend_.GetProperties(id, &props))) return false;
  // A job created a moment ago has no owner recorded yet (OnJobs records it right after the
  // engine's CreateJob): it reads as the service's, and that is not remembered, or the
  // creator would find its own job someone else's.
  *owner = props.owner_uid >= 0 ? props.owner_uid : service_uid_;
  if (props.owner_uid < 0) return true;
  std::lock_guard<std::mutex> lock(mu_);
  owners_[id] = *owner;
  return true;
}

hr::HResult Router::Check(std::int64_t uid, const Uuid& id) {
  std::int64_t owner = -1;
  if (!OwnerOf(id, &owner)) return hr::kBgENotFound;
  return uid == 0 || uid == owner ? hr::kOk : hr::kAccessDenied;
}

bool Router::CanSee(std::int64_t uid, const Uuid& id) { return hr::Succeeded(Check(uid, id)); }

std::optional<Json> Router::SnapshotJson(const Uuid& id) {
  auto handle = backend_.FindJob(id);
  if (!handle) return std::nullopt;
  std::int64_t owner = -1;
  if (!OwnerOf(id, &owner)) return wire::ToJson(wire::Snap(*handle));
  return Snapshot(handle, owner);
}

Json Router::SnapshotOf(const std::shared_ptr<const api::JobHandle>& job) {
  std::int64_t owner = -1;
  if (!OwnerOf(job->id(), &owner)) return wire::ToJson(wire::Snap(*job));
  return Snapshot(job, owner);
}

Json Router::Snapshot(const std::shared_ptr<const api::JobHandle>& job, std::int64_t owner) {
  Json j = wire::ToJson(wire::Snap(*job));
  j["owner_uid"] = owner;
  std::lock_guard<std::mutex> lock(page_mu_);
  auto it = published_.find(job->id());
  // A job another client (root's event stream) saw between CreateJob and the record of its
  // owner got its slot in the service's page, where its creator never reads it: the slot
  // moves to the owner's page (the creator's first snapshot comes after the record).
  if (it != published_.end() && it->second.owner != owner) {
    page_.Free(it->second.slot);
    published_.erase(it);
    it = published_.end();
  }
  if (it == published_.end() && !api::IsFinal(job->State())) {
    api::SlotRef slot;
    std::string why;
    if (hr::Failed(page_.Allocate(static_cast<uid_t>(owner), job->id(), &slot, &why))) {
      engine::Log(engine::LogLevel::kWarning, "service", "no progress slot: " + why);
    } else {
      it = published_.emplace(job->id(), Published{slot, job, owner}).first;
    }
  }
  if (it == published_.end()) return j;
  page_.Publish(it->second.slot, api::ReadFigures(*job));
  const api::SlotRef& s = it->second.slot;
  j["slot"] = {{"uid", s.uid},
               {"segment", s.segment},
               {"index", s.index},
               {"generation", s.generation},
               {"instance", s.instance}};
  return j;
}

void Router::PublishProgress() {
  std::lock_guard<std::mutex> lock(page_mu_);
  for (auto it = published_.begin(); it != published_.end();) {
    const api::JobFigures f = api::ReadFigures(*it->second.job);
    page_.Publish(it->second.slot, f);
    if (api::IsFinal(f.state)) {
      page_.Free(it->second.slot);  // its last figures stay readable until reused
      it = published_.erase(it);
    } else {
      ++it;
    }
  }
}

void Router::Unpublish(const Uuid& id) {
  std::lock_guard<std::mutex> lock(page_mu_);
  auto it = published_.find(id);
  if (it == published_.end()) return;
  page_.Publish(it->second.slot, api::ReadFigures(*it->second.job));
  page_.Free(it->second.slot);
  published_.erase(it);
}

Response Router::ProgressPage(std::int64_t uid) {
  // Only the caller's own page set (root: every set): another user's figures never reach it.
  std::vector<uid_t> uids;
  if (uid == 0) {
    uids = page_.Uids();
  } else {
    uids.push_back(static_cast<uid_t>(uid));
  }
  Response out;
  out.pass_fds = true;
  Json segments = Json::array();
  for (uid_t u : uids) {
    for (int fd : page_.SegmentFds(u)) {
      if (out.fds.size() >= api::kMaxFds) break;
      const int copy = ::fcntl(fd, F_DUPFD_CLOEXEC, 0);
      if (copy < 0) continue;
      out.fds.push_back(copy);
      segments.push_back({{"uid", u}});
    }
  }
  out.body = Json{{"hresult", "0x00000000"}, {"segments", segments}}.dump();
  return out;
}

std::vector<std::shared_ptr<const api::JobHandle>> Router::VisibleJobs(std::int64_t uid) {
  std::vector<std::shared_ptr<const api::JobHandle>> out;
  for (auto& job : backend_.ListJobs(true)) {
    if (CanSee(uid, job->id())) out.push_back(std::move(job));
  }
  return out;
}

Response Router::Reply(hr::HResult h, const Uuid& id) {
  if (hr::Failed(h)) return Error(h, "the engine refused the request");
  Json body = {{"hresult", wire::HResultText(h)}};
  if (auto snap = SnapshotJson(id)) body["job"] = *snap;
  return JsonReply(200, body);
}

Response Router::Handle(const Request& r) {
  try {
    const std::size_t q = r.target.find('?');
    const std::string path = r.target.substr(0, q);
    const std::string query = q == std::string::npos ? "" : r.target.substr(q + 1);
    std::vector<std::string> parts = Split(path);
    if (parts.empty() || parts[0] != "v1") {
      return Error(hr::kNotImpl, "no such endpoint: " + path + " (the API is under /v1/)");
    }
    parts.erase(parts.begin());
    if (parts.size() == 1 && parts[0] == "version" && r.method == "GET") {
      return JsonReply(200,
                       {{"hresult", "0x00000000"}, {"api", 1}, {"version", SHOAL_VERSION_STRING}});
    }
    if (parts.size() == 1 && parts[0] == "stats" && r.method == "GET") {
      Json body = {{"hresult", "0x00000000"}, {"stats", wire::ToJson(backend_.GetStats())}};
      body["listen_endpoint"] = backend_.ListenEndpoint();
      return JsonReply(200, body);
    }
    if (parts.size() == 1 && parts[0] == "progress-page" && r.method == "POST") {
      return ProgressPage(r.uid);
    }
    if (parts.size() == 1 && parts[0] == "seeds" && r.method == "POST") {
      // The service reads the folder with its own rights: only root may name one.
      if (r.uid != 0) return Error(hr::kAccessDenied, "only root may add a seed to the service");
      const Json body = ParseBody(r.body);
      std::string why;
      const hr::HResult h =
          backend_.AddSeed(wire::FromHex(body.at("metainfo_hex").get<std::string>()),
                           body.at("dir").get<std::string>(), &why);
      if (hr::Failed(h)) return Error(h, why.empty() ? "AddSeed failed" : why);
      return JsonReply(200, {{"hresult", wire::HResultText(h)}});
    }
    if (!parts.empty() && parts[0] == "jobs") {
      if (parts.size() == 1) return Jobs(r, query);
      Uuid id;
      if (!wire::ParseUuid(parts[1], &id)) {
        return Error(hr::kInvalidArg, "\"" + parts[1] + "\" is not a job id (a GUID)");
      }
      if (parts.size() > 3) return Error(hr::kNotImpl, "no such endpoint: " + path);
      if (const hr::HResult h = Check(r.uid, id); hr::Failed(h)) {
        return Error(h, h == hr::kAccessDenied ? "the job belongs to another user"
                                               : "no such job in the queue");
      }
      return OnJob(r, id, parts.size() == 3 ? parts[2] : "");
    }
    return Error(hr::kNotImpl, "no such endpoint: " + r.method + " " + path);
  } catch (const Json::exception& e) {
    return Error(hr::kInvalidArg, std::string("malformed JSON request: ") + e.what());
  } catch (const wire::WireError& e) {
    return Error(hr::kInvalidArg, std::string("malformed request: ") + e.what());
  }
}

Response Router::Jobs(const Request& r, const std::string& query) {
  if (r.method == "GET") {
    const bool all = HasQueryFlag(query, "all_users");
    if (all && r.uid != 0) {
      return Error(hr::kAccessDenied, "all_users=1 (BG_JOB_ENUM_ALL_USERS) needs root");
    }
    Json jobs = Json::array();
    for (const auto& job : backend_.ListJobs(true)) {
      std::int64_t owner = -1;
      if (!OwnerOf(job->id(), &owner)) continue;  // went final meanwhile
      if (!all && owner != r.uid) continue;
      jobs.push_back(Snapshot(job, owner));
    }
    return JsonReply(200, {{"hresult", "0x00000000"}, {"jobs", jobs}});
  }
  if (r.method != "POST") return Error(hr::kInvalidArg, "/v1/jobs takes GET or POST");
  const Json body = ParseBody(r.body);
  std::string name;
  if (body.contains("display_name")) name = body.at("display_name").get<std::string>();
  std::lock_guard<std::mutex> create(create_mu_);
  std::uint32_t held = 0;
  for (const auto& other : backend_.ListJobs(true)) {
    std::int64_t owner = -1;
    if (OwnerOf(other->id(), &owner) && owner == r.uid) ++held;
  }
  if (held >= max_jobs_per_user_) {
    return Error(hr::kBgETooManyJobsPerUser,
                 "uid " + std::to_string(r.uid) + " has " + std::to_string(held) +
                     " jobs in the queue (max_jobs: " + std::to_string(max_jobs_per_user_) + ")");
  }
  std::shared_ptr<const api::JobHandle> job;
  hr::HResult h = backend_.CreateJob(name, &job);
  if (hr::Failed(h)) return Error(h, "the job was not created");
  // The owner is recorded before the creator hears of the job; until then it reads as the
  // service's own, so no other user ever sees it.
  api::JobPropertiesPatch owner;
  owner.owner_uid = r.uid;
  h = backend_.SetProperties(job->id(), owner);
  if (hr::Failed(h)) {
    backend_.Cancel(job->id());
    return Error(h, "the job's owner could not be recorded");
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    owners_[job->id()] = r.uid;
  }
  Response out = Reply(hr::kOk, job->id());
  out.status = 201;
  return out;
}

Response Router::OnJob(const Request& r, const Uuid& id, const std::string& action) {
  const std::string& m = r.method;
  if (action.empty() && m == "GET") {
    auto snap = SnapshotJson(id);
    if (!snap) return Error(hr::kBgENotFound, "no such job in the queue");
    return JsonReply(200, {{"hresult", "0x00000000"}, {"job", *snap}});
  }
  if (action == "files" && m == "GET") return GetFiles(id);
  if (action == "files" && m == "POST") return AddFiles(id, ParseBody(r.body));
  if (action == "content" && m == "POST") return Content(id);
  if (action == "properties" && m == "GET") {
    api::JobProperties props;
    const hr::HResult h = backend_.GetProperties(id, &props);
    if (hr::Failed(h)) return Error(h, "no properties");
    return JsonReply(200, {{"hresult", "0x00000000"}, {"properties", wire::ToJson(props)}});
  }
  if (action == "properties" && m == "PATCH") {
    const api::JobPropertiesPatch patch = wire::PatchFrom(ParseBody(r.body));
    const hr::HResult h = backend_.SetProperties(id, patch);
    if (hr::Failed(h)) return Error(h, "the patch was refused");
    return Reply(h, id);
  }
  if (action == "error" && m == "GET") {
    api::JobErrorInfo info;
    const hr::HResult h = backend_.GetError(id, &info);
    if (hr::Failed(h)) return Error(h, "the job has no error");
    return JsonReply(200, {{"hresult", "0x00000000"}, {"error", wire::ToJson(info)}});
  }
  if (m == "POST" && action == "ranges") {
    const Json body = ParseBody(r.body);
    const Json& file = body.at("file");
    if (!file.is_number_unsigned()) return Error(hr::kInvalidArg, "file: expected an index");
    const hr::HResult h = backend_.AddRanges(id, file.get<std::size_t>(),
                                             api::wire::RangesFromJson(body.at("ranges")));
    if (hr::Failed(h)) return Error(h, "the engine refused the ranges");
    return Reply(h, id);
  }
  if (m == "POST" && action == "resume") return Reply(backend_.Resume(id), id);
  if (m == "POST" && action == "suspend") return Reply(backend_.Suspend(id), id);
  if (m == "POST" && (action == "cancel" || action == "complete")) {
    const hr::HResult h = action == "cancel" ? backend_.Cancel(id) : backend_.Complete(id);
    if (hr::Failed(h)) return Error(h, "the engine refused to " + action + " the job");
    Unpublish(id);  // the client reads CANCELLED / ACKNOWLEDGED before the reply
    Json body = {{"hresult", wire::HResultText(h)}};
    std::error_code ec;
    // Only when empty: after Complete the store keeps a file only while a seed serves it.
    std::filesystem::remove(JobDir(id), ec);
    std::lock_guard<std::mutex> lock(mu_);
    owners_.erase(id);  // out of the queue: the engine answers BG_E_NOT_FOUND from now on
    return JsonReply(200, body);
  }
  return Error(hr::kNotImpl, "no such endpoint: " + m + " " + r.target);
}

Response Router::AddFiles(const Uuid& id, const Json& body) {
  std::vector<api::FileSpec> specs;
  for (const Json& f : body.at("files")) specs.push_back(api::wire::FileSpecFrom(f));
  std::lock_guard<std::mutex> lock(add_mu_);
  std::vector<api::FileInfo> existing;
  if (const hr::HResult h = backend_.GetFiles(id, &existing); hr::Failed(h)) {
    return Error(h, "no such job in the queue");
  }
  const std::string dir = JobDir(id);
  std::size_t n = existing.size();
  for (api::FileSpec& spec : specs) {
    const std::filesystem::path local(spec.local_path);
    if (!local.is_absolute() || !local.has_filename()) {
      return Error(hr::kInvalidArg, "local_path must be an absolute file name: " + spec.local_path);
    }
    for (const auto& e : existing) {
      if (e.client_path == spec.local_path) {
        return Error(hr::kInvalidArg, "the job already has a file at " + spec.local_path);
      }
    }
    // The engine writes only in the store; the client's name is kept for Complete.
    spec.client_path = std::move(spec.local_path);
    spec.local_path = dir + "/" + std::to_string(n++);
  }
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return Error(hr::kFail, "cannot create the job's store folder: " + ec.message());
  const hr::HResult h = backend_.AddFiles(id, std::move(specs));
  if (hr::Failed(h)) return Error(h, "the files were refused");
  return Reply(h, id);
}

Response Router::GetFiles(const Uuid& id) {
  std::vector<api::FileInfo> files;
  const hr::HResult h = backend_.GetFiles(id, &files);
  if (hr::Failed(h)) return Error(h, "no files");
  Json list = Json::array();
  for (api::FileInfo f : files) {
    if (!f.client_path.empty()) f.local_path = f.client_path;  // the user's own name
    list.push_back(wire::ToJson(f));
  }
  return JsonReply(200, {{"hresult", "0x00000000"}, {"files", list}});
}

Response Router::Content(const Uuid& id) {
  auto job = backend_.FindJob(id);
  if (!job) return Error(hr::kBgENotFound, "no such job in the queue");
  std::vector<api::FileInfo> files;
  if (const hr::HResult h = backend_.GetFiles(id, &files); hr::Failed(h)) {
    return Error(h, "no files");
  }
  if (files.size() > api::kMaxFds) return Error(hr::kBgETooManyFilesInJob, "too many files");
  Response out;
  out.pass_fds = true;
  Json list = Json::array();
  for (std::size_t i = 0; i < files.size(); ++i) {
    const api::FileProgress p = job->GetFileProgress(i);
    const bool whole =
        p.bytes_total != engine::kSizeUnknown && p.bytes_transferred == p.bytes_total;
    int fd = -1;
    if (whole && !files[i].ranges.empty()) {
      fd = engine::OpenPacked(files[i].temp_path, files[i].ranges);  // the ranges, packed
      if (fd < 0) fd = ::open(files[i].local_path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    } else if (whole) {
      fd = ::open(files[i].temp_path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
      if (fd < 0) fd = ::open(files[i].local_path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    }
    if (fd >= 0) out.fds.push_back(fd);
    list.push_back({{"index", i}, {"local_path", files[i].client_path}, {"passed", fd >= 0}});
  }
  out.body = Json{{"hresult", "0x00000000"}, {"files", list}}.dump(
      -1, ' ', false, nlohmann::json::error_handler_t::replace);
  return out;
}

}  // namespace shoal::service
