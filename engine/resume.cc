// libtorrent resume data across restarts (decision 0006): saved for each job file's torrent and
// each stored seed every persist interval once it changed, and at shutdown; given back to
// libtorrent at start only while the file on disk is exactly as it was when the data was saved
// (size, mtime, inode, same boot). Anything else (a crash mid-write, a reboot, a file touched
// behind our back) makes libtorrent hash the file instead, so resume data never vouches for
// bytes it has not seen.
#include <sys/stat.h>

#include <cstdio>
#include <fstream>

#include "engine/engine_impl.h"

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

std::string Engine::Impl::ResumeFor(const std::string& path) {
  StoredResume r;
  if (!store_ || !store_->GetResume(path, &r)) return {};
  const FileStamp now = StampFile(path);
  if (now.size < 0 || !(now == r.stamp) || r.stamp.boot_id.empty()) return {};
  return std::move(r.data);
}

void Engine::Impl::KeepResume(int key, std::string path) {
  if (store_) resume_[key] = {std::move(path)};
}

void Engine::Impl::ForgetResume(const std::string& path) {
  std::string error;
  if (store_ && !store_->RemoveResume(path, &error)) {
    std::fprintf(stderr, "shoal: cannot drop resume data of %s: %s\n", path.c_str(),
                 error.c_str());
  }
}

void Engine::Impl::NoteResumeChange(int key) {
  if (auto it = resume_.find(key); it != resume_.end()) it->second.dirty = true;
}

void Engine::Impl::SaveResume(bool quiescent) {
  for (auto& [key, r] : resume_) {
    if ((!r.dirty && !quiescent) || r.pending) continue;
    // Stamped before asking: a write after this makes the stamp stale, and the next start
    // hashes the file rather than trust data that may lack the newest pieces. A paused
    // torrent writes nothing more, so at shutdown the stamp is taken when the data arrives.
    r.stamp = quiescent ? std::nullopt : std::optional(StampFile(r.path));
    r.dirty = false;
    r.pending = true;
    if (quiescent) session_->Pause(key);
    session_->SaveResume(key);
  }
}

void Engine::Impl::OnResumeData(const TorrentEvent& ev) {
  auto it = resume_.find(ev.key);
  if (it == resume_.end()) return;
  ResumeTarget& r = it->second;
  r.pending = false;
  if (ev.data.empty()) return;
  StoredResume stored{ev.data, r.stamp ? *r.stamp : StampFile(r.path)};
  if (stored.stamp.size < 0) return;
  std::string error;
  if (!store_->PutResume(r.path, stored, &error)) {
    std::fprintf(stderr, "shoal: cannot save resume data of %s: %s\n", r.path.c_str(),
                 error.c_str());
  }
}

void Engine::Impl::SaveResumeForShutdown() {
  if (!store_ || resume_.empty()) return;
  SaveResume(/*quiescent=*/true);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  std::vector<TorrentEvent> events;
  auto waiting = [this] {
    for (const auto& [key, r] : resume_) {
      if (r.pending) return true;
    }
    return false;
  };
  while (waiting() && std::chrono::steady_clock::now() < deadline) {
    session_->WaitForEvents(200);
    events.clear();
    session_->PopEvents(&events);
    for (const TorrentEvent& ev : events) {
      if (ev.kind == TorrentEvent::Kind::kResumeData) OnResumeData(ev);
    }
  }
}

}  // namespace shoal::engine
