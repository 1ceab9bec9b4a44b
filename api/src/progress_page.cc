#include "api/src/progress_page.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <new>
#include <tuple>

namespace shoal::api {
namespace {

constexpr std::uint32_t kHeaderSize = sizeof(PageHeader);
// What a reader needs before it maps: no shrinking (a mapping past the end faults).
constexpr int kReaderSeals = F_SEAL_SHRINK;
// What the writer sets: fixed size, and no one (the receiver of the fd included) can make a
// writable mapping or write(2) to it; the writer's own mapping, made before, stays writable.
constexpr int kWriterSeals = F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_FUTURE_WRITE | F_SEAL_SEAL;

std::size_t SegmentBytes(std::uint32_t slots) {
  return kHeaderSize + static_cast<std::size_t>(slots) * sizeof(PageSlot);
}

void SetError(std::string* error, const std::string& what) {
  if (error != nullptr) *error = what;
}

hr::HResult Errno(std::string* error, const std::string& what) {
  const int err = errno;
  SetError(error, what + ": " + std::strerror(err));
  return hr::FromErrno(err) == hr::kOk ? hr::kFail : hr::FromErrno(err);
}

std::uint64_t RandomInstance() {
  const Uuid u = Uuid::Random();
  std::uint64_t v = 0;
  std::memcpy(&v, u.data4, sizeof v);
  return v ^ (static_cast<std::uint64_t>(u.data1) << 32) ^ 1;  // never 0
}

ProgressPageWriter::Limits Checked(ProgressPageWriter::Limits l) {
  if (l.slots_per_segment == 0) l.slots_per_segment = 1;
  return l;
}

}  // namespace

JobFigures ReadFigures(const JobHandle& job) {
  JobFigures f;
  f.state = job.State();
  f.error_count = job.ErrorCount();
  f.progress = job.Progress();
  f.sources = job.Sources();
  f.times = job.Times();
  f.activity = job.Activity();
  return f;
}

// One sealed memfd and the writer's own (writable) mapping of it.
struct ProgressPageWriter::Segment {
  int fd = -1;
  void* base = nullptr;
  std::size_t size = 0;
  std::uint32_t used = 0;  // slots handed out at least once
  std::vector<SlotState> states;

