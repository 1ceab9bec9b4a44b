#include "api/src/service_backend.h"

#include <unistd.h>

#include <atomic>
#include <boost/asio/write.hpp>
#include <condition_variable>
#include <deque>
#include <filesystem>
#include <map>
#include <mutex>
#include <thread>

#include "api/src/com_object.h"
#include "api/src/materialise.h"
#include "api/src/progress_page.h"
#include "api/src/service_client.h"
#include "api/src/service_paths.h"
#include "api/src/wire.h"
#include "engine/destination.h"
#include "engine/metainfo.h"

namespace shoal::api {
namespace {

using wire::Json;

// A job's handle: the job-wide figures read in place from the service's progress page (mapped
// read-only), the per-file records refreshed from the service's snapshots.
class ClientHandle final : public JobHandle {
 public:
  ClientHandle(const Uuid& id, const JobCells* cells, const SlotRef& slot,
               std::shared_ptr<const ProgressPageReader> page)
      : JobHandle(id, cells), page_(std::move(page)), slot_(slot) {}

  // The slot the service now names for the job (it moves when the service restarted).
  const SlotRef& slot() const { return slot_; }
  void MoveTo(const SlotRef& slot, const JobCells* cells) const {
    std::lock_guard<std::mutex> lock(mu_);
    slot_ = slot;
    Repoint(cells);  // the page's slots stay mapped for the reader's life
  }
  void UpdateFiles(const wire::JobSnapshot& s) const {
    std::lock_guard<std::mutex> lock(mu_);
    files_ = s.files;
    file_sources_ = s.file_sources;
  }
  // The job left the queue (its page slot may be given to another job): its last figures move
  // to cells of the handle's own.
  void SetFinal(JobState state, bool completed) const {
    std::lock_guard<std::mutex> lock(mu_);
    if (completed) {
      for (FileProgress& f : files_) f.completed = f.bytes_transferred == f.bytes_total;
    }
    auto& own = final_.emplace_back();
    own.progress.Store(Progress());
    own.sources.Store(Sources());
    own.times.Store(Times());
    own.activity.Store(Activity());
    own.error_count.store(ErrorCount(), std::memory_order_relaxed);
    own.state.store(state, std::memory_order_release);
    Repoint(&own);  // a deque: earlier cells stay where they are
  }

  std::size_t FileCount() const override {
    std::lock_guard<std::mutex> lock(mu_);
    return files_.size();
  }
  FileProgress GetFileProgress(std::size_t i) const override {
    std::lock_guard<std::mutex> lock(mu_);
    return i < files_.size() ? files_[i] : FileProgress{};
  }
  SourceBytes GetFileSources(std::size_t i) const override {
    std::lock_guard<std::mutex> lock(mu_);
    return i < file_sources_.size() ? file_sources_[i] : SourceBytes{};
  }

 private:
  const std::shared_ptr<const ProgressPageReader> page_;  // the mapping the cells are in
  mutable std::mutex mu_;
  mutable SlotRef slot_;
  mutable std::deque<JobCells> final_;  // every own copy pointed at, kept for the readers
  mutable std::vector<FileProgress> files_;
  mutable std::vector<SourceBytes> file_sources_;
};

// A snapshot's page slot; false when it names none.
bool SlotFrom(const Json& snapshot, SlotRef* slot) {
  if (!snapshot.is_object() || !snapshot.contains("slot")) return false;
  const Json& j = snapshot.at("slot");
  slot->uid = j.at("uid").get<std::uint32_t>();
  slot->segment = j.at("segment").get<std::uint32_t>();
  slot->index = j.at("index").get<std::uint32_t>();
  slot->generation = j.at("generation").get<std::uint64_t>();
  slot->instance = j.at("instance").get<std::uint64_t>();
  return true;
}

std::string JobPath(const Uuid& id, const std::string& tail = "") {
  return std::string(wire::kApiPrefix) + "/jobs/" + id.ToString() + tail;
}

class ServiceBackend final : public Backend {
 public:
  ServiceBackend(const std::string& socket, BackendEvents* events)
      : client_(socket), events_(events) {}
  ~ServiceBackend() override {
    stop_ = true;
    {
      std::lock_guard<std::mutex> lock(stream_mu_);
      if (stream_fd_ >= 0) ::shutdown(stream_fd_, SHUT_RDWR);
    }
    wake_.notify_all();
    if (reader_.joinable()) reader_.join();
  }

  bool Start(std::string* error) {
    Json reply;
    if (hr::Failed(client_.Call("GET", "/v1/version", nullptr, &reply, error))) return false;
    reader_ = std::thread([this] { ReadEvents(); });
    return true;
  }

