// Engine's public face, and the loop's hooks: start (stored jobs back), swarm events, ticks.
#include "engine/engine.h"

#include <algorithm>
#include <cstdlib>

#include "engine/bandwidth.h"
#include "engine/engine_impl.h"
#include "engine/log.h"
#include "engine/torrent_session.h"

namespace shoal::engine {

FileProgress JobView::GetFileProgress(std::size_t index) const {
  MutexLock lock(files_mu);
  return index < files.size() ? files[index] : FileProgress{};
}

SourceBytes JobView::GetFileSources(std::size_t index) const {
  MutexLock lock(files_mu);
  return index < file_sources.size() ? file_sources[index] : SourceBytes{};
}

std::size_t JobView::FileCount() const {
  MutexLock lock(files_mu);
  return files.size();
}

Engine::Impl::Impl(const EngineOptions& options, JobObserver* observer,
                   std::shared_ptr<const Clock> clock)
    : options_(options), observer_(observer), clock_(std::move(clock)), start_(clock_->Now()) {}

void Engine::Impl::AssertEngineThread(const char* where) const {
  if (loop_.OnLoopThread()) return;
  Logf(LogLevel::kError, "engine", "%s called off the engine thread: aborting", where);
  std::abort();
}

namespace {

// What every HTTP client of the engine (sidecars, CDN pieces, plain files) takes from the
// same settings: the extra CA bundle, the redirect bound and the proxy.
template <typename Options>
Options HttpClientOptions(const EngineOptions& settings) {
  Options o;
  o.ca_file = settings.ca_file;
  o.max_redirects = settings.http_max_redirects;
  o.proxy = settings.http_proxy;
  o.no_proxy = settings.http_no_proxy;
  return o;
}

}  // namespace

double Engine::Impl::NowS() const {
  return std::chrono::duration<double>(clock_->Now() - start_).count();
}

bool Engine::Impl::Start(EngineSeams seams, std::string* error) {
  if (!options_.data_dir.empty()) {
    durable_ = DurableJobs::Open(options_, *clock_, error);
    if (!durable_) return false;
  }
  swarm_ = TorrentSession::Create(
      options_, [this] { loop_.Wake(); }, error);
  if (!swarm_) return false;
  auto fetch = HttpClientOptions<FetchOptions>(options_);
  fetch.timeout_s = options_.http_timeout_s;
  fetcher_ = std::make_unique<HttpFetcher>(fetch);
  ranges_ = std::make_unique<RangeFetcher>(fetch, kCdnWorkers);
  cache_hosts_ = std::make_unique<CacheHosts>(options_.cache_host);
  if (!cache_hosts_->empty() || CacheDiscoveryWanted()) {
    auto node = fetch;
    node.timeout_s = kNodeFillWaitS + options_.http_timeout_s;
    node.connect_timeout_s = 3;  // as DO's for its cache nodes: a LAN host answers at once
    node_fetcher_ = std::make_unique<HttpFetcher>(node);
    LoadCacheKey();
  }
  if (seams.http_source) {
    http_source_ = std::move(seams.http_source);
  } else {
    auto http = HttpClientOptions<HttpSourceOptions>(options_);
    http.connect_timeout_s = options_.http_connect_timeout_s;
    http.stall_timeout_s = options_.http_stall_timeout_s;
    http_source_ = MakeCurlHttpSource(http);
  }
  peer_sources_ = std::move(seams.peer_sources);
  JobStore* store = durable_ ? durable_->store() : nullptr;
  resume_ = std::make_unique<ResumeBook>(store, *swarm_);
  seeds_ = std::make_unique<SeedCache>(options_, store, *swarm_, *resume_, *clock_);
  cdn_ = std::make_unique<CdnPump>(*swarm_, *ranges_, *this, std::random_device{}());
  if (node_fetcher_) cdn_->UseCacheNodes(cache_hosts_.get(), &options_);
  http_ = std::make_unique<HttpTransfers>(*http_source_, *this);
  ranged_ = std::make_unique<RangedHttp>(*ranges_, *this);
  integrity_ = std::make_unique<IntegrityChecker>(*this);
  StartDiscovery();
  // Before the loop runs: the first jobs already wait for the nodes DNS-SD finds.
  cache_discovery_waiting_ = CacheDiscoveryWanted();
  cache_discovery_deadline_ = std::chrono::steady_clock::now() + kCacheDiscoveryWait;
  TaskLoop::Hooks hooks;
  hooks.on_start = [this] { Restore(); };  // restored jobs are there before any caller asks
  hooks.on_alerts = [this] { ProcessEvents(); };
  hooks.on_tick = [this] {
    ProcessEvents();
    Tick();
  };
  hooks.on_stop = [this] { Shutdown(); };
  loop_.Start(std::move(hooks));
  if (cache_discovery_waiting_) StartCacheDiscovery();
  return true;
}

void Engine::Impl::Stop() {
  // The engine thread goes first (it cancels HTTP transfers on its way out); results the
  // workers post after that are dropped. Then the workers are joined.
  loop_.Stop();
  http_source_.reset();
  fetcher_.reset();
  node_fetcher_.reset();
  ranges_.reset();
  discovery_.reset();  // its late answers are dropped with the loop
  dns_sd_.reset();     // so are the nodes it finds late
  if (integrity_) integrity_->Shutdown();
}

void Engine::Impl::Restore() {
  AssertEngineThread(__func__);
  if (!durable_) return;
  std::vector<Job*> completing;  // holding Complete's intent
  // Jobs with no temp file on disk start after the others: a job that followed another's
  // transfer of its content (decision 0013) follows it again instead of leading from zero.
  std::vector<Job*> later;
  for (StoredJob& s : durable_->Load()) {
    Job& job = jobs_.Add(durable_->Rebuild(std::move(s)));
    Publish(job);
    job.progress_dirty = false;
    if (job.completing) {
      completing.push_back(&job);  // rolled forward once the seeds are back
    } else if (std::none_of(job.files.begin(), job.files.end(),
                            [](const JobFile& f) { return f.temp_created; })) {
      later.push_back(&job);
    } else {
      StartRestored(job);
    }
  }
  for (Job* job : later) StartRestored(*job);
  seeds_->Restore(&durable_->warnings());
  // After the stored seeds: the roll-forward seeds its files as Complete does, and a stored
  // seed must not find its content taken by the job's.
  for (Job* job : completing) RollForward(*job);
  LogLines(LogLevel::kWarning, "store", durable_->warnings());
}

void Engine::Impl::ProcessEvents() {
  AssertEngineThread(__func__);
  std::vector<TorrentEvent> events;
  swarm_->PopEvents(&events);
  for (const TorrentEvent& ev : events) {
    switch (ev.kind) {
      case TorrentEvent::Kind::kPieceVerified:
        resume_->Changed(ev.key);
        CountBytes(ev.key, ev.bytes);
        OnPiece(ev.key, ev.piece);
        break;
      case TorrentEvent::Kind::kUploaded:
        CountBytes(ev.key, ev.bytes);
        break;
      case TorrentEvent::Kind::kPieceFailed:
        OnPieceFailed(ev.key, ev.piece);
        break;
      case TorrentEvent::Kind::kResumeData:
        resume_->OnData(ev);
        break;
      case TorrentEvent::Kind::kChecked: {
        resume_->OnChecked(ev);
        // Seed mode (Complete's seeds) looks at nothing: only a check by resume data or hashing
        // tells what the file holds now.
        if (ev.from_resume || ev.hashed) seeds_->Checked(ev.key, ev.pieces_have == ev.pieces_total);
        if (const JobTable::Owner* owner = jobs_.OwnerOf(ev.key)) {
          JobFile& f = owner->job->files[owner->file];
          if (f.awaiting_check) {
            f.awaiting_check = false;
            cdn_->Pump(*owner->job);  // what the check did not find
          }
        }
        auto it = pending_seeds_.find(ev.key);
        if (it == pending_seeds_.end()) break;
        PendingSeed seed = std::move(it->second);
        pending_seeds_.erase(it);
        if (ev.pieces_have < ev.pieces_total) {
          *seed.error = "the content is incomplete: " + std::to_string(ev.pieces_have) + " of " +
                        std::to_string(ev.pieces_total) + " pieces present";
          seed.reply(hr::kFileNotFound);
        } else {
          seed.reply(hr::kOk);
        }
        break;
      }
      case TorrentEvent::Kind::kRemoved:
        resume_->Removed(ev.key);
        OnRemoved(ev.key);
        break;
      case TorrentEvent::Kind::kError:
        OnSwarmError(ev);
        break;
    }
  }
}

void Engine::Impl::CountBytes(int key, const SourceBytes& bytes) {
  const JobTable::Owner* owner = jobs_.OwnerOf(key);
  if (owner == nullptr) return;  // a seed: the session's totals only
  owner->job->files[owner->file].sources += bytes;
}

void Engine::Impl::OnSwarmError(const TorrentEvent& ev) {
  auto seed = pending_seeds_.find(ev.key);
  if (seed != pending_seeds_.end()) {
    *seed->second.error = ev.message;
    seed->second.reply(hr::Failed(ev.code) ? ev.code : hr::kFail);
    pending_seeds_.erase(seed);
    return;
  }
  const JobTable::Owner* owner = jobs_.OwnerOf(ev.key);
  if (owner == nullptr) return;
  Job& job = *owner->job;
  // A stopped job's torrents may still report the aftermath of what stopped it (a read of the
  // piece a full disk failed to write): that is not a new failure.
  if (!IsActive(job.state)) return;
  if (ev.code == hr::kDiskFull) {  // transient, as in BITS: retried once space returns
    return TransientError(job, ev.code, ev.context, owner->file, ev.message);
  }
  Fail(job, hr::Failed(ev.code) ? ev.code : hr::kFail, ev.context, owner->file, ev.message);
}

void Engine::Impl::Tick() {
  AssertEngineThread(__func__);
  const double now = NowS();
  if (cache_discovery_waiting_ && std::chrono::steady_clock::now() >= cache_discovery_deadline_) {
    OnCacheDiscoverySettled();  // DNS-SD's answers are late: the waiting files go on without
  }
  // Peer reconnects follow real time, whatever clock the job timers read.
  const double real_now =
      std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
  const bool reconnect = real_now - last_reconnect_s_ >= 5.0;
  if (reconnect) last_reconnect_s_ = real_now;
  UpdateLeadPriorities();
  for (const auto& owned : jobs_.all()) {
    Job& job = *owned;
    if (job.state == JobState::kTransientError) RunTimers(job);
    // IBackgroundCopyJob4::SetMaximumDownloadTime: past it the job fails (0: no limit).
    const std::uint32_t max_s = job.props.maximum_download_time_s;
    if (IsActive(job.state) && max_s > 0 &&
        ActiveSeconds(job, now) - job.active_at_resume_s >= max_s) {
      Fail(job, hr::kBgEMaxDownloadTimeout, ErrorContext::kNone, -1,
           "the job spent more than its maximum download time (" + std::to_string(max_s) +
               " s) transferring");
      continue;
    }
    if (!IsActive(job.state) && job.state != JobState::kTransferred) continue;
    double peer_rate = 0;
    bool any = false;
    job.peer_connections = 0;
    for (JobFile& f : job.files) {
      if (f.torrent < 0) continue;
      const TorrentStats st = swarm_->Poll(f.torrent);
      peer_rate += st.peer_rate_bytes_s;
      job.peer_connections += static_cast<std::uint32_t>(st.peers);
      any = true;
      if (reconnect && IsActive(job.state)) {
        swarm_->ReconnectPeers(f.torrent);
        DialSourcedPeers(f.torrent);
      }
    }
    if (any && IsActive(job.state)) {
      const bool unseen = NoPeerInSight(job);
      const bool listening = unseen && InLsdWindow(job);
      const bool lone = unseen && !listening;
      cdn_->Decide(job, options_, now, peer_rate, lone, lone && Solitary(job), !lone && Found(job),
                   listening);
      ApplyRates(job, RateFor(job), *swarm_);
      cdn_->Pump(job);
    }
    if (any) Publish(job);
    if (job.progress_dirty) {
      job.progress_dirty = false;
      Touch(job);
      if (job.state == JobState::kTransferring) Notify(job, JobEvent::kModification);
    }
  }
  if (durable_ && durable_->ProgressDue(now)) {
    resume_->Save(/*quiescent=*/false);
    for (const auto& job : jobs_.all()) {
      if (job->persist_dirty && !IsFinal(job->state)) durable_->Put(*job);
    }
  }
  CancelInactive();
  seeds_->Check(now);
}

void Engine::Impl::DialSourcedPeers(int key) {
  for (const auto& source : peer_sources_) {
    const std::vector<std::string> peers = source->Peers();
    if (!peers.empty()) swarm_->ConnectPeers(key, peers);
  }
}

std::uint64_t Engine::Impl::RateFor(const Job& job) const {
  return engine::RateFor(job, jobs_.all(), options_);
}

EngineStats Engine::Impl::Stats() {
  EngineStats s = swarm_->Totals();
  s.cached_files = static_cast<std::uint32_t>(seeds_->size());
  s.cache_evictions = seeds_->evictions();
  s.checks_resumed = resume_->checks_resumed();
  s.checks_hashed = resume_->checks_hashed();
  for (const auto& job : jobs_.all()) {
    for (const JobFile& f : job->files) {
      if (f.http.plain) s.bytes.from_http += f.sources.from_http;
    }
  }
  return s;
}

Engine::Engine(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

std::unique_ptr<Engine> Engine::Start(const EngineOptions& options, JobObserver* observer,
                                      std::string* error, EngineSeams seams) {
  std::shared_ptr<const Clock> clock = seams.clock ? seams.clock : SteadyClock();
  auto impl = std::make_unique<Impl>(options, observer, std::move(clock));
  if (!impl->Start(std::move(seams), error)) return nullptr;
  return std::unique_ptr<Engine>(new Engine(std::move(impl)));
}

Engine::~Engine() { impl_->Stop(); }

std::string Engine::ListenEndpoint() const {
  std::string out;
  impl_->loop_.Call([&](Impl::Reply reply) {
    out = impl_->swarm_->ListenEndpoint();
    reply(hr::kOk);
  });
  return out;
}

const EngineOptions& Engine::options() const { return impl_->options_; }

std::string Engine::StartupWarnings() const {
  return impl_->durable_ ? impl_->durable_->warnings() : std::string();
}

hr::HResult Engine::CreateJob(const std::string& display_name,
                              std::shared_ptr<const JobView>* job) {
  return impl_->loop_.Call([&](Impl::Reply reply) { reply(impl_->CreateJob(display_name, job)); });
}

std::shared_ptr<const JobView> Engine::FindJob(const Uuid& id) const {
  std::shared_ptr<const JobView> out;
  impl_->loop_.Call([&](Impl::Reply reply) {
    Job* job = impl_->FindJob(id);
    if (job != nullptr && !IsFinal(job->state)) out = job->view;
    reply(hr::kOk);
  });
  return out;
}

std::vector<std::shared_ptr<const JobView>> Engine::ListJobs() const {
  std::vector<std::shared_ptr<const JobView>> out;
  impl_->loop_.Call([&](Impl::Reply reply) {
    impl_->jobs_.ForEachLive([&](Job& job) { out.push_back(job.view); });
    reply(hr::kOk);
  });
  return out;
}

// Runs `fn(job, reply)` on the engine thread for a known job, else BG_E_NOT_FOUND.
// Mutators wait out nothing: while Complete or Cancel runs they are refused.
template <typename Fn>
static hr::HResult WithJob(Engine::Impl& impl, const Uuid& id, Fn fn, bool mutator = true) {
  return impl.loop_.Call([&impl, &id, &fn, mutator](Engine::Impl::Reply reply) {
    Job* job = impl.FindJob(id);
    if (job == nullptr) return reply(hr::kBgENotFound);
    if (mutator && job->busy) return reply(hr::kBgEInvalidState);
    fn(*job, reply);
  });
}

hr::HResult Engine::AddFiles(const Uuid& id, std::vector<FileSpec> files) {
  return WithJob(*impl_, id, [&](Job& job, Impl::Reply reply) {
    reply(impl_->AddFiles(job, std::move(files)));
  });
}

hr::HResult Engine::AddRanges(const Uuid& id, std::size_t file, std::vector<ByteRange> ranges) {
  return WithJob(*impl_, id, [&](Job& job, Impl::Reply reply) {
    reply(impl_->AddRanges(job, file, std::move(ranges)));
  });
}

hr::HResult Engine::Resume(const Uuid& id) {
  return WithJob(*impl_, id, [&](Job& job, Impl::Reply reply) { reply(impl_->Resume(job)); });
}

hr::HResult Engine::Suspend(const Uuid& id) {
  return WithJob(*impl_, id, [&](Job& job, Impl::Reply reply) { reply(impl_->Suspend(job)); });
}

hr::HResult Engine::Cancel(const Uuid& id) {
  return WithJob(*impl_, id, [&](Job& job, Impl::Reply reply) { impl_->Cancel(job, reply); });
}

hr::HResult Engine::Complete(const Uuid& id) {
  return WithJob(*impl_, id, [&](Job& job, Impl::Reply reply) { impl_->Complete(job, reply); });
}

hr::HResult Engine::GetProperties(const Uuid& id, JobProperties* out) const {
  return WithJob(
      *impl_, id,
      [&](Job& job, Impl::Reply reply) {
        *out = job.props;
        reply(hr::kOk);
      },
      false);
}

hr::HResult Engine::SetProperties(const Uuid& id,
                                  const std::function<hr::HResult(JobProperties&)>& edit) {
  return WithJob(*impl_, id,
                 [&](Job& job, Impl::Reply reply) { reply(impl_->SetProperties(job, edit)); });
}

hr::HResult Engine::GetFiles(const Uuid& id, std::vector<FileInfo>* out) const {
  return WithJob(
      *impl_, id,
      [&](Job& job, Impl::Reply reply) {
        out->clear();
        for (const JobFile& f : job.files) {
          out->push_back({f.spec.remote_url, f.spec.local_path, f.data_path(), f.spec.client_path,
                          f.spec.ranges});
        }
        reply(hr::kOk);
      },
      false);
}

hr::HResult Engine::GetError(const Uuid& id, JobErrorInfo* out) const {
  return WithJob(
      *impl_, id,
      [&](Job& job, Impl::Reply reply) {
        if ((job.state != JobState::kError && job.state != JobState::kTransientError) ||
            !job.error) {
          return reply(hr::kBgEErrorInformationUnavailable);
        }
        *out = *job.error;
        reply(hr::kOk);
      },
      false);
}

hr::HResult Engine::RemoveSeed(const std::string& dir) {
  return impl_->loop_.Call([&](Impl::Reply reply) { reply(impl_->RemoveSeed(dir)); });
}

hr::HResult Engine::AddSeed(const std::string& metainfo, const std::string& dir,
                            std::string* error) {
  std::string scratch;
  std::string* err = error != nullptr ? error : &scratch;
  return impl_->loop_.Call([&](Impl::Reply reply) { impl_->AddSeed(metainfo, dir, reply, err); });
}

EngineStats Engine::GetStats() const {
  EngineStats out;
  impl_->loop_.Call([&](Impl::Reply reply) {
    out = impl_->Stats();
    reply(hr::kOk);
  });
  return out;
}

}  // namespace shoal::engine
