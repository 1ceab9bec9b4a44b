// The shoal.h entry points: a manager with its own (in-process) backend, and metainfo creation.
#include "shoal/shoal.h"

#include "api/src/com_object.h"
#include "api/src/core.h"
#include "api/src/manager.h"
#include "api/src/service_start.h"
#include "engine/job_store.h"
#include "engine/metainfo.h"

namespace shoal {

std::string DefaultDataDir() { return engine::DefaultDataDir(); }

std::string FindService(std::string* error) {
  bool pinned = false;
  std::string why;
  std::string socket = api::FindOrStartService(&pinned, &why);
  if (pinned && !api::ServiceAnswers(socket)) {
    why = "no shoald answers at " + socket + " ($SHOAL_SOCKET)";
    socket.clear();
  }
  if (error != nullptr) *error = why;
  return socket;
}

HRESULT CreateBackgroundCopyManager(const Options& options, IBackgroundCopyManager** manager,
                                    std::string* error) {
  if (manager == nullptr) return E_POINTER;
  *manager = nullptr;
  return api::Guarded([&] {
    std::shared_ptr<api::Core> core;
    const HRESULT h = api::Core::Create(options, &core, error);
    if (FAILED(h)) return h;
    *manager = new api::ManagerObject(std::move(core));
    return S_OK;
  });
}

HRESULT MakeMetainfo(const MetainfoOptions& options, std::string* torrent, std::string* error) {
  if (torrent == nullptr) return E_POINTER;
  return api::Guarded([&] {
    engine::MetainfoSpec spec;
    spec.path = options.path;
    spec.web_seeds = options.web_seeds;
    spec.trackers = options.trackers;
    spec.piece_size = options.piece_size;
    spec.v2_only = options.v2_only;
    spec.v1_only = options.v1_only;
    std::string scratch;
    return engine::CreateMetainfo(spec, torrent, error != nullptr ? error : &scratch);
  });
}

}  // namespace shoal