  std::string ListenEndpoint() const override {
    Json reply;
    if (hr::Failed(client_.Call("GET", "/v1/stats", nullptr, &reply))) return "";
    return reply.value("listen_endpoint", "");
  }

  hr::HResult CreateJob(const std::string& name, std::shared_ptr<const JobHandle>* job) override {
    Json reply;
    const hr::HResult h = client_.Call("POST", "/v1/jobs", {{"display_name", name}}, &reply);
    if (hr::Failed(h)) return h;
    auto handle = Refresh(reply);
    if (!handle) return hr::kFail;
    *job = std::move(handle);
    return h;
  }

  std::shared_ptr<const JobHandle> FindJob(const Uuid& id) const override {
    Json reply;
    const hr::HResult h = client_.Call("GET", JobPath(id), nullptr, &reply);
    if (h == kNoService) return Known(id);  // the last values, until the service is back
    if (hr::Failed(h)) return nullptr;
    return Refresh(reply);
  }

  std::vector<std::shared_ptr<const JobHandle>> ListJobs(bool all_users) const override {
    Json reply;
    std::vector<std::shared_ptr<const JobHandle>> out;
    const std::string target = all_users ? "/v1/jobs?all_users=1" : "/v1/jobs";
    if (hr::Failed(client_.Call("GET", target, nullptr, &reply))) return out;
    try {
      for (const Json& j : reply.at("jobs")) out.push_back(Apply(j));
    } catch (const std::exception&) {
    }
    return out;
  }

  hr::HResult AddFiles(const Uuid& id, std::vector<FileSpec> files) override {
    Json list = Json::array();
    for (const FileSpec& f : files) {
      // The destination is checked here, with this user's rights: the service never sees it.
      const std::filesystem::path local(f.local_path);
      if (!local.is_absolute() || !local.has_filename()) return hr::kInvalidArg;
      if (::access(local.parent_path().c_str(), W_OK | X_OK) != 0) return hr::FromErrno(errno);
      if (const hr::HResult h = engine::CheckDestination(f.local_path); hr::Failed(h)) return h;
      list.push_back(wire::ToJson(f));
    }
    return Mutate("POST", JobPath(id, "/files"), {{"files", list}});
  }
  hr::HResult AddRanges(const Uuid& id, std::size_t file,
                        std::vector<engine::ByteRange> ranges) override {
    return Mutate("POST", JobPath(id, "/ranges"),
                  {{"file", file}, {"ranges", wire::ToJson(ranges)}});
  }
  hr::HResult Resume(const Uuid& id) override { return Mutate("POST", JobPath(id, "/resume")); }
  hr::HResult Suspend(const Uuid& id) override { return Mutate("POST", JobPath(id, "/suspend")); }
  hr::HResult Cancel(const Uuid& id) override {
    const auto handle = Known(id);  // the event stream may finish it first, from the page
    const hr::HResult h = client_.Call("POST", JobPath(id, "/cancel"), nullptr, nullptr);
    if (hr::Succeeded(h)) Finish(id, JobState::kCancelled, false, handle);
    return h;
  }
  hr::HResult Complete(const Uuid& id) override;

  hr::HResult GetProperties(const Uuid& id, JobProperties* out) const override {
    Json reply;
    const hr::HResult h = client_.Call("GET", JobPath(id, "/properties"), nullptr, &reply);
    if (hr::Failed(h)) return h;
    return Decode([&] { *out = wire::PropertiesFrom(reply.at("properties")); });
  }
  hr::HResult SetProperties(const Uuid& id, const JobPropertiesPatch& patch) override {
    return Mutate("PATCH", JobPath(id, "/properties"), wire::ToJson(patch));
  }
  hr::HResult GetFiles(const Uuid& id, std::vector<FileInfo>* out) const override {
    Json reply;
    const hr::HResult h = client_.Call("GET", JobPath(id, "/files"), nullptr, &reply);
    if (hr::Failed(h)) return h;
    return Decode([&] {
      out->clear();
      for (const Json& f : reply.at("files")) out->push_back(wire::FileInfoFrom(f));
    });
  }
  hr::HResult GetError(const Uuid& id, JobErrorInfo* out) const override {
    Json reply;
    const hr::HResult h = client_.Call("GET", JobPath(id, "/error"), nullptr, &reply);
    if (hr::Failed(h)) return h;
    return Decode([&] { *out = wire::ErrorInfoFrom(reply.at("error")); });
  }
  hr::HResult AddSeed(const std::string& metainfo, const std::string& dir,
                      std::string* error) override {
    return client_.Call("POST", "/v1/seeds",
                        {{"metainfo_hex", engine::ToHex(metainfo)}, {"dir", dir}}, nullptr, error);
  }
  EngineStats GetStats() const override {
    Json reply;
    EngineStats stats;
    if (hr::Succeeded(client_.Call("GET", "/v1/stats", nullptr, &reply))) {
      Decode([&] { stats = wire::StatsFrom(reply.at("stats")); });
    }
    return stats;
  }

