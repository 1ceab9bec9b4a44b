// RangedHttp: plain-HTTP files (no metainfo) that want only some byte ranges. Each range is
// fetched with HTTP Range requests through the PieceFetcher seam, in chunks, and written at its
// own offset in the temp file (Complete packs them, finish.cc); a first one-byte request learns
// the file's size from Content-Range when the ranges need it. Each chunk written is recorded
// with its SHA-256 (stored with the job), so a resumed or restarted file fetches only the
// chunks whose bytes on disk still match. Owns each file's RangedHttpState. Engine-thread
// only; answers come back through JobControl::Post.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "engine/types.h"

namespace shoal::engine {

struct Job;
class JobControl;
class PieceFetcher;
struct FetchResult;

// A chunk in the temp file (at its own offset) and the hex SHA-256 of the bytes written.
struct RangedChunk {
  ByteRange range;
  std::string sha256;
  bool operator==(const RangedChunk&) const = default;
};

struct RangedHttpState {
  bool busy = false;              // a request is in flight
  int fd = -1;                    // the temp file, while transferring
  int token = 0;                  // answers of an older run carry an older token
  std::vector<ByteRange> chunks;  // what is left to fetch, first first
  std::uint64_t bytes = 0;        // range bytes on disk (written, or kept from before)
  // The chunks written, kept across Suspend and (stored with the job) restarts; never trusted
  // before Verified has read them back.
  std::vector<RangedChunk> done;
};

class RangedHttp {
 public:
  static constexpr std::uint64_t kChunk = 1u << 20;

  RangedHttp(PieceFetcher& fetcher, JobControl& control) : fetcher_(fetcher), control_(control) {}

  // Starts file `index` writing to `fd` (open for writing; owned from here). The chunks of an
  // earlier run whose bytes in the temp file still match their digest are kept; the rest
  // (a torn write, a file changed or lost) are fetched again.
  void Start(Job& job, int index, int fd);
  // Cancels the job's requests (late answers are dropped) and closes the files.
  void Stop(Job& job);
  static bool Busy(const Job& job);

  // Of `chunks`, those whose bytes in the file at `path` have their recorded SHA-256.
  static std::vector<RangedChunk> Verified(const std::string& path,
                                           const std::vector<RangedChunk>& chunks);
  // "offset:length:sha256hex,..." and back; Decode returns false for anything else.
  static std::string EncodeChunks(const std::vector<RangedChunk>& chunks);
  static bool DecodeChunks(const std::string& text, std::vector<RangedChunk>* out);

 private:
  void Next(Job& job, int index);
  void OnAnswer(const Uuid& id, int index, int token, ByteRange chunk, bool probe, FetchResult r);

  PieceFetcher& fetcher_;
  JobControl& control_;
};

}  // namespace shoal::engine
