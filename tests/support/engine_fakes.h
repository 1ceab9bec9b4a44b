// Fakes for unit tests of the engine's components: a scripted Swarm, an in-memory JobStore, a
// PieceFetcher that holds requests until the test answers them, and a JobControl that records
// what a component asked of the job logic and runs posted tasks when the test says so.
// Thread-compatible (single test thread), except the fetcher's Fetch.
#pragma once

#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "engine/job.h"
#include "engine/job_control.h"
#include "engine/job_store.h"
#include "engine/range_fetch.h"
#include "engine/swarm.h"

namespace shoal::testing {

class FakeSwarm final : public engine::Swarm {
 public:
  struct Torrent {
    AddParams params;
    bool paused = false;
    bool removed = false;
    int download_limit = -1;
    engine::PieceStatus status;
    engine::TorrentStats stats;
    std::vector<int> added_pieces;        // AddPiece calls, in order
    int pieces_from_cache = 0;            // ... of them marked as the cache node's
    std::vector<std::string> added_data;  // ... and their bytes
  };

  std::string ListenEndpoint() const override { return "127.0.0.1:6881"; }
  hr::HResult Add(const AddParams& params, int* key, engine::TorrentLayout* layout,
                  std::string* error) override {
    if (fail_add) {
      *error = "scripted";
      return hr::kInvalidData;
    }
    *key = next_key++;
    torrents[*key].params = params;
    *layout = this->layout;
    return hr::kOk;
  }
  bool AddPiece(int key, int piece, const std::string& data, bool from_cache) override {
    if (refuse_pieces) return false;
    if (from_cache) ++torrents[key].pieces_from_cache;
    torrents[key].added_pieces.push_back(piece);
    torrents[key].added_data.push_back(data);
    return true;
  }
  bool GetPieceStatus(int key, engine::PieceStatus* out) override {
    auto it = torrents.find(key);
    if (it == torrents.end()) return false;
    *out = it->second.status;
    return true;
  }
  void SetRanges(int key, const std::vector<engine::ByteRange>& ranges) override {
    torrents[key].params.ranges = ranges;
  }
  void Pause(int key) override { torrents[key].paused = true; }
  void Resume(int key) override { torrents[key].paused = false; }
  void SaveResume(int key) override { resume_asked.push_back(key); }
  void WaitForEvents(int ms) override {}
  void Remove(int key) override { torrents[key].removed = true; }
  void ReconnectPeers(int key) override {}
  void ConnectPeers(int key, const std::vector<std::string>& endpoints) override {
    dialled[key].insert(dialled[key].end(), endpoints.begin(), endpoints.end());
  }
  engine::TorrentStats Poll(int key) override { return torrents[key].stats; }
  void SetDownloadLimit(int key, int bytes_per_s) override {
    torrents[key].download_limit = bytes_per_s;
  }
  engine::EngineStats Totals() override { return {}; }
  void PopEvents(std::vector<engine::TorrentEvent>* out) override {
    out->insert(out->end(), events.begin(), events.end());
    events.clear();
  }

  std::map<int, Torrent> torrents;
  std::vector<engine::TorrentEvent> events;  // handed out by PopEvents
  std::vector<int> resume_asked;
  std::map<int, std::vector<std::string>> dialled;  // ConnectPeers calls, by torrent
  engine::TorrentLayout layout;                     // what Add reports
  bool fail_add = false;
  bool refuse_pieces = false;  // AddPiece says the data does not fit the piece
  int next_key = 1;
};

class FakeJobStore final : public engine::JobStore {
 public:
  bool Put(const engine::StoredJob& job, std::string* error) override {
    ++puts;
    jobs[job.id.ToString()] = job;
    return !fail;
  }
  bool Remove(const engine::Uuid& id, std::string* error) override {
    jobs.erase(id.ToString());
    return !fail;
  }
  std::vector<engine::StoredJob> LoadAll(std::string* warnings) override {
    std::vector<engine::StoredJob> out;
    for (auto& [id, job] : jobs) out.push_back(job);
    return out;
  }
  bool PutSeed(const engine::StoredSeed& seed, std::string* error) override {
    seeds[seed.dir + "/" + seed.file_name] = seed;
    return !fail;
  }
  bool RemoveSeed(const std::string& dir, const std::string& file_name,
                  std::string* error) override {
    seeds.erase(dir + "/" + file_name);
    return !fail;
  }
  std::vector<engine::StoredSeed> LoadSeeds(std::string* warnings) override {
    std::vector<engine::StoredSeed> out;
    for (auto& [path, seed] : seeds) out.push_back(seed);
    return out;
  }
  bool PutResume(const std::string& path, const engine::StoredResume& resume,
                 std::string* error) override {
    resumes[path] = resume;
    return !fail;
  }
  bool GetResume(const std::string& path, engine::StoredResume* out) override {
    auto it = resumes.find(path);
    if (it == resumes.end()) return false;
    *out = it->second;
    return true;
  }
  bool RemoveResume(const std::string& path, std::string* error) override {
    resumes.erase(path);
    return !fail;
  }