 private:
  template <typename F>
  static hr::HResult Decode(F&& f) {
    try {
      f();
      return hr::kOk;
    } catch (const std::exception&) {
      return hr::kFail;  // the service answered something this client cannot read
    }
  }

  hr::HResult Mutate(const std::string& method, const std::string& target,
                     const Json& body = nullptr) {
    Json reply;
    const hr::HResult h = client_.Call(method, target, body, &reply);
    if (hr::Succeeded(h)) Refresh(reply);
    return h;
  }

  std::shared_ptr<const ClientHandle> Refresh(const Json& reply) const {
    std::shared_ptr<const ClientHandle> out;
    Decode([&] {
      if (reply.contains("job")) out = Apply(reply.at("job"));
    });
    return out;
  }

  // The cells of `slot` in the progress page, mapping the caller's page set again when the
  // slot is in a segment not mapped yet (a new one, or a restarted service's).
  bool PageCells(const SlotRef& slot, const JobCells** cells) const {
    if (page_->Cells(slot, cells)) return true;
    Json reply;
    std::vector<int> fds;
    if (hr::Failed(client_.CallForFds("/v1/progress-page", &reply, &fds))) return false;
    for (int fd : fds) page_->Map(fd);  // takes the descriptor
    return page_->Cells(slot, cells);
  }

  // Applies a snapshot (throws on a malformed one): the handle of its job, created or moved to
  // the slot the snapshot names, its per-file records refreshed.
  std::shared_ptr<const ClientHandle> Apply(const Json& j) const {
    const wire::JobSnapshot s = wire::SnapshotFrom(j);
    SlotRef slot;
    bool has_slot = SlotFrom(j, &slot);
    std::shared_ptr<const ClientHandle> handle = Known(s.id);
    if (!handle || (has_slot && !(handle->slot() == slot))) {
      static const JobCells no_cells;  // a job whose slot could not be mapped reads zeros
      const JobCells* cells = &no_cells;
      if (has_slot && !PageCells(slot, &cells)) has_slot = false;
      std::lock_guard<std::mutex> lock(mu_);
      auto& entry = handles_[s.id];
      if (!entry) {
        entry =
            std::make_shared<const ClientHandle>(s.id, cells, has_slot ? slot : SlotRef{}, page_);
      } else if (has_slot && !(entry->slot() == slot)) {
        entry->MoveTo(slot, cells);
      }
      handle = entry;
    }
    handle->UpdateFiles(s);
    return handle;
  }

  std::shared_ptr<const ClientHandle> Known(const Uuid& id) const {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = handles_.find(id);
    return it == handles_.end() ? nullptr : it->second;
  }

  // The job left the queue in `state`. `handle`: the one the caller held before its call
  // (Cancel, Complete), which the event stream may already have finished with the page's
  // last, older state; the state this client knows for certain is then set again.
  void Finish(const Uuid& id, JobState state, bool completed,
              std::shared_ptr<const ClientHandle> handle = nullptr) {
    if (!handle) handle = Known(id);
    if (handle) handle->SetFinal(state, completed);
    std::lock_guard<std::mutex> lock(mu_);
    handles_.erase(id);
  }

  void ReadEvents();
  void OnLine(const std::string& line);

