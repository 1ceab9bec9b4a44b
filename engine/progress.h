// Turns hash-verified pieces into per-file and per-job BG_JOB_PROGRESS. Pieces may span
// files, pad files count for nothing, pieces may finish in any order and each counts once.
// Files fetched as a plain stream (no metainfo) report their bytes on disk instead.
// Knows nothing of libtorrent: a torrent is described by its linear file layout.
// Engine-thread only (thread-compatible).
#pragma once

#include <cstdint>
#include <vector>

#include "engine/types.h"

namespace shoal::engine {

struct TorrentLayout {
  struct File {
    std::uint64_t size = 0;
    int job_file = -1;  // the job file these bytes belong to; -1 for pad or unwanted files
  };
  std::uint64_t piece_length = 0;
  std::vector<File> files;  // in torrent order, pad files included
};

class ProgressTracker {
 public:
  // Adds a job file of `size` bytes (kSizeUnknown until metainfo says). Returns its index.
  int AddFile(std::uint64_t size = kSizeUnknown);
  void SetFileSize(int file, std::uint64_t size);
  // Only these bytes of the file are wanted (validated; empty: all): its totals become their
  // sum once its size is known, and a verified piece counts only the bytes it has of them.
  void SetFileRanges(int file, std::vector<ByteRange> ranges);
  // The wanted ranges resolved against the known size (empty: whole file or size unknown).
  const std::vector<ByteRange>& Resolved(int file) const { return files_[file].resolved; }
  bool HasRanges(int file) const { return !files_[file].ranges.empty(); }
  // Whether the piece holds any wanted byte of a job file (all pieces are, without ranges).
  bool PieceWanted(int torrent, int piece) const;
  // Registers a torrent whose files map to job files. Returns its key, or -1 if malformed.
  int AddTorrent(const TorrentLayout& layout);
  int num_pieces(int torrent) const;
  const TorrentLayout& Layout(int torrent) const { return torrents_[torrent].layout; }
  std::uint64_t piece_length(int torrent) const { return torrents_[torrent].layout.piece_length; }
  // Where a piece lies: its size in the torrent, and the one run of a job file's bytes in it
  // (`length` bytes from `at` in the piece are the file's from `file_offset`); the rest of the
  // piece is padding (a job's torrent holds one file, pad files around it). length 0: all pad.
  struct PieceExtent {
    std::uint64_t size = 0;
    std::uint64_t at = 0;
    std::uint64_t file_offset = 0;
    std::uint64_t length = 0;
  };
  PieceExtent Extent(int torrent, int piece, int job_file) const;
  // Whether a verified piece of `torrent` was counted.
  bool PieceCounted(int torrent, int piece) const { return torrents_[torrent].counted[piece]; }
  // Counts a verified piece once. Returns the bytes it added to job files (0 if repeated).
  std::uint64_t OnPieceVerified(int torrent, int piece);
  // Forgets a file's verified bytes (its temp file was lost). The torrent's pieces for it
  // become countable again.
  void ResetTorrent(int torrent);
  // For a file fed by a plain stream: `bytes` of it are on disk (may go down on a restart).
  // Never counts above the file's size.
  void SetStreamedBytes(int file, std::uint64_t bytes);

  JobProgress Progress() const;
  FileProgress File(int file) const;
  std::uint64_t FileSize(int file) const { return files_[file].size; }
  bool FileDone(int file) const;
  int num_files() const { return static_cast<int>(files_.size()); }

 private:
  struct FileAcc {
    std::uint64_t size = kSizeUnknown;
    std::uint64_t verified = 0;
    std::vector<ByteRange> ranges;    // as the caller gave them
    std::vector<ByteRange> resolved;  // against `size`, once known
    // The bytes wanted: the ranges' sum, or the whole size (kSizeUnknown until known).
    std::uint64_t wanted() const;
  };
  void Resolve(FileAcc& f);
  struct Torrent {
    TorrentLayout layout;
    std::vector<std::uint64_t> file_offsets;  // start of each layout file
    std::uint64_t total = 0;
    std::vector<bool> counted;
  };
  std::vector<FileAcc> files_;
  std::vector<Torrent> torrents_;
};

}  // namespace shoal::engine
