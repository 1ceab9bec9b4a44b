// Router: the local API's requests (docs/local-api.md) answered over one api::Backend for the
// caller's uid, which the server took from SO_PEERCRED. Owns the ownership rule (another
// user's job is invisible and E_ACCESSDENIED; root sees all) and the store layout (the engine
// writes only under <store>/jobs/<id>/; the client's names are kept beside). Knows no socket.
// Thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "api/src/backend.h"
#include "api/src/com_object.h"
#include "api/src/progress_page.h"
#include "api/src/wire.h"

namespace shoal::service {

struct Request {
  std::string method;  // "GET", "POST", "PATCH", "DELETE"
  std::string target;  // path and query, e.g. "/v1/jobs?all_users=1"
  std::string body;
  std::int64_t uid = -1;  // the peer's, from the kernel
};

struct Response {
  int status = 200;
  std::string body;       // JSON
  std::vector<int> fds;   // open descriptors to pass before the reply (the caller closes them)
  bool pass_fds = false;  // a 200 reply sends `fds` first, after one marker byte
};

class Router {
 public:
  // `store` is the service's content store (absolute); `service_uid` owns jobs whose stored
  // owner is -1 (created before ownership was recorded). Each uid may hold `max_jobs_per_user`
  // jobs in the queue (BITS' MaxJobsPerUser; BG_E_TOO_MANY_JOBS_PER_USER past it), counted
  // over that uid's jobs only.
  Router(api::Backend& backend, std::string store, std::int64_t service_uid,
         std::uint32_t max_jobs_per_user = 300);

  Response Handle(const Request& request);

  // For the event stream: whether `uid` may see the job, and its snapshot (null if gone).
  bool CanSee(std::int64_t uid, const api::Uuid& id);
  std::optional<api::wire::Json> SnapshotJson(const api::Uuid& id);
  // A listed job's snapshot, with its owner and page slot, for the stream's progress ticks.
  api::wire::Json SnapshotOf(const std::shared_ptr<const api::JobHandle>& job);
  // The jobs `uid` sees (all for root), for the stream's progress ticks.
  std::vector<std::shared_ptr<const api::JobHandle>> VisibleJobs(std::int64_t uid);

  // Writes the figures of every job with a page slot into the progress page, and frees the
  // slots of jobs that left the queue (the service's publisher thread, every few ms).
  void PublishProgress();

  // The store folder of a job's files.
  std::string JobDir(const api::Uuid& id) const;

 private:
  using Json = api::wire::Json;
  Response Jobs(const Request& r, const std::string& query);
  Response OnJob(const Request& r, const api::Uuid& id, const std::string& action);
  Response AddFiles(const api::Uuid& id, const Json& body);
  Response Content(const api::Uuid& id);
  Response GetFiles(const api::Uuid& id);
  Response Reply(hr::HResult h, const api::Uuid& id);
  Response ProgressPage(std::int64_t uid);
  // The job's snapshot with its page slot ("slot"), allocated in its owner's page set on first
  // sight; the slot's figures are published first, so a reply's reader sees at least them.
  Json Snapshot(const std::shared_ptr<const api::JobHandle>& job, std::int64_t owner);
  // A job that left the queue: its last figures published, its slot freed.
  void Unpublish(const api::Uuid& id);
  // kOk, E_ACCESSDENIED for another user's job, BG_E_NOT_FOUND for an unknown one.
  hr::HResult Check(std::int64_t uid, const api::Uuid& id);
  bool OwnerOf(const api::Uuid& id, std::int64_t* owner);

  api::Backend& backend_;
  const std::string store_;
  const std::int64_t service_uid_;
  const std::uint32_t max_jobs_per_user_;
  std::mutex create_mu_;  // one CreateJob at a time: the per-user count holds
  std::mutex mu_;
  std::map<api::Uuid, std::int64_t, api::UuidLess> owners_;  // guarded by mu_
  struct Published {
    api::SlotRef slot;
    std::shared_ptr<const api::JobHandle> job;
    std::int64_t owner = -1;  // whose page holds the slot
  };
  api::ProgressPageWriter page_;
  std::mutex page_mu_;                                       // after mu_ if both
  std::map<api::Uuid, Published, api::UuidLess> published_;  // guarded by page_mu_
  std::mutex add_mu_;  // one AddFiles at a time: store names are numbered
};

// The HTTP status for an HRESULT: 200/201 on success, 403 access denied, 404 not found, 400
// bad arguments, 409 wrong state, 503 a service-side outage, 500 otherwise.
int StatusFor(hr::HResult h);
Response Error(hr::HResult h, const std::string& message);

}  // namespace shoal::service
