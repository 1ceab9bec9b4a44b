// A JobHandle over bare JobCells (no per-file records), as a service client builds over the
// progress page: what tests and benchmarks read GetProgress through. Thread-safe (reads only).
#pragma once

#include "api/src/backend.h"

namespace shoal::testing {

class CellsHandle : public api::JobHandle {
 public:
  CellsHandle(const api::Uuid& id, const api::JobCells* cells) : JobHandle(id, cells) {}
  std::size_t FileCount() const override { return 0; }
  api::FileProgress GetFileProgress(std::size_t) const override { return {}; }
  api::SourceBytes GetFileSources(std::size_t) const override { return {}; }
};

}  // namespace shoal::testing
