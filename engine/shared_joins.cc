// How a job file joins a content's transfer (decisions 0013, 0017), on the engine thread: a
// plain-HTTP file only when the origin's validator now is the one the leader's response
// carried (a HEAD asks it), and a file of content the engine seeds by copying the seed's file
// (known good: no check, and the seed keeps seeding). The rest of the sharing is in
// shared_transfers.cc.
#include <unistd.h>

#include <algorithm>

#include "engine/engine_impl.h"
#include "engine/file_copy.h"
#include "engine/http_fetch.h"
#include "engine/http_source.h"
#include "engine/log.h"

namespace shoal::engine {

Engine::Impl::Admission Engine::Impl::Admit(Job& job, int index, std::string* key) {
  if (key->rfind("url:", 0) != 0) return Admission::kJoin;  // metainfo names its content
  const FileRef me{job.view->id, index};
  JobFile& f = job.files[index];
  for (;;) {
    const Transfers::Transfer* t = transfers_.Find(*key);
    const Job* leader = t == nullptr ? nullptr : FindJob(t->leader.job);
    if (leader == nullptr) {  // it leads: its own response names the content it fetches
      Waiting(me, false);
      return Admission::kJoin;
    }
    // Whether the origin still has the bytes the leader fetches: its validator now (a HEAD)
    // against the one the leader's response carried.
    if (f.probe != JobFile::Probe::kDone) {
      if (f.probe == JobFile::Probe::kNone) ProbeValidator(job, index);
      Waiting(me, true);
      return Admission::kWait;
    }
    const HttpFileState& theirs = leader->files[t->leader.file].http;
    if (!theirs.validator_known && theirs.transfer && IsActive(leader->state)) {
      Waiting(me, true);  // the leader's answer is on its way
      return Admission::kWait;
    }
    Waiting(me, false);
    if (theirs.validator_known && !f.probed.empty() && f.probed == theirs.validator) {
      return Admission::kJoin;
    }
    // Another version (or nothing says which): not the leader's bytes. The jobs that saw this
    // version share among themselves; past that, or without a validator, it fetches alone.
    Logf(LogLevel::kInfo, "transfers", "%s: job %s sees another version (%s, the transfer's %s)",
         f.spec.remote_url.c_str(), me.job.ToString().c_str(),
         f.probed.empty() ? "no validator" : f.probed.c_str(),
         theirs.validator_known ? theirs.validator.c_str() : "not known");
    if (f.own_key || f.probed.empty()) {
      f.alone = true;
      return Admission::kAlone;
    }
    f.own_key = true;
    *key = Transfers::KeyOf(f);
  }
}

void Engine::Impl::Waiting(const FileRef& ref, bool waits) {
  const auto it = std::find(admitting_.begin(), admitting_.end(), ref);
  if (waits && it == admitting_.end()) admitting_.push_back(ref);
  if (!waits && it != admitting_.end()) admitting_.erase(it);
}

void Engine::Impl::ProbeValidator(Job& job, int index) {
  JobFile& f = job.files[index];
  f.probe = JobFile::Probe::kAsking;
  const Uuid id = job.view->id;
  auto answered = [this, id, index](std::string validator) {
    Post([this, id, index, validator = std::move(validator)] {
      Job* j = FindJob(id);
      if (j == nullptr || index >= static_cast<int>(j->files.size())) return;
      j->files[index].probe = JobFile::Probe::kDone;
      j->files[index].probed = validator;
      if (IsActive(j->state) && !j->busy) Schedule(*j);
    });
  };
  HttpRequest head;
  head.url = f.spec.remote_url;
  head.use_proxy = job.props.proxy_usage != 1;  // BG_JOB_PROXY_USAGE_NO_PROXY
  head.headers = job.props.custom_headers;
  if (http_source_->AskValidator(head, answered)) return;
  fetcher_->Fetch(
      f.spec.remote_url,
      [answered](FetchResult r) {
        // A failed HEAD names no version: the file fetches alone, and meets the error itself.
        auto field = [&r](const char* name) {
          const auto it = r.headers.find(name);
          return it == r.headers.end() ? std::string() : it->second;
        };
        answered(hr::Failed(r.code) ? "" : ContentValidator(field("etag"), field("last-modified")));
      },
      job.props.custom_headers, /*head=*/true);
}

bool Engine::Impl::FromSeed(Job& job, int index) {
  const FileRef me{job.view->id, index};
  Transfers::Transfer* t = transfers_.Of(me);
  if (t == nullptr || !(t->leader == me) || t->key.rfind("btih:", 0) != 0) return false;
  const std::string hash = t->key.substr(5);
  if (CopyVerifiedSeed(job, index, hash)) return true;
  int seed = -1;
  std::string path;
  bool owned = false;
  if (!seeds_->Release(hash, &seed, &path, &owned)) return false;
  // The seeded file changed since its pieces were verified (or its check has not ended): the
  // copy is checked by the job's own torrent (added once the seed's is gone: one per content
  // in the session), so pieces a user changed are fetched again and the rest never are.
  Logf(LogLevel::kInfo, "transfers", "%s: taken from the seed at %s, to be checked",
       job.files[index].spec.remote_url.c_str(), path.c_str());
  const int fd = OpenTemp(job, index);
  if (fd < 0) return true;  // the job failed with a LOCAL_FILE error
  std::string why;
  if (CopyFileTo(path, fd, &why) != 0) {
    Logf(LogLevel::kWarning, "transfers", "cannot copy the seed: %s", why.c_str());
  }
  ::close(fd);
  if (owned) ::unlink(path.c_str());       // the store's one copy is the job's from now on
  job.files[index].awaiting_check = true;  // the CDN waits for the check of the copy
  t->moving = true;
  on_removed_[seed] = [this, key = t->key, me] {
    if (Transfers::Transfer* now = transfers_.Find(key)) now->moving = false;
    Job* j = FindJob(me.job);
    if (j != nullptr && IsActive(j->state)) Schedule(*j);
  };
  return true;
}

bool Engine::Impl::CopyVerifiedSeed(Job& job, int index, const std::string& info_hash) {
  std::string path;
  TorrentLayout layout;
  if (!seeds_->Verified(info_hash, &path, &layout)) return false;
  // A single-file torrent's payload is its one file that is not padding: the one of the
  // content's size.
  std::uint64_t size = 0;
  for (const TorrentLayout::File& f : layout.files) size = std::max(size, f.size);
  bool marked = false;
  for (TorrentLayout::File& f : layout.files) {
    f.job_file = !marked && f.size == size ? index : -1;
    marked = marked || f.job_file == index;
  }
  JobFile& f = job.files[index];
  const int fd = OpenTemp(job, index);
  if (fd < 0) return true;  // the job failed with a LOCAL_FILE error
  std::string why;
  const int err = CopyFileTo(path, fd, &why);  // a reflink where the file system can
  ::close(fd);
  if (err != 0) {
    Logf(LogLevel::kWarning, "transfers", "cannot copy the seed: %s", why.c_str());
    return false;
  }
  // The seed's pieces were verified and its file is as it was then, so the copy's are known
  // good: no check, no torrent of its own, and the seed keeps serving. The bytes come from
  // the engine's own store: they count in BytesTransferred and in none of the BytesFrom*
  // sources (no network brought them), as pieces a restart finds on disk.
  if (f.tracked < 0) f.tracked = job.tracker.AddTorrent(layout);
  if (f.tracked < 0) return false;
  job.tracker.SetFileSize(index, size);
  for (int p = 0; p < job.tracker.num_pieces(f.tracked); ++p) {
    job.tracker.OnPieceVerified(f.tracked, p);
  }
  f.restored = false;
  f.content_at.clear();
  Logf(LogLevel::kInfo, "transfers", "%s: copied from the seed at %s (verified, still seeding)",
       f.spec.remote_url.c_str(), path.c_str());
  Progressed(job, /*new_bytes=*/true);
  // Schedule is running (StartFile): the job goes on to its next file, or TRANSFERRED, after.
  Post([this, id = job.view->id] {
    Job* j = FindJob(id);
    if (j != nullptr && IsActive(j->state) && !j->busy) Schedule(*j);
  });
  return true;
}

}  // namespace shoal::engine
