// engine_child: a durable engine in its own process, for tests that kill it (SIGKILL) at a
// chosen point and check what a restart finds (tests/integration/crash_points_test.cc).
//
//   engine_child DATA_DIR OUT_DIR ACTION [ORIGIN]
//
// With ORIGIN (a loopback HTTP origin serving /f0.bin with its .torrent sidecar, /f1.bin and
// /f2.bin), creates a job of those three files into OUT_DIR and resumes it; without, takes
// the one job the data directory holds. Either way waits for TRANSFERRED, prints
// "job {GUID}" and "transferred", then runs ACTION (complete, suspend, cancel, rename:
// SetDisplayName to "renamed", or none) and prints "returned 0xHHHHHHHH". Then it waits to be
// killed. The parent sets SHOAL_CRASH_AT to make the engine kill itself at a crash point
// (engine/crash_point.h). Exit 2 on a setup failure.
#include <unistd.h>

#include <cstdio>
#include <string>

#include "engine/engine.h"
#include "tests/support/fixtures.h"

namespace {

namespace hr = shoal::hr;
using shoal::engine::Engine;
using shoal::engine::JobState;

int Die(const std::string& why) {
  std::fprintf(stderr, "engine_child: %s\n", why.c_str());
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4 && argc != 5) return Die("usage: DATA_DIR OUT_DIR ACTION [ORIGIN]");
  const std::string out_dir = argv[2];
  const std::string action = argv[3];
  shoal::engine::EngineOptions o;
  o.listen_interface = "127.0.0.1:0";
  o.data_dir = argv[1];
  o.persist_interval_s = 1;
  o.delay_foreground_download_from_http_s = 0;  // no peers here: the CDN at once
  o.delay_background_download_from_http_s = 0;
  std::string error;
  auto engine = Engine::Start(o, nullptr, &error);
  if (!engine) return Die("cannot start: " + error);

  std::shared_ptr<const shoal::engine::JobView> job;
  if (argc == 5) {
    const std::string origin = argv[4];
    if (hr::Failed(engine->CreateJob("crash-job", &job))) return Die("CreateJob failed");
    std::vector<shoal::engine::FileSpec> files;
    for (const char* name : {"f0.bin", "f1.bin", "f2.bin"}) {
      shoal::engine::FileSpec f;
      f.remote_url = origin + "/" + name;
      f.local_path = out_dir + "/" + name;
      files.push_back(f);
    }
    if (hr::Failed(engine->AddFiles(job->id, files))) return Die("AddFiles failed");
    if (hr::Failed(engine->Resume(job->id))) return Die("Resume failed");
  } else {
    const auto jobs = engine->ListJobs();
    if (jobs.size() != 1) return Die(std::to_string(jobs.size()) + " jobs stored, not 1");
    job = jobs[0];
  }
  if (!shoal::testing::WaitFor([&] { return job->state.load() == JobState::kTransferred; })) {
    return Die(std::string("not TRANSFERRED but ") + ToString(job->state.load()));
  }
  std::printf("job %s\ntransferred\n", job->id.ToString().c_str());
  std::fflush(stdout);

  hr::HResult h = hr::kOk;
  if (action == "complete") {
    h = engine->Complete(job->id);
  } else if (action == "suspend") {
    h = engine->Suspend(job->id);
  } else if (action == "cancel") {
    h = engine->Cancel(job->id);
  } else if (action == "rename") {  // SetDisplayName
    h = engine->SetProperties(job->id, [](shoal::engine::JobProperties& p) {
      p.display_name = "renamed";
      return hr::kOk;
    });
  } else if (action != "none") {
    return Die("unknown action " + action);
  }
  std::printf("returned 0x%08x\n", static_cast<unsigned>(h));
  std::fflush(stdout);
  for (;;) ::pause();  // the parent kills it: nothing after the reply may matter
}
