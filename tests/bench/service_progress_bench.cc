// GetProgress across the process boundary: JobHandle::Progress() on cells in a progress page
// this process mapped read-only, while a writer in another process publishes, against the
// same read of an in-process engine::JobView with a writer thread, in the same run. Writers
// publish every millisecond (paced: a busy service's tick is 250 ms) or back to back
// (continuous: every read races a write). 1 or 1,000 jobs read round-robin.
#include <benchmark/benchmark.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "api/src/fd_passing.h"
#include "api/src/progress_page.h"
#include "engine/engine.h"
#include "tests/bench/ratio_reporter.h"
#include "tests/support/cells_handle.h"

namespace {

using shoal::api::SlotRef;
using shoal::engine::JobProgress;
using shoal::engine::Uuid;

[[noreturn]] void Die(const std::string& why) {
  std::fprintf(stderr, "service_progress_bench: %s\n", why.c_str());
  std::exit(1);
}

JobProgress Figure(std::uint64_t i) { return {1 << 30, i, 1, static_cast<std::uint32_t>(i & 1)}; }

// Publishes until told to stop: every millisecond when `paced`, else back to back. `stop` is
// polled every 256 publishes.
template <typename PublishFn, typename StopFn>
void WriterLoop(bool paced, std::size_t jobs, PublishFn publish, StopFn stop) {
  for (std::uint64_t i = 1;; ++i) {
    publish(i % jobs, Figure(i));
    if (paced) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    if ((paced || i % 256 == 0) && stop()) return;
  }
}

// A child process holding the page and writing it; this process reads its own mapping.
class RemoteWriter {
 public:
  RemoteWriter(std::size_t jobs, bool paced) {
    int sv[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) Die("socketpair");
    std::vector<Uuid> ids(jobs);
    for (auto& id : ids) id = Uuid::Random();
    pid_ = ::fork();
    if (pid_ < 0) Die("fork");
    if (pid_ == 0) {
      ::close(sv[0]);  // else the child never sees the end of the stream
      RunChild(sv[1], ids, paced);
    }
    ::close(sv[1]);
    sock_ = sv[0];
    refs_.resize(jobs);
    std::vector<int> fds;
    std::size_t got = 0;
    std::string error;
    auto* buf = reinterpret_cast<char*>(refs_.data());
    const std::size_t want = jobs * sizeof(SlotRef);
    for (std::size_t at = 0; at < want; at += got) {
      if (shoal::api::RecvWithFds(sock_, {buf + at, want - at}, &got, &fds, 8, &error) != 0) {
        Die(error);
      }
      if (got == 0) Die("writer process ended early");
    }
    for (int fd : fds) {
      if (shoal::hr::Failed(reader_.Map(fd, &error))) Die(error);
    }
    for (std::size_t i = 0; i < jobs; ++i) {
      const shoal::api::JobCells* cells = nullptr;
      if (!reader_.Cells(refs_[i], &cells)) Die("slot not mapped");
      handles_.push_back(std::make_unique<shoal::testing::CellsHandle>(ids[i], cells));
    }
  }
  ~RemoteWriter() {
    ::close(sock_);  // the child sees the end of the stream and exits
    int status = 0;
    ::waitpid(pid_, &status, 0);
  }
  const std::vector<std::unique_ptr<shoal::testing::CellsHandle>>& handles() const {
    return handles_;
  }

 private:
  [[noreturn]] static void RunChild(int sock, const std::vector<Uuid>& ids, bool paced) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    shoal::api::ProgressPageWriter w;
    std::vector<SlotRef> refs(ids.size());
    for (std::size_t i = 0; i < ids.size(); ++i) {
      if (w.Allocate(::getuid(), ids[i], &refs[i]) != shoal::hr::kOk) ::_exit(2);
    }
    const std::string msg(reinterpret_cast<const char*>(refs.data()), refs.size() * sizeof refs[0]);
    if (shoal::api::SendWithFds(sock, msg, w.SegmentFds(::getuid())) != 0) ::_exit(3);
    shoal::api::JobFigures f;
    f.state = shoal::engine::JobState::kTransferring;
    WriterLoop(
        paced, refs.size(),
        [&](std::size_t j, const JobProgress& p) {
          f.progress = p;
          w.Publish(refs[j], f);
        },
        [&] {
          char c;
          return ::recv(sock, &c, 1, MSG_DONTWAIT) == 0;
        });
    ::_exit(0);
  }

  pid_t pid_ = -1;
  int sock_ = -1;
  std::vector<SlotRef> refs_;
  shoal::api::ProgressPageReader reader_;
  std::vector<std::unique_ptr<shoal::testing::CellsHandle>> handles_;
};

// The in-process shape: JobViews written by a thread (as the engine thread does).
class LocalWriter {
 public:
  LocalWriter(std::size_t jobs, bool paced) {
    for (std::size_t i = 0; i < jobs; ++i) {
      views_.push_back(std::make_unique<shoal::engine::JobView>(Uuid::Random()));
      const auto& v = *views_.back();
      handles_.push_back(std::make_unique<shoal::testing::CellsHandle>(v.id, &v));
    }
    writer_ = std::thread([this, paced] {
      WriterLoop(
          paced, views_.size(),
          [&](std::size_t j, const JobProgress& p) { views_[j]->progress.Store(p); },
          [&] { return stop_.load(std::memory_order_relaxed); });
    });
  }
  ~LocalWriter() {
    stop_ = true;
    writer_.join();
  }
  const std::vector<std::unique_ptr<shoal::testing::CellsHandle>>& handles() const {
    return handles_;
  }

 private:
  std::vector<std::unique_ptr<shoal::engine::JobView>> views_;
  std::vector<std::unique_ptr<shoal::testing::CellsHandle>> handles_;
  std::atomic<bool> stop_{false};
  std::thread writer_;
};

template <typename Writer>
void ReadLoop(benchmark::State& state) {
  const Writer w(static_cast<std::size_t>(state.range(0)), state.range(1) == 0);
  const auto& handles = w.handles();
  std::size_t i = 0;
  for (auto _ : state) {
    JobProgress p = handles[i]->Progress();
    benchmark::DoNotOptimize(p);
    if (++i == handles.size()) i = 0;
  }
}

void BM_Service_GetProgress(benchmark::State& state) { ReadLoop<RemoteWriter>(state); }
void BM_InProcess_GetProgress(benchmark::State& state) { ReadLoop<LocalWriter>(state); }
// Args: jobs, writer (0 = paced, 1 = continuous).
BENCHMARK(BM_Service_GetProgress)->ArgsProduct({{1, 1000}, {0, 1}});
BENCHMARK(BM_InProcess_GetProgress)->ArgsProduct({{1, 1000}, {0, 1}});

}  // namespace

int main(int argc, char** argv) {
  shoal::bench::RatioReporter reporter;
  for (const char* jobs : {"1", "1000"}) {
    for (const char* writer : {"0", "1"}) {
      const std::string args = std::string("/") + jobs + "/" + writer;
      reporter.Compare("BM_Service_GetProgress" + args, "BM_InProcess_GetProgress" + args,
                       [jobs, writer](double remote, double local) {
                         std::printf(
                             "GetProgress, %s job(s), %s writer: %.2f ns/call from a client "
                             "process, %.2f in process, ratio %.2f\n",
                             jobs, *writer == '0' ? "paced" : "continuous", remote, local,
                             remote / local);
                       });
    }
  }
  return shoal::bench::RunWithRatios(argc, argv, reporter);
}
