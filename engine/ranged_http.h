// RangedHttp: plain-HTTP files (no metainfo) that want only some byte ranges. Each range is
// fetched with HTTP Range requests through the PieceFetcher seam, in chunks, and written at its
// own offset in the temp file (Complete packs them, finish.cc); a first one-byte request learns
// the file's size from Content-Range when the ranges need it. Owns each file's
// RangedHttpState. Engine-thread only; answers come back through JobControl::Post.
#pragma once

#include <cstdint>
#include <vector>

#include "engine/types.h"

namespace shoal::engine {

struct Job;
class JobControl;
class PieceFetcher;
struct FetchResult;

struct RangedHttpState {
  bool busy = false;              // a request is in flight
  int fd = -1;                    // the temp file, while transferring
  int token = 0;                  // answers of an older run carry an older token
  std::vector<ByteRange> chunks;  // what is left to fetch, first first
  std::uint64_t bytes = 0;        // range bytes written this run
};

class RangedHttp {
 public:
  static constexpr std::uint64_t kChunk = 1u << 20;

  RangedHttp(PieceFetcher& fetcher, JobControl& control) : fetcher_(fetcher), control_(control) {}

  // Starts file `index` writing to `fd` (open for writing; owned from here). Bytes of an
  // earlier run are fetched again.
  void Start(Job& job, int index, int fd);
  // Cancels the job's requests (late answers are dropped) and closes the files.
  void Stop(Job& job);
  static bool Busy(const Job& job);

 private:
  void Next(Job& job, int index);
  void OnAnswer(const Uuid& id, int index, int token, ByteRange chunk, bool probe, FetchResult r);

  PieceFetcher& fetcher_;
  JobControl& control_;
};

}  // namespace shoal::engine