  std::map<std::string, engine::StoredJob> jobs;
  std::map<std::string, engine::StoredSeed> seeds;
  std::map<std::string, engine::StoredResume> resumes;
  int puts = 0;
  bool fail = false;
};

class FakePieceFetcher final : public engine::PieceFetcher {
 public:
  void Fetch(engine::RangeRequest request, std::function<void(engine::FetchResult)> done) override {
    std::lock_guard lock(mu_);
    pending.emplace_back(std::move(request), std::move(done));
  }
  // Answers the oldest request.
  void Answer(engine::FetchResult result) {
    std::function<void(engine::FetchResult)> done;
    {
      std::lock_guard lock(mu_);
      done = std::move(pending.front().second);
      pending.pop_front();
    }
    done(std::move(result));
  }
  std::deque<std::pair<engine::RangeRequest, std::function<void(engine::FetchResult)>>> pending;

 private:
  std::mutex mu_;
};

class FakeJobControl final : public engine::JobControl {
 public:
  engine::Job& AddJob(std::unique_ptr<engine::Job> job) {
    engine::Job& ref = *job;
    jobs.push_back(std::move(job));
    return ref;
  }
  engine::Job* FindJob(const engine::Uuid& id) override {
    for (auto& j : jobs) {
      if (j->view->id == id) return j.get();
    }
    return nullptr;
  }
  bool Post(std::function<void()> task) override {
    std::lock_guard lock(mu_);
    posted.push_back(std::move(task));
    return true;
  }
  bool HasPosted() {
    std::lock_guard lock(mu_);
    return !posted.empty();
  }
  // Runs what was posted so far (and what those tasks post).
  void RunPosted() {
    for (;;) {
      std::function<void()> task;
      {
        std::lock_guard lock(mu_);
        if (posted.empty()) return;
        task = std::move(posted.front());
        posted.pop_front();
      }
      task();
    }
  }
  double NowS() const override { return now_s; }
  void Fail(engine::Job& job, hr::HResult code, engine::ErrorContext context, int file,
            std::string message) override {
    failures.push_back({code, false, file, message});
    job.state = engine::JobState::kError;
  }
  void TransientError(engine::Job& job, hr::HResult code, engine::ErrorContext context, int file,
                      std::string message) override {
    failures.push_back({code, true, file, message});
    job.state = engine::JobState::kTransientError;
  }
  void Progressed(engine::Job& job, bool new_bytes) override {
    ++progressed;
    new_bytes_reports += new_bytes ? 1 : 0;
  }
  void Publish(engine::Job& job) override { ++published; }
  void Schedule(engine::Job& job) override { ++scheduled; }
  std::uint64_t RateFor(const engine::Job& job) const override { return rate; }

  struct Failure {
    hr::HResult code;
    bool transient;
    int file;
    std::string message;
  };
  std::vector<std::unique_ptr<engine::Job>> jobs;
  std::deque<std::function<void()>> posted;
  std::vector<Failure> failures;
  double now_s = 0;
  int progressed = 0;
  int new_bytes_reports = 0;
  int published = 0;
  int scheduled = 0;
  std::uint64_t rate = 0;

 private:
  std::mutex mu_;
};

// A job in `state` with `files` files of `size` bytes each at `dir`/f<i>.
inline std::unique_ptr<engine::Job> MakeJob(engine::JobState state, int files, std::uint64_t size,
                                            const std::string& dir = "/tmp") {
  auto job = std::make_unique<engine::Job>();
  job->view = std::make_shared<engine::JobView>(engine::Uuid::Random());
  job->state = state;
  for (int i = 0; i < files; ++i) {
    engine::JobFile f;
    f.spec.remote_url = "http://cdn.invalid/f" + std::to_string(i);
    f.spec.local_path = dir + "/f" + std::to_string(i);
    f.dir = dir;
    f.final_name = "f" + std::to_string(i);
    f.temp_name = ".f" + std::to_string(i) + ".shoal-tmp";
    job->tracker.AddFile(size);
    job->files.push_back(std::move(f));
  }
  return job;
}

}  // namespace shoal::testing
