// Engine's public face and the engine thread's loop: tasks, libtorrent events, ticks.
#include "engine/engine.h"

#include <future>

#include "engine/engine_impl.h"

namespace shoal::engine {

FileProgress JobView::GetFileProgress(std::size_t index) const {
  std::lock_guard lock(files_mu);
  return index < files.size() ? files[index] : FileProgress{};
}

SourceBytes JobView::GetFileSources(std::size_t index) const {
  std::lock_guard lock(files_mu);
  return index < file_sources.size() ? file_sources[index] : SourceBytes{};
}

std::size_t JobView::FileCount() const {
  std::lock_guard lock(files_mu);
  return files.size();
}

Engine::Impl::Impl(const EngineOptions& options, JobObserver* observer,
                   std::shared_ptr<const Clock> clock)
    : options_(options), observer_(observer), clock_(std::move(clock)), start_(clock_->Now()) {}

bool Engine::Impl::Post(std::function<void()> task) {
  {
    std::lock_guard lock(mu_);
    if (stop_) return false;
    tasks_.push_back(std::move(task));
  }
  cv_.notify_one();
  return true;
}

hr::HResult Engine::Impl::Call(std::function<void(Reply)> task) {
  auto promise = std::make_shared<std::promise<hr::HResult>>();
  auto once = std::make_shared<std::once_flag>();
  Reply reply = [promise, once](hr::HResult h) {
    std::call_once(*once, [&] { promise->set_value(h); });
  };
  if (std::this_thread::get_id() == engine_thread_id_) {
    // Re-entrant call from the engine thread: it can only be answered synchronously.
    task(reply);
    auto f = promise->get_future();
    return f.wait_for(std::chrono::seconds(0)) == std::future_status::ready ? f.get()
                                                                             : hr::kUnexpected;
  }
  std::future<hr::HResult> result = promise->get_future();
  if (!Post([task = std::move(task), reply] { task(reply); })) return hr::kDoENoService;
  try {
    return result.get();
  } catch (const std::future_error&) {
    return hr::kDoENoService;  // the engine stopped before answering
  }
}

void Engine::Impl::Wake() {
  {
    std::lock_guard lock(mu_);
    alerts_pending_ = true;
  }
  cv_.notify_one();
}

void Engine::Impl::Stop() {
  {
    std::lock_guard lock(mu_);
    if (stop_) return;
    stop_ = true;
  }
  cv_.notify_one();
  if (thread_.joinable()) thread_.join();
}

double Engine::Impl::NowS() const {
  return std::chrono::duration<double>(clock_->Now() - start_).count();
}

std::int64_t Engine::Impl::WallNs() const { return clock_->WallNs(); }

void Engine::Impl::Run() {
  constexpr auto kTick = std::chrono::milliseconds(250);
  auto next_tick = std::chrono::steady_clock::now() + kTick;
  for (;;) {
    std::deque<std::function<void()>> batch;
    bool alerts = false;
    {
      std::unique_lock lock(mu_);
      cv_.wait_until(lock, next_tick,
                     [this] { return stop_ || !tasks_.empty() || alerts_pending_; });
      if (stop_) break;
      batch.swap(tasks_);
      alerts = alerts_pending_;
      alerts_pending_ = false;
    }
    for (auto& task : batch) task();
    if (alerts) ProcessEvents();
    if (std::chrono::steady_clock::now() >= next_tick) {
      ProcessEvents();
      Tick();
      next_tick = std::chrono::steady_clock::now() + kTick;
    }
  }
  // Tasks queued before the stop still get their answer.
  std::deque<std::function<void()>> rest;
  {
    std::lock_guard lock(mu_);
    rest.swap(tasks_);
  }
  for (auto& task : rest) task();
  Shutdown();
}

void Engine::Impl::ProcessEvents() {
  std::vector<TorrentEvent> events;
  session_->PopEvents(&events);
  for (const TorrentEvent& ev : events) {
    switch (ev.kind) {
      case TorrentEvent::Kind::kPieceVerified:
        NoteResumeChange(ev.key);
        OnPiece(ev.key, ev.piece);
        break;
      case TorrentEvent::Kind::kPieceFailed:
        OnPieceFailed(ev.key, ev.piece);
        break;
      case TorrentEvent::Kind::kResumeData:
        OnResumeData(ev);
        break;
      case TorrentEvent::Kind::kChecked: {
        checks_resumed_ += ev.from_resume ? 1 : 0;
        checks_hashed_ += ev.hashed ? 1 : 0;
        NoteResumeChange(ev.key);
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
        resume_.erase(ev.key);
        OnRemoved(ev.key);
        break;
      case TorrentEvent::Kind::kError: {
        auto seed = pending_seeds_.find(ev.key);
        if (seed != pending_seeds_.end()) {
          *seed->second.error = ev.message;
          seed->second.reply(hr::Failed(ev.code) ? ev.code : hr::kFail);
          pending_seeds_.erase(seed);
          break;
        }
        auto it = owners_.find(ev.key);
        if (it == owners_.end() || it->second.job == nullptr) break;
        // A stopped job's torrents may still report the aftermath of what stopped it (a
        // read of the piece a full disk failed to write): that is not a new failure.
        if (!IsActive(it->second.job->state)) break;
        if (ev.code == hr::kDiskFull) {  // transient, as in BITS: retried once space returns
          TransientError(*it->second.job, ev.code, ev.context, it->second.file, ev.message);
          break;
        }
        Fail(*it->second.job, hr::Failed(ev.code) ? ev.code : hr::kFail, ev.context,
             it->second.file, ev.message);
        break;
      }
    }
  }
}

void Engine::Impl::Tick() {
  const double now = NowS();
  // Peer reconnects follow real time, whatever clock the job timers read.
  const double real_now = std::chrono::duration<double>(
      std::chrono::steady_clock::now().time_since_epoch()).count();
  const bool reconnect = real_now - last_reconnect_s_ >= 5.0;
  if (reconnect) last_reconnect_s_ = real_now;
  for (auto& owned : jobs_) {
    Job& job = *owned;
    if (job.state == JobState::kTransientError) RunTimers(job);
    if (!IsActive(job.state) && job.state != JobState::kTransferred) continue;
    double peer_rate = 0;
    bool any = false;
    job.peer_connections = 0;
    for (JobFile& f : job.files) {
      if (f.torrent < 0) continue;
      const TorrentStats st = session_->Poll(f.torrent);
      peer_rate += st.peer_rate_bytes_s;
      job.peer_connections += static_cast<std::uint32_t>(st.peers);
      any = true;
      if (reconnect && IsActive(job.state)) session_->ReconnectPeers(f.torrent);
    }
    if (any && IsActive(job.state)) {
      HttpGate::Input in;
      in.now_s = now;
      in.transfer_start_s = job.queued_at_s;
      in.foreground = job.props.priority == Priority::kForeground;
      in.peer_rate_bytes_s = peer_rate;
      job.cdn_any = job.gate.Decide(options_, in);
      job.cdn_unavailable = HttpGate::DelayOver(options_, in);
      ApplyRates(job);
      PumpCdn(job);
    }
    if (any) Publish(job);
    if (job.progress_dirty) {
      job.progress_dirty = false;
      Touch(job);
      if (job.state == JobState::kTransferring) Notify(job, JobEvent::kModification);
    }
  }
  PersistProgress();
  CancelInactive();
  CheckCacheLimits();
}

Engine::Engine(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

std::unique_ptr<Engine> Engine::Start(const EngineOptions& options, JobObserver* observer,
                                      std::string* error, EngineSeams seams) {
  auto impl = std::make_unique<Impl>(options, observer,
                                     seams.clock ? std::move(seams.clock) : SteadyClock());
  Impl* raw = impl.get();
  if (!options.data_dir.empty()) {
    // The lock first: a second engine must not even read a store another one writes.
    impl->lock_ = DataDirLock::Acquire(options.data_dir, error);
    if (!impl->lock_) return nullptr;
    impl->store_ = OpenSqliteJobStore(options.data_dir, &impl->store_warnings_, error);
    if (!impl->store_) return nullptr;
  }
  impl->session_ = TorrentSession::Create(options, [raw] { raw->Wake(); }, error);
  if (!impl->session_) return nullptr;
  FetchOptions fetch;
  fetch.timeout_s = options.http_timeout_s;
  fetch.ca_file = options.ca_file;
  fetch.max_redirects = options.http_max_redirects;
  fetch.proxy = options.http_proxy;
  fetch.no_proxy = options.http_no_proxy;
  impl->fetcher_ = std::make_unique<HttpFetcher>(fetch);
  impl->ranges_ = std::make_unique<RangeFetcher>(fetch, Impl::kCdnWorkers);
  impl->verifier_ = std::make_unique<BackgroundQueue>();
  if (seams.http_source) {
    impl->http_ = std::move(seams.http_source);
  } else {
    HttpSourceOptions http;
    http.ca_file = options.ca_file;
    http.connect_timeout_s = options.http_connect_timeout_s;
    http.stall_timeout_s = options.http_stall_timeout_s;
    http.max_redirects = options.http_max_redirects;
    http.proxy = options.http_proxy;
    http.no_proxy = options.http_no_proxy;
    impl->http_ = MakeCurlHttpSource(http);
  }
  std::promise<void> started;
  impl->thread_ = std::thread([raw, &started] {
    raw->engine_thread_id_ = std::this_thread::get_id();
    raw->Restore();  // before any caller can ask: restored jobs are there from the start
    started.set_value();
    raw->Run();
  });
  started.get_future().wait();
  return std::unique_ptr<Engine>(new Engine(std::move(impl)));
}

Engine::~Engine() {
  // The engine thread goes first (it cancels HTTP transfers on its way out); results the
  // workers post after that are dropped. Then the workers are joined.
  impl_->Stop();
  impl_->http_.reset();
  impl_->fetcher_.reset();
  impl_->ranges_.reset();
  impl_->verifier_.reset();
}

std::string Engine::ListenEndpoint() const {
  std::string out;
  impl_->Call([&](Impl::Reply reply) {
    out = impl_->session_->ListenEndpoint();
    reply(hr::kOk);
  });
  return out;
}

const EngineOptions& Engine::options() const { return impl_->options_; }

std::string Engine::StartupWarnings() const { return impl_->store_warnings_; }

hr::HResult Engine::CreateJob(const std::string& display_name,
                              std::shared_ptr<const JobView>* job) {
  return impl_->Call([&](Impl::Reply reply) { reply(impl_->CreateJob(display_name, job)); });
}

std::shared_ptr<const JobView> Engine::FindJob(const Uuid& id) const {
  std::shared_ptr<const JobView> out;
  impl_->Call([&](Impl::Reply reply) {
    Job* job = impl_->FindJob(id);
    if (job != nullptr && !IsFinal(job->state)) out = job->view;
    reply(hr::kOk);
  });
  return out;
}

std::vector<std::shared_ptr<const JobView>> Engine::ListJobs() const {
  std::vector<std::shared_ptr<const JobView>> out;
  impl_->Call([&](Impl::Reply reply) {
    impl_->ForEachLiveJob([&](Job& job) { out.push_back(job.view); });
    reply(hr::kOk);
  });
  return out;
}

// Runs `fn(job, reply)` on the engine thread for a known job, else BG_E_NOT_FOUND.
// Mutators wait out nothing: while Complete or Cancel runs they are refused.
template <typename Fn>
static hr::HResult WithJob(Engine::Impl& impl, const Uuid& id, Fn fn, bool mutator = true) {
  return impl.Call([&impl, &id, &fn, mutator](Engine::Impl::Reply reply) {
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
  return WithJob(*impl_, id, [&](Job& job, Impl::Reply reply) {
    *out = job.props;
    reply(hr::kOk);
  }, false);
}

hr::HResult Engine::SetProperties(const Uuid& id,
                                  const std::function<hr::HResult(JobProperties&)>& edit) {
  return WithJob(*impl_, id, [&](Job& job, Impl::Reply reply) {
    reply(impl_->SetProperties(job, edit));
  });
}

hr::HResult Engine::GetFiles(const Uuid& id, std::vector<FileInfo>* out) const {
  return WithJob(*impl_, id, [&](Job& job, Impl::Reply reply) {
    out->clear();
    for (const JobFile& f : job.files) {
      out->push_back({f.spec.remote_url, f.spec.local_path, f.temp_path()});
    }
    reply(hr::kOk);
  }, false);
}

hr::HResult Engine::GetError(const Uuid& id, JobErrorInfo* out) const {
  return WithJob(*impl_, id, [&](Job& job, Impl::Reply reply) {
    if ((job.state != JobState::kError && job.state != JobState::kTransientError) || !job.error) {
      return reply(hr::kBgEErrorInformationUnavailable);
    }
    *out = *job.error;
    reply(hr::kOk);
  }, false);
}

hr::HResult Engine::AddSeed(const std::string& metainfo, const std::string& dir,
                            std::string* error) {
  std::string scratch;
  std::string* err = error != nullptr ? error : &scratch;
  return impl_->Call([&](Impl::Reply reply) { impl_->AddSeed(metainfo, dir, reply, err); });
}

}  // namespace shoal::engine
