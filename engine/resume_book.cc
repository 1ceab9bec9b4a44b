#include "engine/resume_book.h"

#include <sys/stat.h>

#include <chrono>
#include <fstream>
#include <vector>

#include "engine/log.h"

namespace shoal::engine {
namespace {

const std::string& BootId() {
  static const std::string id = [] {
    std::ifstream in("/proc/sys/kernel/random/boot_id");
    std::string s;
    std::getline(in, s);
    return s;
  }();
  return id;
}

}  // namespace

FileStamp StampFile(const std::string& path) {
  FileStamp s;
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return s;
  s.size = st.st_size;
  s.mtime_ns = std::int64_t{st.st_mtim.tv_sec} * 1'000'000'000 + st.st_mtim.tv_nsec;
  s.inode = st.st_ino;
  s.boot_id = BootId();
  return s;
}

ResumeBook::ResumeBook(JobStore* store, Swarm& swarm) : store_(store), swarm_(swarm) {}

std::string ResumeBook::For(const std::string& path) {
  StoredResume r;
  if (store_ == nullptr || !store_->GetResume(path, &r)) return {};
  const FileStamp now = StampFile(path);
  if (now.size < 0 || !(now == r.stamp) || r.stamp.boot_id.empty()) return {};
  return std::move(r.data);
}

void ResumeBook::Keep(int key, std::string path) {
  if (store_ != nullptr) targets_[key] = {std::move(path)};
}

void ResumeBook::Forget(const std::string& path) {
  std::string error;
  if (store_ != nullptr && !store_->RemoveResume(path, &error)) {
    Logf(LogLevel::kWarning, "store", "cannot drop resume data of %s: %s", path.c_str(),
         error.c_str());
  }
}

void ResumeBook::Changed(int key) {
  if (auto it = targets_.find(key); it != targets_.end()) it->second.dirty = true;
}

void ResumeBook::OnChecked(const TorrentEvent& ev) {
  checks_resumed_ += ev.from_resume ? 1 : 0;
  checks_hashed_ += ev.hashed ? 1 : 0;
  if (auto it = targets_.find(ev.key); it != targets_.end()) it->second.checked = true;
  Changed(ev.key);
}

void ResumeBook::Save(bool quiescent) {
  for (auto& [key, r] : targets_) {
    if ((!r.dirty && !quiescent) || r.pending || !r.checked) continue;
    // Stamped before asking: a write after this makes the stamp stale, and the next start
    // hashes the file rather than trust data that may lack the newest pieces. A paused
    // torrent writes nothing more, so at shutdown the stamp is taken when the data arrives.
    r.stamp = quiescent ? std::nullopt : std::optional(StampFile(r.path));
    r.dirty = false;
    r.pending = true;
    if (quiescent) swarm_.Pause(key);
    swarm_.SaveResume(key);
  }
}

void ResumeBook::OnData(const TorrentEvent& ev) {
  auto it = targets_.find(ev.key);
  if (it == targets_.end()) return;
  Target& r = it->second;
  r.pending = false;
  if (ev.data.empty() || store_ == nullptr) return;
  StoredResume stored{ev.data, r.stamp ? *r.stamp : StampFile(r.path)};
  if (stored.stamp.size < 0) return;
  std::string error;
  if (!store_->PutResume(r.path, stored, &error)) {
    Logf(LogLevel::kWarning, "store", "cannot save resume data of %s: %s", r.path.c_str(),
         error.c_str());
  }
}

void ResumeBook::SaveForShutdown() {
  if (store_ == nullptr || targets_.empty()) return;
  Save(/*quiescent=*/true);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  std::vector<TorrentEvent> events;
  auto waiting = [this] {
    for (const auto& [key, r] : targets_) {
      if (r.pending) return true;
    }
    return false;
  };
  while (waiting() && std::chrono::steady_clock::now() < deadline) {
    swarm_.WaitForEvents(200);
    events.clear();
    swarm_.PopEvents(&events);
    for (const TorrentEvent& ev : events) {
      if (ev.kind == TorrentEvent::Kind::kResumeData) OnData(ev);
    }
  }
}

}  // namespace shoal::engine