  mutable ServiceClient client_;
  BackendEvents* const events_;
  mutable std::mutex mu_;
  mutable std::map<Uuid, std::shared_ptr<const ClientHandle>, UuidLess> handles_;
  // The service's progress page, mapped read-only; each handle keeps it mapped.
  const std::shared_ptr<ProgressPageReader> page_ = std::make_shared<ProgressPageReader>();
  std::atomic<bool> stop_{false};
  std::mutex stream_mu_;
  std::condition_variable wake_;
  int stream_fd_ = -1;  // guarded by stream_mu_
  std::thread reader_;
};

hr::HResult ServiceBackend::Complete(const Uuid& id) {
  const auto handle = Known(id);  // see Finish
  Json reply;
  std::vector<int> fds;
  hr::HResult h = client_.CallForFds(JobPath(id, "/content"), &reply, &fds);
  if (hr::Failed(h)) return h;
  // The content reaches its final names only once the service has completed the job.
  std::vector<StagedFile> staged;  // removed unless moved into place
  std::size_t next_fd = 0;
  std::string message;
  try {
    for (const Json& f : reply.at("files")) {
      if (!f.at("passed").get<bool>()) continue;
      if (next_fd >= fds.size()) throw wire::WireError("fewer descriptors than files");
      staged.emplace_back();
      h = Stage(fds[next_fd++], f.at("local_path").get<std::string>(), &staged.back(), &message);
      if (hr::Failed(h)) break;
    }
  } catch (const std::exception&) {
    h = hr::kFail;
  }
  for (int fd : fds) ::close(fd);
  if (hr::Failed(h)) return h;
  h = client_.Call("POST", JobPath(id, "/complete"), nullptr, nullptr);
  if (hr::Failed(h)) return h;
  for (StagedFile& file : staged) {
    const hr::HResult m = file.MoveIntoPlace(&message);
    if (hr::Failed(m)) h = m;
  }
  Finish(id, JobState::kAcknowledged, true, handle);
  return h;
}

void ServiceBackend::OnLine(const std::string& line) {
  const Json j = Json::parse(line, nullptr, false);
  if (!j.is_object() || !j.contains("event") || !j.contains("job")) return;
  Uuid id;
  if (!wire::ParseUuid(j["job"].get<std::string>(), &id)) return;
  const std::string event = j["event"].get<std::string>();
  if (j.contains("snapshot") && j["snapshot"].is_null()) {
    // The job left the queue (another process completed or cancelled it): its handle keeps
    // the last figures, in cells of its own, before the slot is given to another job.
    if (auto h = Known(id)) Finish(id, h->State(), false);
  } else if (j.contains("snapshot") && j["snapshot"].is_object()) {
    // Only jobs this client has heard of get cells; the others are not its concern yet.
    if (Known(id)) Decode([&] { Apply(j["snapshot"]); });
  }
  if (event == "transferred") events_->OnJobEvent({id, JobEvent::kTransferred});
  if (event == "error") events_->OnJobEvent({id, JobEvent::kError});
  if (event == "modification") events_->OnJobEvent({id, JobEvent::kModification});
}

void ServiceBackend::ReadEvents() {
  int backoff_ms = 50;
  while (!stop_) {
    const int fd = ConnectUnix(client_.socket_path());
    if (fd >= 0) {
      {
        // The destructor sets stop_ before it looks for stream_fd_: one of the two sees the other.
        std::lock_guard<std::mutex> lock(stream_mu_);
        if (stop_) {
          ::close(fd);
          break;
        }
        stream_fd_ = fd;
      }
      FdStream s(fd, -1);
      boost::system::error_code ec;
      const std::string req = RequestText("GET", "/v1/events", nullptr);
      boost::asio::write(s, boost::asio::buffer(req), ec);
      std::string pending;
      bool header_done = false;
      char buf[16384];
      while (!ec && !stop_) {
        const std::size_t n = s.read_some(boost::asio::buffer(buf), ec);
        pending.append(buf, n);
        if (!header_done) {
          const auto end = pending.find("\r\n\r\n");
          if (end == std::string::npos) continue;
          if (pending.compare(0, 12, "HTTP/1.1 200") != 0) break;
          pending.erase(0, end + 4);
          header_done = true;
          backoff_ms = 50;
        }
        for (auto nl = pending.find('\n'); nl != std::string::npos; nl = pending.find('\n')) {
          OnLine(pending.substr(0, nl));
          pending.erase(0, nl + 1);
        }
      }
      std::lock_guard<std::mutex> lock(stream_mu_);
      stream_fd_ = -1;
    }
    std::unique_lock<std::mutex> lock(stream_mu_);
    wake_.wait_for(lock, std::chrono::milliseconds(backoff_ms), [&] { return stop_.load(); });
    backoff_ms = std::min(backoff_ms * 2, 1000);
  }
}

}  // namespace

std::unique_ptr<Backend> ConnectServiceBackend(const std::string& socket_path,
                                               BackendEvents* events, std::string* error) {
  auto backend = std::make_unique<ServiceBackend>(socket_path, events);
  std::string why;
  if (!backend->Start(&why)) {
    if (error != nullptr) *error = "no shoald at " + socket_path + (why.empty() ? "" : ": " + why);
    return nullptr;
  }
  return backend;
}

}  // namespace shoal::api
