#include "engine/transfers.h"

#include <algorithm>

#include "engine/job.h"
#include "engine/job_table.h"
#include "engine/metainfo.h"

namespace shoal::engine {

std::string Transfers::KeyOf(const JobFile& f) {
  // A file with byte ranges shares the swarm's content like any other (one torrent per
  // info-hash in the session); over plain HTTP it fetches its ranges itself (ranged_http.cc).
  if (!f.spec.metainfo.empty()) {
    MetainfoSummary summary;
    std::string error;
    if (hr::Failed(ReadMetainfo(f.spec.metainfo, &summary, &error))) return "";
    return "btih:" + summary.info_hash;
  }
  // Without metainfo the URL names the content, and the origin's validator its version: a
  // joiner is admitted only when its HEAD's validator is the leader's response's (decision
  // 0017); one that saw another version shares with the jobs that saw that one.
  if (f.http.plain && f.spec.ranges.empty() && !f.alone) {
    return "url:" + f.spec.remote_url + (f.own_key ? "\n" + f.probed : "");
  }
  return "";
}

std::size_t Transfers::RefHash::operator()(const FileRef& r) const {
  return UuidHash()(r.job) ^ (std::hash<int>()(r.file) << 1);
}

Transfers::Transfer& Transfers::Join(const std::string& key, const FileRef& who) {
  auto [it, fresh] = by_key_.try_emplace(key);
  Transfer& t = it->second;
  if (fresh) {
    t.key = key;
    t.leader = who;
  } else if (!(t.leader == who) &&
             std::find(t.followers.begin(), t.followers.end(), who) == t.followers.end()) {
    t.followers.push_back(who);
  }
  key_of_[who] = key;
  return t;
}

Transfers::Transfer* Transfers::Of(const FileRef& who) {
  auto it = key_of_.find(who);
  return it == key_of_.end() ? nullptr : Find(it->second);
}

Transfers::Transfer* Transfers::Find(const std::string& key) {
  auto it = by_key_.find(key);
  return it == by_key_.end() ? nullptr : &it->second;
}

void Transfers::Promote(Transfer& t, FileRef who) {
  auto it = std::find(t.followers.begin(), t.followers.end(), who);
  if (it == t.followers.end()) return;
  t.followers.erase(it);
  t.followers.insert(t.followers.begin(), t.leader);
  t.leader = who;
}

void Transfers::Leave(FileRef who) {
  auto k = key_of_.find(who);
  if (k == key_of_.end()) return;
  auto it = by_key_.find(k->second);
  key_of_.erase(k);
  if (it == by_key_.end()) return;
  Transfer& t = it->second;
  if (t.leader == who) {
    for (const FileRef& f : t.followers) key_of_.erase(f);  // nobody carries on
    by_key_.erase(it);
    return;
  }
  t.followers.erase(std::remove(t.followers.begin(), t.followers.end(), who), t.followers.end());
}

}  // namespace shoal::engine
