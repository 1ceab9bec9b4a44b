// Engine::Impl::AddRanges: another portion of a TRANSFERRED file with byte ranges
// (IDODownload::Start with new ranges, docs/api.md), on the engine thread.
#include "engine/byte_ranges.h"
#include "engine/engine_impl.h"

namespace shoal::engine {

hr::HResult Engine::Impl::AddRanges(Job& job, std::size_t index, std::vector<ByteRange> more) {
  AssertEngineThread(__func__);
  if (job.state != JobState::kTransferred) return hr::kBgEInvalidState;
  if (index >= job.files.size() || more.empty()) return hr::kInvalidArg;
  JobFile& f = job.files[index];
  const int i = static_cast<int>(index);
  if (f.spec.ranges.empty()) return hr::kInvalidArg;  // a whole file has no other portion
  std::vector<ByteRange> all = f.spec.ranges;
  all.insert(all.end(), more.begin(), more.end());
  if (const hr::HResult h = ValidateRanges(all, job.tracker.FileSize(i)); hr::Failed(h)) return h;
  f.spec.ranges = all;
  if (f.tracked >= 0) {
    // The pieces verified so far count again under the wider ranges: a piece may hold bytes of
    // a new range too.
    std::vector<int> counted;
    for (int p = 0; p < job.tracker.num_pieces(f.tracked); ++p) {
      if (job.tracker.PieceCounted(f.tracked, p)) counted.push_back(p);
    }
    job.tracker.ResetTorrent(f.tracked);
    job.tracker.SetFileRanges(i, all);
    for (int p : counted) job.tracker.OnPieceVerified(f.tracked, p);
  } else {
    job.tracker.SetFileRanges(i, all);  // plain HTTP: RangedHttp::Start recounts its chunks
  }
  if (f.torrent >= 0) swarm_->SetRanges(f.torrent, all);
  Publish(job);
  Persist(job);
  return Resume(job);  // TRANSFERRED -> QUEUED: Schedule fetches what is missing
}

}  // namespace shoal::engine