  ~Segment() {
    if (base != nullptr) ::munmap(base, size);
    if (fd >= 0) ::close(fd);
  }
  PageSlot* Slot(std::uint32_t i) const {
    return reinterpret_cast<PageSlot*>(static_cast<char*>(base) + kHeaderSize) + i;
  }
};

ProgressPageWriter::ProgressPageWriter(Limits limits)
    : limits_(Checked(limits)), instance_(RandomInstance()) {}

ProgressPageWriter::~ProgressPageWriter() = default;

hr::HResult ProgressPageWriter::Allocate(uid_t uid, const Uuid& job, SlotRef* slot,
                                         std::string* error) {
  engine::MutexLock lock(mu_);
  PageSet& set = sets_[uid];
  std::uint32_t seg = 0;
  std::uint32_t index = 0;
  if (!set.segments.empty() && set.segments.back()->used < limits_.slots_per_segment) {
    seg = static_cast<std::uint32_t>(set.segments.size() - 1);
    index = set.segments.back()->used++;
  } else if (set.freed_head < set.freed.size()) {
    std::tie(seg, index) = set.freed[set.freed_head++];
    if (set.freed_head == set.freed.size()) {
      set.freed.clear();
      set.freed_head = 0;
    }
  } else {
    const std::size_t slots = (set.segments.size() + 1) * limits_.slots_per_segment;
    if (slots > limits_.max_slots_per_uid) {
      SetError(error, "uid " + std::to_string(uid) + " has " +
                          std::to_string(limits_.max_slots_per_uid) + " progress slots in use");
      return hr::kBgETooManyJobsPerUser;
    }
    auto s = std::make_unique<Segment>();
    const std::string name = "shoal-progress-" + std::to_string(uid);
    s->fd = ::memfd_create(name.c_str(), MFD_CLOEXEC | MFD_ALLOW_SEALING);
    if (s->fd < 0) return Errno(error, "memfd_create");
    s->size = SegmentBytes(limits_.slots_per_segment);
    if (::ftruncate(s->fd, static_cast<off_t>(s->size)) != 0) return Errno(error, "ftruncate");
    s->base = ::mmap(nullptr, s->size, PROT_READ | PROT_WRITE, MAP_SHARED, s->fd, 0);
    if (s->base == MAP_FAILED) {
      s->base = nullptr;
      return Errno(error, "mmap");
    }
    if (::fcntl(s->fd, F_ADD_SEALS, kWriterSeals) != 0) return Errno(error, "F_ADD_SEALS");
    PageHeader* h = new (s->base) PageHeader;
    h->magic = kPageMagic;
    h->version = kPageVersion;
    h->header_size = kHeaderSize;
    h->slot_size = sizeof(PageSlot);
    h->slot_count = limits_.slots_per_segment;
    h->segment = static_cast<std::uint32_t>(set.segments.size());
    h->uid = static_cast<std::uint32_t>(uid);
    h->instance = instance_;
    for (std::uint32_t i = 0; i < limits_.slots_per_segment; ++i) new (s->Slot(i)) PageSlot;
    s->states.resize(limits_.slots_per_segment);
    seg = h->segment;
    index = s->used++;
    set.segments.push_back(std::move(s));
  }
  Segment& s = *set.segments[seg];
  SlotState& state = s.states[index];
  PageSlot* p = s.Slot(index);
  ++state.generation;
  state.in_use = true;
  // A new job's figures before the new tag: a reader that sees the tag sees them too.
  state.last = JobFigures{};
  p->cells.progress.Store({});
  p->cells.sources.Store({});
  p->cells.times.Store({});
  p->cells.activity.Store({});
  p->cells.error_count.store(0, std::memory_order_relaxed);
  p->cells.state.store(JobState::kSuspended, std::memory_order_release);
  p->tag.Store({state.generation, job, 1, 0});
  *slot = {static_cast<std::uint32_t>(uid), seg, index, state.generation, instance_};
  return hr::kOk;
}

std::pair<PageSlot*, ProgressPageWriter::SlotState*> ProgressPageWriter::Find(const SlotRef& ref) {
  const auto it = sets_.find(static_cast<uid_t>(ref.uid));
  if (it == sets_.end() || ref.segment >= it->second.segments.size()) return {nullptr, nullptr};
  Segment& s = *it->second.segments[ref.segment];
  if (ref.index >= s.used) return {nullptr, nullptr};
  SlotState& state = s.states[ref.index];
  if (!state.in_use || state.generation != ref.generation) return {nullptr, nullptr};
  return {s.Slot(ref.index), &state};
}

hr::HResult ProgressPageWriter::Publish(const SlotRef& slot, const JobFigures& f) {
  engine::MutexLock lock(mu_);
  auto [p, state] = Find(slot);
  if (p == nullptr) return hr::kInvalidArg;
  JobFigures& last = state->last;
  // Unchanged figures are not stored again: each store makes concurrent readers retry.
  const auto same = [](const auto& a, const auto& b) { return std::memcmp(&a, &b, sizeof a) == 0; };
  if (!same(f.progress, last.progress)) p->cells.progress.Store(f.progress);
  if (!same(f.sources, last.sources)) p->cells.sources.Store(f.sources);
  if (!same(f.times, last.times)) p->cells.times.Store(f.times);
  if (!same(f.activity, last.activity)) p->cells.activity.Store(f.activity);
  if (f.error_count != last.error_count) {
    p->cells.error_count.store(f.error_count, std::memory_order_relaxed);
  }
  if (f.state != last.state) p->cells.state.store(f.state, std::memory_order_release);
  last = f;
  return hr::kOk;
}

hr::HResult ProgressPageWriter::Free(const SlotRef& slot) {
  engine::MutexLock lock(mu_);
  auto [p, state] = Find(slot);
  if (p == nullptr) return hr::kInvalidArg;
  state->in_use = false;
  SlotTag tag = p->tag.Load();
  tag.in_use = 0;
  p->tag.Store(tag);
  sets_[static_cast<uid_t>(slot.uid)].freed.emplace_back(slot.segment, slot.index);
  return hr::kOk;
}

std::vector<int> ProgressPageWriter::SegmentFds(uid_t uid) const {
  engine::MutexLock lock(mu_);
  std::vector<int> fds;
  const auto it = sets_.find(uid);
  if (it == sets_.end()) return fds;
  for (const auto& s : it->second.segments) fds.push_back(s->fd);
  return fds;
}

std::vector<uid_t> ProgressPageWriter::Uids() const {
  engine::MutexLock lock(mu_);
  std::vector<uid_t> out;
  for (const auto& [uid, set] : sets_) out.push_back(uid);
  return out;
}

ProgressPageReader::~ProgressPageReader() {
  engine::MutexLock lock(mu_);
  for (auto& [key, m] : maps_) ::munmap(const_cast<void*>(m.base), m.size);
}

hr::HResult ProgressPageReader::Map(int fd, std::string* error) {
  struct Closer {
    int fd;
    ~Closer() {
      if (fd >= 0) ::close(fd);
    }
  } closer{fd};
  if (fd < 0) {
    SetError(error, "no progress segment (fd " + std::to_string(fd) + ")");
    return hr::kInvalidArg;
  }
  const int seals = ::fcntl(fd, F_GET_SEALS);
  if (seals < 0 || (seals & kReaderSeals) != kReaderSeals) {
    SetError(error, "progress segment is not a memfd sealed against shrinking");
    return hr::kInvalidArg;
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0) return Errno(error, "fstat of the progress segment");
  const auto size = static_cast<std::size_t>(st.st_size);
  if (size < kHeaderSize) {
    SetError(error, "progress segment of " + std::to_string(size) + " bytes has no header");
    return hr::kInvalidArg;
  }
  void* base = ::mmap(nullptr, size, PROT_READ, MAP_SHARED, fd, 0);
  if (base == MAP_FAILED) return Errno(error, "mmap of the progress segment");
  PageHeader h;
  std::memcpy(&h, base, sizeof h);
  std::string bad;
  if (h.magic != kPageMagic || h.version != kPageVersion) {
    bad = "not a version " + std::to_string(kPageVersion) + " progress segment";
  } else if (h.header_size != kHeaderSize || h.slot_size != sizeof(PageSlot)) {
    bad = "progress segment laid out for another build (slot of " + std::to_string(h.slot_size) +
          " bytes, expected " + std::to_string(sizeof(PageSlot)) + ")";
  } else if (SegmentBytes(h.slot_count) > size) {
    bad = "progress segment of " + std::to_string(size) + " bytes cannot hold " +
          std::to_string(h.slot_count) + " slots";
  }
  if (!bad.empty()) {
    ::munmap(base, size);
    SetError(error, bad);
    return hr::kInvalidArg;
  }
  engine::MutexLock lock(mu_);
  const auto [it, added] =
      maps_.try_emplace({h.instance, h.uid, h.segment}, Mapping{base, size, h.slot_count});
  if (!added) {
    ::munmap(base, size);
    return hr::kFalse;
  }
  return hr::kOk;
}

const PageSlot* ProgressPageReader::Slot(const SlotRef& slot) const {
  engine::MutexLock lock(mu_);
  const auto it = maps_.find({slot.instance, slot.uid, slot.segment});
  if (it == maps_.end() || slot.index >= it->second.slot_count) return nullptr;
  return reinterpret_cast<const PageSlot*>(static_cast<const char*>(it->second.base) +
                                           kHeaderSize) +
         slot.index;
}

bool ProgressPageReader::Cells(const SlotRef& slot, const JobCells** cells) const {
  const PageSlot* p = Slot(slot);
  if (p == nullptr) return false;
  *cells = &p->cells;
  return true;
}

bool ProgressPageReader::Current(const SlotRef& slot, const Uuid& job) const {
  const PageSlot* p = Slot(slot);
  if (p == nullptr) return false;
  const SlotTag tag = p->tag.Load();
  return tag.in_use != 0 && tag.generation == slot.generation && tag.job == job;
}

}  // namespace shoal::api
