// One content, one transfer (decision 0013), on the engine thread: a job file whose content
// another job file already fetches follows it instead of fetching it again. The leader runs
// the transfer exactly as an unshared file does (its torrent, its HTTP transfer, its temp
// file); followers mirror its verified pieces, bytes and sources into their own progress, copy
// its file on Complete, and take the file over when the leader stops while they still want it.
// The map of who shares what is Transfers' (transfers.h).
#include <unistd.h>

#include <cerrno>
#include <cstdio>

#include "engine/engine_impl.h"
#include "engine/file_copy.h"
#include "engine/log.h"

namespace shoal::engine {

bool Engine::Impl::Follow(Job& job, int index) {
  const FileRef me{job.view->id, index};
  Transfers::Transfer* t = transfers_.Of(me);
  if (t == nullptr) {
    std::string key = Transfers::KeyOf(job.files[index]);
    if (key.empty()) return false;  // its metainfo is not known yet: nothing to share
    switch (Admit(job, index, &key)) {
      case Admission::kWait:
        return true;  // the origin's validator decides
      case Admission::kAlone:
        return false;
      case Admission::kJoin:
        break;
    }
    t = &transfers_.Join(key, me);
  }
  if (t->moving) return true;         // the content is on its way to a new leader
  if (t->leader == me) return false;  // it leads: it starts or resumes as an unshared file
  Job* leader = FindJob(t->leader.job);
  if (leader == nullptr) return false;
  const int lf = t->leader.file;
  // A leader that stopped before the content was whole hands its file over to the first
  // follower that wants it again; a busy one (Cancel, Complete) passes it on when done.
  if (!IsActive(leader->state) && !leader->busy && !leader->tracker.FileDone(lf)) {
    Handover(*t, me);
    return true;
  }
  if (Sync(*leader, lf, job, index)) Publish(job);
  leader->leads_foreground = leader->leads_foreground || Foreground(job);
  // A leader with byte ranges that has them all fetches nothing more: this file wants more.
  if (Satisfied(*leader, lf) && !job.tracker.FileDone(index)) PassOn(*t, me);
  return true;
}

bool Engine::Impl::Satisfied(const Job& leader, int file) const {
  const JobFile& f = leader.files[file];
  return leader.tracker.HasRanges(file) && !f.restored && leader.tracker.FileDone(file);
}

void Engine::Impl::PassOn(Transfers::Transfer& t, FileRef to) {
  const FileRef me = t.leader;
  Job* leader = FindJob(me.job);
  if (leader == nullptr || FindJob(to.job) == nullptr) return;
  JobFile& from = leader->files[me.file];
  Logf(LogLevel::kInfo, "transfers", "%s: job %s has its ranges; job %s carries on the transfer",
       from.spec.remote_url.c_str(), me.job.ToString().c_str(), to.job.ToString().c_str());
  t.moving = true;
  transfers_.Promote(t, to);
  transfers_.Leave(me);  // it wants nothing more and keeps its own file for its Complete
  // Once the session let go of the old torrent, the new leader starts from a copy of what the
  // old one verified; its torrent's check counts only the pieces that are right.
  auto moved = [this, key = t.key, to, src = from.temp_path(), had = from.temp_created] {
    Job* next = FindJob(to.job);
    if (had && next != nullptr && !IsFinal(next->state)) {
      const int fd = OpenTemp(*next, to.file);
      std::string why;
      if (fd >= 0 && CopyFileTo(src, fd, &why) != 0) {
        Logf(LogLevel::kWarning, "transfers", "cannot copy %s (%s): fetching again", src.c_str(),
             why.c_str());
      }
      if (fd >= 0) ::close(fd);
      next->files[to.file].awaiting_check = true;  // the CDN waits for the check of the copy
    }
    HandedOver(key, to, "");
  };
  if (from.torrent < 0) return moved();
  const int key = from.torrent;
  from.torrent = -1;
  jobs_.Disown(key);
  on_removed_[key] = std::move(moved);
  swarm_->Remove(key);  // one torrent per content in the session: the new leader adds it again
}

bool Engine::Impl::Sync(Job& leader, int lf, Job& job, int index) {
  const JobFile& from = leader.files[lf];
  JobFile& f = job.files[index];
  f.content_at = from.temp_path();
  f.restored = false;  // its progress is the leader's from now on
  bool changed = false;
  if (f.spec.metainfo.empty() && !from.spec.metainfo.empty()) f.spec.metainfo = from.spec.metainfo;
  f.http.plain = from.http.plain;
  const std::uint64_t size = leader.tracker.FileSize(lf);
  if (size != kSizeUnknown && job.tracker.FileSize(index) != size) {
    job.tracker.SetFileSize(index, size);
    changed = true;
  }
  const std::uint64_t before = job.tracker.File(index).bytes_transferred;
  if (from.tracked >= 0) {
    if (f.tracked < 0) {
      TorrentLayout layout = leader.tracker.Layout(from.tracked);
      for (TorrentLayout::File& file : layout.files) {
        if (file.job_file >= 0) file.job_file = index;
      }
      job.tracker.SetStreamedBytes(index, 0);  // pieces count from here
      f.tracked = job.tracker.AddTorrent(layout);
      if (f.tracked < 0) return false;
    }
    for (int p = 0; p < leader.tracker.num_pieces(from.tracked); ++p) {
      if (leader.tracker.PieceCounted(from.tracked, p) && !job.tracker.PieceCounted(f.tracked, p)) {
        job.tracker.OnPieceVerified(f.tracked, p);
      }
    }
  } else if (from.http.plain) {
    f.http.bytes = from.http.bytes;
    f.http.high_water = std::max(f.http.high_water, from.http.bytes);
    job.tracker.SetStreamedBytes(index, from.http.bytes);
  }
  const std::uint64_t after = job.tracker.File(index).bytes_transferred;
  // The bytes it has came the way the leader's came; what it uploads stays its own.
  const std::uint64_t uploaded = f.sources.to_peers;
  f.sources = from.sources;
  f.sources.to_peers = uploaded;
  return changed || after != before;
}

void Engine::Impl::Mirror(Job& leader) {
  for (int i = 0; i < static_cast<int>(leader.files.size()); ++i) {
    Transfers::Transfer* t = transfers_.Of({leader.view->id, i});
    if (t == nullptr || !(t->leader.job == leader.view->id) || t->followers.empty()) continue;
    const std::vector<FileRef> followers = t->followers;  // Schedule below may change the list
    for (const FileRef& ref : followers) {
      Job* job = FindJob(ref.job);
      if (job == nullptr || !IsActive(job->state) || job->busy) continue;
      if (!Sync(leader, i, *job, ref.file)) continue;
      Progressed(*job, /*new_bytes=*/true);
      if (IsActive(job->state) && job->tracker.FileDone(ref.file)) Schedule(*job);
    }
    // The leader's ranges are in while a follower wants more: that one leads from here.
    t = transfers_.Of({leader.view->id, i});
    if (t == nullptr || !(t->leader.job == leader.view->id) || t->moving || !Satisfied(leader, i)) {
      continue;
    }
    for (const FileRef& ref : t->followers) {
      Job* job = FindJob(ref.job);
      if (job != nullptr && IsActive(job->state) && !job->busy &&
          !job->tracker.FileDone(ref.file)) {
        PassOn(*t, ref);
        break;
      }
    }
  }
}

void Engine::Impl::Reelect(Job& job) {
  for (int i = 0; i < static_cast<int>(job.files.size()); ++i) {
    Transfers::Transfer* t = transfers_.Of({job.view->id, i});
    if (t == nullptr || !(t->leader.job == job.view->id) || t->moving || job.tracker.FileDone(i)) {
      continue;
    }
    for (const FileRef& ref : t->followers) {
      Job* other = FindJob(ref.job);
      if (other != nullptr && IsActive(other->state) && !other->busy) {
        Handover(*t, ref);  // the transfer goes on for the job that still wants it
        break;
      }
    }
  }
}

void Engine::Impl::Handover(Transfers::Transfer& t, FileRef to) {
  Job* leader = FindJob(t.leader.job);
  if (leader == nullptr) return;
  JobFile& from = leader->files[t.leader.file];
  Logf(LogLevel::kInfo, "transfers", "%s: job %s carries on the transfer of job %s",
       from.spec.remote_url.c_str(), to.job.ToString().c_str(), t.leader.job.ToString().c_str());
  t.moving = true;
  transfers_.Promote(t, to);  // the old leader follows: it still wants the content
  // The file is the transfer's now: the old leader's Cancel must not delete it.
  std::string src = from.temp_created ? from.temp_path() : "";
  from.temp_created = false;
  auto moved = [this, key = t.key, to, src] { HandedOver(key, to, src); };
  if (from.torrent < 0) return moved();
  const int key = from.torrent;
  from.torrent = -1;
  jobs_.Disown(key);
  on_removed_[key] = std::move(moved);
  swarm_->Remove(key);  // one torrent per content in the session: the new leader adds it again
}

void Engine::Impl::HandedOver(const std::string& key, const FileRef& to, const std::string& src) {
  Transfers::Transfer* t = transfers_.Find(key);
  if (t != nullptr) t->moving = false;
  Job* job = FindJob(to.job);
  if (job == nullptr || t == nullptr || !(t->leader == to) || IsFinal(job->state)) {
    if (!src.empty()) ::unlink(src.c_str());  // nobody took it
    return;
  }
  JobFile& f = job->files[to.file];
  f.content_at.clear();
  if (!src.empty() && src != f.temp_path()) {
    f.awaiting_check = !f.http.plain;  // the CDN waits for the check of what it brings
    if (::rename(src.c_str(), f.temp_path().c_str()) == 0) {
      f.temp_created = true;
    } else {
      // Another file system: copy, and the transfer resumes from the copy.
      const int fd = OpenTemp(*job, to.file);
      std::string why;
      if (fd >= 0 && CopyFileTo(src, fd, &why) != 0) {
        Logf(LogLevel::kWarning, "transfers", "cannot take over %s (%s): fetching again",
             src.c_str(), why.c_str());
        HttpTransfers::Restart(*job, to.file);
      }
      if (fd >= 0) ::close(fd);
      ::unlink(src.c_str());
    }
  }
  for (const FileRef& ref : t->followers) {
    if (Job* other = FindJob(ref.job)) other->files[ref.file].content_at = f.temp_path();
  }
  if (IsActive(job->state)) Schedule(*job);
}

hr::HResult Engine::Impl::TakeShared(Job& job) {
  for (int i = 0; i < static_cast<int>(job.files.size()); ++i) {
    Transfers::Transfer* t = transfers_.Of({job.view->id, i});
    if (t == nullptr || t->leader.job == job.view->id || !FileReady(job, i)) continue;
    Job* leader = FindJob(t->leader.job);
    if (leader == nullptr) continue;
    const int fd = OpenTemp(job, i);
    if (fd < 0) return job.error ? job.error->code : hr::kFail;
    std::string why;
    const int err = CopyFileTo(leader->files[t->leader.file].temp_path(), fd, &why);
    const hr::HResult h = err == 0 ? hr::kOk : hr::FromErrno(err);
    const bool synced = ::fsync(fd) == 0;
    ::close(fd);
    if (hr::Failed(h) || !synced) {
      Logf(LogLevel::kWarning, "transfers", "job %s: cannot copy the shared content: %s",
           job.view->id.ToString().c_str(), why.c_str());
      return hr::Failed(h) ? h : hr::FromErrno(EIO);
    }
    job.files[i].content_at.clear();  // its own copy now
    transfers_.Leave({job.view->id, i});
  }
  return hr::kOk;
}

void Engine::Impl::LeaveTransfers(Job& job, bool completing) {
  for (int i = 0; i < static_cast<int>(job.files.size()); ++i) {
    const FileRef me{job.view->id, i};
    Transfers::Transfer* t = transfers_.Of(me);
    if (t == nullptr) continue;
    JobFile& f = job.files[i];
    f.content_at.clear();
    if (!(t->leader == me) || t->followers.empty()) {
      transfers_.Leave(me);
      continue;
    }
    // The leader goes while others want the content: the first active follower (else the
    // first) gets its file, by copy when this job keeps it (Complete), else by rename.
    FileRef next = t->followers.front();
    for (const FileRef& ref : t->followers) {
      Job* other = FindJob(ref.job);
      if (other != nullptr && IsActive(other->state)) {
        next = ref;
        break;
      }
    }
    Logf(LogLevel::kDebug, "transfers", "%s: job %s leaves; job %s carries on the transfer",
         f.spec.remote_url.c_str(), me.job.ToString().c_str(), next.job.ToString().c_str());
    transfers_.Promote(*t, next);
    transfers_.Leave(me);
    Job* to = FindJob(next.job);
    if (to == nullptr) continue;
    if (!f.temp_created) {  // nothing on disk to pass on: the new leader starts afresh
      HandedOver(t->key, next, "");
      continue;
    }
    if (completing && FileReady(job, i)) {
      const int fd = OpenTemp(*to, next.file);
      std::string why;
      if (fd >= 0 && CopyFileTo(f.temp_path(), fd, &why) != 0) {
        HttpTransfers::Restart(*to, next.file);  // fetched again by its new leader
      }
      to->files[next.file].awaiting_check = true;
      if (fd >= 0) ::close(fd);
      HandedOver(t->key, next, "");
    } else {
      f.temp_created = false;
      HandedOver(t->key, next, f.temp_path());
    }
  }
}

void Engine::Impl::ShareError(Job& job, hr::HResult code, ErrorContext context, int file,
                              const std::string& message, bool transient) {
  // What the content's transfer met (the origin, the network, the swarm) is every follower's
  // error too; a leader's own folder or whole-file check is its own, and the transfer passes
  // to a follower instead (Reelect).
  if (file < 0 || context == ErrorContext::kLocalFile || code == hr::kBgEValidationFailed) return;
  Transfers::Transfer* t = transfers_.Of({job.view->id, file});
  if (t == nullptr || !(t->leader.job == job.view->id)) return;
  const std::vector<FileRef> followers = t->followers;
  for (const FileRef& ref : followers) {
    Job* other = FindJob(ref.job);
    if (other == nullptr || !IsActive(other->state)) continue;
    if (transient) {
      TransientError(*other, code, context, ref.file, message);
    } else {
      Fail(*other, code, context, ref.file, message);
    }
  }
}

void Engine::Impl::UpdateLeadPriorities() {
  // Files waiting for a leader's validator look again (a tick later at most).
  const std::vector<FileRef> waiting = admitting_;
  for (const FileRef& ref : waiting) {
    Job* job = FindJob(ref.job);
    if (job == nullptr || !IsActive(job->state) || job->busy) {
      Waiting(ref, false);
    } else {
      Schedule(*job);
    }
  }
  if (transfers_.size() == 0) return;
  for (const auto& job : jobs_.all()) job->leads_foreground = false;
  transfers_.ForEach([this](Transfers::Transfer& t) {
    Job* leader = FindJob(t.leader.job);
    if (leader == nullptr) return;
    for (const FileRef& ref : t.followers) {
      const Job* other = FindJob(ref.job);
      if (other != nullptr && IsActive(other->state) &&
          other->props.priority == Priority::kForeground) {
        leader->leads_foreground = true;
      }
    }
  });
}

}  // namespace shoal::engine
