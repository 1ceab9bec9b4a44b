// `shoal make-metainfo` and `shoal seed`: describe content, and serve it to the LAN.
#include <chrono>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <thread>

#include "tools/shoal/commands.h"
#include "tools/shoal/job_runner.h"
#include "tools/shoal/status.h"

namespace shoal::cli {

std::atomic<bool> g_interrupted{false};

void InstallSignalHandlers() {
  auto handler = [](int) { g_interrupted = true; };
  std::signal(SIGINT, handler);
  std::signal(SIGTERM, handler);
}

void Complain(const std::string& message) { std::fprintf(stderr, "shoal: %s\n", message.c_str()); }

bool ReadWholeFile(const std::string& path, std::string* data, std::string* error) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    *error = "cannot read '" + path + "'";
    return false;
  }
  std::ostringstream s;
  s << in.rdbuf();
  *data = s.str();
  return true;
}

int RunMakeMetainfo(const MakeMetainfoArgs& args) {
  shoal::MetainfoOptions m;
  m.path = args.file;
  m.web_seeds = args.web_seeds;
  m.trackers = args.trackers;
  m.piece_size = args.piece_kib * 1024;
  m.v2_only = args.v2_only;
  m.v1_only = args.v1_only;
  std::string torrent, error;
  if (FAILED(shoal::MakeMetainfo(m, &torrent, &error))) {
    Complain(error);
    return kExitBadInput;
  }
  std::ofstream out(args.output, std::ios::binary | std::ios::trunc);
  out.write(torrent.data(), static_cast<std::streamsize>(torrent.size()));
  out.close();
  if (!out) {
    Complain("cannot write '" + args.output + "'");
    return kExitFailed;
  }
  std::fprintf(stderr, "wrote %s (%zu bytes)\n", args.output.c_str(), torrent.size());
  return kExitOk;
}

int RunSeed(const SeedArgs& args) {
  std::string torrent, error;
  if (!ReadWholeFile(args.torrent, &torrent, &error)) {
    Complain(error);
    return kExitBadInput;
  }
  shoal::Settings options;
  if (!args.settings.Load(&options, nullptr)) return kExitBadInput;
  ComPtr<IBackgroundCopyManager> manager;
  if (FAILED(shoal::CreateBackgroundCopyManager(options, manager.Put(), &error))) {
    Complain("cannot start the engine: " + error);
    return kExitBadInput;
  }
  ComPtr<IShoalManager> ext;
  manager->QueryInterface(IID_IShoalManager, ext.PutVoid());
  const std::wstring dir = Widen(args.dir);
  const HRESULT hr = ext->AddSeed(reinterpret_cast<const BYTE*>(torrent.data()),
                                  static_cast<ULONG>(torrent.size()), dir.c_str());
  if (FAILED(hr)) {
    Complain("cannot seed " + args.torrent + " from " + args.dir + ": " + DescribeHr(hr) +
             (hr == HRESULT_FROM_WIN32(13) ? " (corrupt .torrent)"
                                           : " (content missing or incomplete)"));
    return kExitBadInput;
  }
  LPWSTR endpoint = nullptr;
  ext->GetListenEndpoint(&endpoint);
  std::fprintf(stderr, "seeding %s on %s; Ctrl-C to stop\n", args.torrent.c_str(),
               TakeString(endpoint).c_str());
  StatusReport report("seed");
  while (!g_interrupted) {
    report.Update(
        {{"state", "seeding"}, {"what", args.torrent}, {"engine", EngineStatsJson(manager.get())}});
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  return kExitOk;
}

}  // namespace shoal::cli
