// Download rate caps on the engine thread: DOMaxForegroundDownloadBandwidth and
// DOMaxBackgroundDownloadBandwidth shared by the active jobs of each class, foreground
// precedence, and the split of a file's cap between its peers and the CDN.
#include <algorithm>

#include "engine/engine_impl.h"

namespace shoal::engine {
namespace {

// While a FOREGROUND job is active, every other job is held to this trickle (bytes/s), so
// the foreground job gets the link and the others keep their connections.
constexpr std::uint64_t kBackgroundYieldBytesS = 16 * 1024;

bool Foreground(const Job& job) { return job.props.priority == Priority::kForeground; }

}  // namespace

std::uint64_t Engine::Impl::RateFor(const Job& job) const {
  const bool fg = Foreground(job);
  std::uint64_t limit = std::uint64_t{fg ? options_.max_foreground_download_kbps
                                         : options_.max_background_download_kbps} * 1024;
  std::uint64_t same_class = 0;
  bool foreground_active = false;
  for (const auto& other : jobs_) {
    if (!IsActive(other->state)) continue;
    if (Foreground(*other) == fg) ++same_class;
    foreground_active = foreground_active || Foreground(*other);
  }
  if (!fg && foreground_active) {
    limit = limit == 0 ? kBackgroundYieldBytesS : std::min(limit, kBackgroundYieldBytesS);
  }
  if (limit == 0) return 0;
  std::uint64_t files = 0;
  for (int i = 0; i < static_cast<int>(job.files.size()); ++i) {
    files += job.tracker.FileDone(i) ? 0 : 1;
  }
  const std::uint64_t share = limit / std::max<std::uint64_t>(same_class, 1) /
                              std::max<std::uint64_t>(files, 1);
  return std::max<std::uint64_t>(share, 1024);
}

void Engine::Impl::ApplyRates(Job& job) {
  const std::uint64_t rate = RateFor(job);
  for (JobFile& f : job.files) {
    if (f.torrent < 0) continue;
    // When the CDN may serve this file, its requests take the other half (cdn.cc).
    const std::uint64_t peers = job.cdn_unavailable ? std::max<std::uint64_t>(rate / 2, 1024)
                                                    : rate;
    session_->SetDownloadLimit(f.torrent, rate == 0 ? 0 : static_cast<int>(peers));
  }
}

EngineStats Engine::Impl::Stats() {
  EngineStats s = session_->Totals();
  s.cached_files = static_cast<std::uint32_t>(cached_.size());
  s.checks_resumed = checks_resumed_;
  s.checks_hashed = checks_hashed_;
  for (const auto& job : jobs_) {
    for (const JobFile& f : job->files) {
      if (f.http) s.bytes.from_http += f.sources.from_http;
    }
  }
  return s;
}

EngineStats Engine::GetStats() const {
  EngineStats out;
  impl_->Call([&](Impl::Reply reply) {
    out = impl_->Stats();
    reply(hr::kOk);
  });
  return out;
}

}  // namespace shoal::engine
