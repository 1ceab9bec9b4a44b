// The progress page: shared memory through which the service publishes each job's JobCells
// (state, error count, progress, sources, times, activity) and its owner's processes read them
// without a call. ProgressPageWriter (the service) and ProgressPageReader (a client) are both
// thread-safe; reads through the JobCells a reader hands out are lock-free from any thread.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "api/src/backend.h"
#include "engine/mutex.h"

namespace shoal::api {

// Who holds a slot: `generation` moves at every Allocate of it, so a client holding an old
// SlotRef can tell its job's slot was freed and given to another job of the same user.
struct SlotTag {
  std::uint64_t generation = 0;
  Uuid job;
  std::uint32_t in_use = 0;
  std::uint32_t reserved = 0;
};

// One job's cells as they lie in the shared memory: exactly the types JobCells points at, so a
// client's JobHandle reads them in place. Lock-free atomics are address-free, so the same
// words work across processes; the service is the only writer of every slot.
struct alignas(64) PageSlot {
  SeqLocked<SlotTag> tag;
  JobCells cells;
};

// The first bytes of each segment (one memfd): written once before the segment is sealed and
// shared, checked by the reader before it trusts any slot.
struct alignas(64) PageHeader {
  std::uint64_t magic = 0;
  std::uint32_t version = 0;
  std::uint32_t header_size = 0;
  std::uint32_t slot_size = 0;
  std::uint32_t slot_count = 0;
  std::uint32_t segment = 0;  // its place in the user's page set
  std::uint32_t uid = 0;
  std::uint64_t instance = 0;  // the writer's (random): a restarted service's pages are others
};

inline constexpr std::uint64_t kPageMagic = 0x31656761'706c6873ull;  // "shlpage1"
inline constexpr std::uint32_t kPageVersion = 1;

static_assert(std::atomic<std::uint64_t>::is_always_lock_free);
static_assert(std::atomic<std::uint32_t>::is_always_lock_free);
static_assert(std::atomic<JobState>::is_always_lock_free);
static_assert(std::is_standard_layout_v<PageSlot> && std::is_standard_layout_v<PageHeader>);
static_assert(std::is_trivially_destructible_v<PageSlot>);  // a mapping is dropped, not destroyed
static_assert(std::is_trivially_copyable_v<SlotTag> && std::is_trivially_copyable_v<JobProgress> &&
              std::is_trivially_copyable_v<SourceBytes> && std::is_trivially_copyable_v<JobTimes> &&
              std::is_trivially_copyable_v<JobActivity> &&
              std::is_trivially_copyable_v<PageHeader>);
static_assert(sizeof(PageSlot) % 64 == 0, "slots never share a cache line");

// Names one slot of one user's page set: what the service tells the client along with a job.
struct SlotRef {
  std::uint32_t uid = 0;
  std::uint32_t segment = 0;
  std::uint32_t index = 0;  // within the segment
  std::uint64_t generation = 0;
  std::uint64_t instance = 0;  // the writer's PageHeader::instance
  friend bool operator==(const SlotRef&, const SlotRef&) = default;
};

// Every figure of one job the page carries, as values.
struct JobFigures {
  JobState state = JobState::kSuspended;
  std::uint32_t error_count = 0;
  JobProgress progress;
  SourceBytes sources;
  JobTimes times;
  JobActivity activity;
};

// Reads a job's figures through its handle (the service's in-process one), lock-free.
JobFigures ReadFigures(const JobHandle& job);

// The service's side: page sets by uid, each a list of sealed memfd segments of fixed size (a
// set grows by a new segment, never by resizing one). A slot is reused only when no fresh one
// is left, oldest freed first. Nothing is ever read back from a page.
class ProgressPageWriter {
 public:
  struct Limits {
    std::uint32_t slots_per_segment = 256;  // 48 KiB of shared memory per segment
    std::uint32_t max_slots_per_uid = 1 << 16;
  };
  ProgressPageWriter() : ProgressPageWriter(Limits{}) {}
  explicit ProgressPageWriter(Limits limits);
  ~ProgressPageWriter();  // unmaps and closes every segment; clients keep their mappings
  ProgressPageWriter(const ProgressPageWriter&) = delete;
  ProgressPageWriter& operator=(const ProgressPageWriter&) = delete;

  // A slot for `job` in `uid`'s set, its figures reset to a new job's (SUSPENDED, zeros).
  // BG_E_TOO_MANY_JOBS_PER_USER at the limit; the errno's HRESULT if a segment cannot be made.
  hr::HResult Allocate(uid_t uid, const Uuid& job, SlotRef* slot, std::string* error = nullptr);
  // Writes the figures that changed, the state last (a reader seeing TRANSFERRED sees the final
  // bytes). E_INVALIDARG for a slot not allocated at that generation.
  hr::HResult Publish(const SlotRef& slot, const JobFigures& figures);
  // Marks the slot free; its last figures stay readable until it is reused. E_INVALIDARG as
  // Publish.
  hr::HResult Free(const SlotRef& slot);

  // The memfds of `uid`'s segments, by segment number, still owned by the writer: send them
  // (SCM_RIGHTS) to that user's connections only. Sealed against shrinking, growing and any
  // new writable mapping. Empty before the uid's first Allocate.
  std::vector<int> SegmentFds(uid_t uid) const;
  // Every uid with a page set (what root's connections are sent).
  std::vector<uid_t> Uids() const;
  std::uint64_t instance() const { return instance_; }

 private:
  struct Segment;
  struct SlotState {
    std::uint64_t generation = 0;
    bool in_use = false;
    JobFigures last;
  };
  struct PageSet {
    std::vector<std::unique_ptr<Segment>> segments;
    std::vector<std::pair<std::uint32_t, std::uint32_t>> freed;  // FIFO of (segment, index)
    std::size_t freed_head = 0;
  };
  // The slot `ref` names if it is allocated at its generation, else null.
  std::pair<PageSlot*, SlotState*> Find(const SlotRef& ref) REQUIRES(mu_);

  const Limits limits_;
  const std::uint64_t instance_;
  mutable engine::Mutex mu_;
  std::map<uid_t, PageSet> sets_ GUARDED_BY(mu_);
};

// A client's side: the segments it was sent, mapped read-only for its whole life (JobCells
// handed out point into them, so the reader must outlive every handle built on its cells).
class ProgressPageReader {
 public:
  ProgressPageReader() = default;
  ~ProgressPageReader();
  ProgressPageReader(const ProgressPageReader&) = delete;
  ProgressPageReader& operator=(const ProgressPageReader&) = delete;

  // Maps the segment `fd` holds, after checking its seals (a segment that could shrink would
  // fault its readers), size and header; takes ownership of `fd` and closes it. S_FALSE when
  // that segment is already mapped (the mapping in use stays); E_INVALIDARG with *error for
  // anything that is not a sealed progress segment.
  hr::HResult Map(int fd, std::string* error = nullptr);
  // The cells of `slot`; false when its segment is not mapped or the index is out of range.
  bool Cells(const SlotRef& slot, const JobCells** cells) const;
  // True while `slot` still belongs to `job` at its generation (false once freed or reused).
  bool Current(const SlotRef& slot, const Uuid& job) const;

 private:
  struct Mapping {
    const void* base = nullptr;
    std::size_t size = 0;
    std::uint32_t slot_count = 0;
  };
  const PageSlot* Slot(const SlotRef& slot) const;

  mutable engine::Mutex mu_;
  // By (instance, uid, segment).
  std::map<std::tuple<std::uint64_t, std::uint32_t, std::uint32_t>, Mapping> maps_ GUARDED_BY(mu_);
};

}  // namespace shoal::api
