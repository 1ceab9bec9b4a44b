#include "engine/progress.h"

#include <algorithm>

#include "engine/byte_ranges.h"

namespace shoal::engine {

int ProgressTracker::AddFile(std::uint64_t size) {
  files_.push_back({size, 0});
  return static_cast<int>(files_.size()) - 1;
}

void ProgressTracker::SetFileSize(int file, std::uint64_t size) {
  FileAcc& f = files_[file];
  f.size = size;
  Resolve(f);
}

void ProgressTracker::SetFileRanges(int file, std::vector<ByteRange> ranges) {
  FileAcc& f = files_[file];
  f.ranges = std::move(ranges);
  Resolve(f);
}

std::uint64_t ProgressTracker::FileAcc::wanted() const {
  if (size == kSizeUnknown || ranges.empty()) return size;
  return RangeBytes(ranges, size);
}

void ProgressTracker::Resolve(FileAcc& f) {
  f.resolved.clear();
  // Ranges past the real size: the job fails with BG_E_INVALID_RANGE (jobs.cc); until then the
  // ranges inside it count.
  if (f.size != kSizeUnknown && !f.ranges.empty()) {
    for (const ByteRange& r : f.ranges) {
      if (r.offset >= f.size) continue;
      const std::uint64_t len =
          r.length == kLengthToEof ? f.size - r.offset : std::min(r.length, f.size - r.offset);
      f.resolved.push_back({r.offset, len});
    }
  }
  const std::uint64_t want = f.wanted();
  if (want != kSizeUnknown && f.verified > want) f.verified = want;
}

bool ProgressTracker::PieceWanted(int torrent, int piece) const {
  const Torrent& t = torrents_[torrent];
  if (piece < 0 || piece >= static_cast<int>(t.counted.size())) return false;
  const std::uint64_t begin = static_cast<std::uint64_t>(piece) * t.layout.piece_length;
  const std::uint64_t end = std::min(begin + t.layout.piece_length, t.total);
  for (std::size_t i = 0; i < t.layout.files.size(); ++i) {
    const int job_file = t.layout.files[i].job_file;
    if (job_file < 0) continue;
    const std::uint64_t f_begin = t.file_offsets[i];
    const std::uint64_t f_end = f_begin + t.layout.files[i].size;
    const std::uint64_t lo = std::max(begin, f_begin);
    const std::uint64_t hi = std::min(end, f_end);
    if (lo >= hi) continue;
    const FileAcc& acc = files_[job_file];
    if (acc.ranges.empty() || CoveredBytes(acc.resolved, lo - f_begin, hi - f_begin) > 0) {
      return true;
    }
  }
  return false;
}

int ProgressTracker::AddTorrent(const TorrentLayout& layout) {
  if (layout.piece_length == 0 || layout.files.empty()) return -1;
  Torrent t;
  t.layout = layout;
  for (const auto& f : layout.files) {
    if (f.job_file >= static_cast<int>(files_.size())) return -1;
    t.file_offsets.push_back(t.total);
    t.total += f.size;
  }
  if (t.total == 0) return -1;
  t.counted.assign((t.total + layout.piece_length - 1) / layout.piece_length, false);
  torrents_.push_back(std::move(t));
  return static_cast<int>(torrents_.size()) - 1;
}

int ProgressTracker::num_pieces(int torrent) const {
  return static_cast<int>(torrents_[torrent].counted.size());
}

ProgressTracker::PieceExtent ProgressTracker::Extent(int torrent, int piece, int job_file) const {
  PieceExtent e;
  const Torrent& t = torrents_[torrent];
  if (piece < 0 || piece >= static_cast<int>(t.counted.size())) return e;
  const std::uint64_t begin = static_cast<std::uint64_t>(piece) * t.layout.piece_length;
  const std::uint64_t end = std::min(begin + t.layout.piece_length, t.total);
  e.size = end - begin;
  for (std::size_t i = 0; i < t.layout.files.size(); ++i) {
    if (t.layout.files[i].job_file != job_file) continue;
    const std::uint64_t lo = std::max(begin, t.file_offsets[i]);
    const std::uint64_t hi = std::min(end, t.file_offsets[i] + t.layout.files[i].size);
    if (lo >= hi) continue;
    e.at = lo - begin;
    e.file_offset = lo - t.file_offsets[i];
    e.length = hi - lo;
    break;
  }
  return e;
}

std::uint64_t ProgressTracker::OnPieceVerified(int torrent, int piece) {
  if (torrent < 0 || torrent >= static_cast<int>(torrents_.size())) return 0;
  Torrent& t = torrents_[torrent];
  if (piece < 0 || piece >= static_cast<int>(t.counted.size()) || t.counted[piece]) return 0;
  t.counted[piece] = true;

  const std::uint64_t begin = static_cast<std::uint64_t>(piece) * t.layout.piece_length;
  const std::uint64_t end = std::min(begin + t.layout.piece_length, t.total);
  // First file whose extent reaches past `begin`.
  auto it = std::upper_bound(t.file_offsets.begin(), t.file_offsets.end(), begin);
  std::size_t i = static_cast<std::size_t>(it - t.file_offsets.begin()) - 1;
  std::uint64_t added = 0;
  for (; i < t.layout.files.size() && t.file_offsets[i] < end; ++i) {
    const std::uint64_t f_begin = t.file_offsets[i];
    const std::uint64_t f_end = f_begin + t.layout.files[i].size;
    std::uint64_t overlap = std::min(end, f_end) - std::max(begin, f_begin);
    const int job_file = t.layout.files[i].job_file;
    if (job_file < 0 || f_end <= begin) continue;
    FileAcc& acc = files_[job_file];
    if (!acc.ranges.empty()) {
      overlap = CoveredBytes(acc.resolved, std::max(begin, f_begin) - f_begin,
                             std::min(end, f_end) - f_begin);
    }
    // Never above the file's wanted bytes, whatever the layout claims.
    const std::uint64_t want = acc.wanted();
    const std::uint64_t room = want == kSizeUnknown ? overlap : want - acc.verified;
    const std::uint64_t add = std::min(overlap, room);
    acc.verified += add;
    added += add;
  }
  return added;
}

void ProgressTracker::ResetTorrent(int torrent) {
  Torrent& t = torrents_[torrent];
  std::fill(t.counted.begin(), t.counted.end(), false);
  for (const auto& f : t.layout.files) {
    if (f.job_file >= 0) files_[f.job_file].verified = 0;
  }
}

void ProgressTracker::SetStreamedBytes(int file, std::uint64_t bytes) {
  FileAcc& f = files_[file];
  const std::uint64_t want = f.wanted();
  f.verified = want == kSizeUnknown ? bytes : std::min(bytes, want);
}

JobProgress ProgressTracker::Progress() const {
  JobProgress p;
  p.files_total = static_cast<std::uint32_t>(files_.size());
  bool unknown = false;
  for (const auto& f : files_) {
    const std::uint64_t want = f.wanted();
    if (want == kSizeUnknown) {
      unknown = true;
    } else {
      p.bytes_total += want;
      if (f.verified == want) ++p.files_transferred;
    }
    p.bytes_transferred += f.verified;
  }
  if (unknown) p.bytes_total = kSizeUnknown;
  return p;
}

FileProgress ProgressTracker::File(int file) const {
  const FileAcc& f = files_[file];
  return {f.wanted(), f.verified, false};
}

bool ProgressTracker::FileDone(int file) const {
  const FileAcc& f = files_[file];
  const std::uint64_t want = f.wanted();
  return want != kSizeUnknown && f.verified == want;
}

}  // namespace shoal::engine
