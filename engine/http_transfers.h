// HttpTransfers: plain-HTTP files (content without metainfo) on the engine thread — a
// transfer into the temp file through the HttpSource seam, resuming after the bytes counted;
// its reports turned into progress and bytes from HTTP; its outcome into the job's next step,
// a transient error or a fatal one. Owns each file's HttpFileState (below). Reports arrive as
// posted tasks and are dropped when stale (the job moved on, or a newer transfer replaced the
// one reporting). Engine-thread only.
#pragma once

#include <cstdint>
#include <memory>

#include "engine/http_source.h"

namespace shoal::engine {

struct Job;
struct JobFile;
class JobControl;

struct HttpFileState {
  bool plain = false;                      // fetched as plain HTTP (no metainfo)
  std::unique_ptr<HttpTransfer> transfer;  // in flight
  int attempt = 0;                         // token the reports of the transfer in flight carry
  std::uint64_t bytes = 0;                 // counted on disk
  std::uint64_t high_water = 0;            // the most ever counted: only going past it is progress
  // The last response's validator (ContentValidator), once one answered in this run.
  std::string validator;
  bool validator_known = false;
};

class HttpTransfers {
 public:
  HttpTransfers(HttpSource& source, JobControl& control);

  // Starts file `index` writing to `fd` (open for writing; the transfer owns it).
  void Start(Job& job, int index, int fd);
  // Cancels the job's transfers; their late reports no longer count.
  void Stop(Job& job);
  // Whether one of the job's files is being transferred (files go one at a time, in order).
  static bool Busy(const Job& job);
  // The file's content starts over from byte 0 (lost on disk, or not the expected bytes).
  static void Restart(Job& job, int index);

 private:
  void OnHead(const Uuid& id, int index, int token, std::uint64_t size, bool restarted,
              const std::string& validator);
  void OnBytes(const Uuid& id, int index, int token, std::uint64_t bytes);
  void OnDone(const Uuid& id, int index, int token, std::uint64_t bytes, HttpOutcome outcome);
  JobFile* Live(const Uuid& id, int index, int token, Job** job);

  HttpSource& source_;
  JobControl& control_;
};

}  // namespace shoal::engine
