// `shoal demo`: a whole site on this machine. A CDN origin on loopback with a capped WAN
// link and a few peers that don't have the content (with --seed-peer, one that does); each
// downloads a generated file through the facade while the live progress is drawn: the CDN
// joins after its delay, the peers trade what each got; then a summary by source.
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <random>
#include <thread>

#include "origin/http_origin.h"
#include "tools/shoal/commands.h"
#include "tools/shoal/job_runner.h"
#include "tools/shoal/temp_tree.h"

namespace shoal::cli {
namespace {

namespace fs = std::filesystem;

std::string Generate(const fs::path& path, std::size_t size) {
  std::mt19937_64 rng(2026);
  std::string data(size, '\0');
  for (std::size_t i = 0; i + 8 <= size; i += 8) {
    const std::uint64_t v = rng();
    std::memcpy(&data[i], &v, 8);
  }
  std::ofstream(path, std::ios::binary).write(data.data(), static_cast<std::streamsize>(size));
  return data;
}

ComPtr<IBackgroundCopyManager> Manager(const std::string& listen,
                                       const std::vector<std::string>& peers, std::string* error) {
  shoal::Options o;
  o.listen_interface = listen;
  o.peers = peers;
  ComPtr<IBackgroundCopyManager> m;
  shoal::CreateBackgroundCopyManager(o, m.Put(), error);
  return m;
}

std::string Endpoint(IBackgroundCopyManager* m) {
  ComPtr<IShoalManager> ext;
  LPWSTR ep = nullptr;
  if (FAILED(m->QueryInterface(IID_IShoalManager, ext.PutVoid())) ||
      FAILED(ext->GetListenEndpoint(&ep))) {
    return "";
  }
  return TakeString(ep);
}

}  // namespace

int RunDemo(const DemoArgs& args) {
  TempTree tmp("shoal-demo");
  if (tmp.root().empty()) {
    Complain("cannot create a temporary directory");
    return kExitFailed;
  }
  const fs::path cdn_dir = tmp.root() / "cdn";
  fs::create_directories(cdn_dir);
  const std::size_t size = static_cast<std::size_t>(args.size_mib) << 20;
  std::fprintf(stderr, "demo: generating a %d MiB file...\n", args.size_mib);
  const std::string content = Generate(cdn_dir / "update.bin", size);

  origin::HttpOriginOptions oo;
  oo.root = cdn_dir.string();
  oo.rate_limit_bytes_per_s = static_cast<std::uint64_t>(args.cdn_mib_s) << 20;
  std::string error;
  auto origin = origin::HttpOrigin::Start(oo, &error);
  if (!origin) {
    Complain("cannot start the CDN origin: " + error);
    return kExitFailed;
  }
  const std::string url = origin->BaseUrl() + "/update.bin";
  shoal::MetainfoOptions mo;
  mo.path = (cdn_dir / "update.bin").string();
  mo.web_seeds = {url};
  std::string torrent;
  if (FAILED(shoal::MakeMetainfo(mo, &torrent, &error))) {
    Complain(error);
    return kExitFailed;
  }
  std::ofstream(cdn_dir / "update.bin.torrent", std::ios::binary) << torrent;  // the sidecar

  // With --seed-peer, a peer that already has the content (a LAN cache) serves it from the
  // origin's copy; by default the site starts empty: the CDN feeds it, the peers trade.
  std::vector<std::string> known;
  ComPtr<IBackgroundCopyManager> seed;
  if (args.seed_peer) {
    seed = Manager("127.0.0.2:0", {}, &error);
    if (!seed) {
      Complain("cannot start the seeding peer: " + error);
      return kExitFailed;
    }
    ComPtr<IShoalManager> seed_ext;
    seed->QueryInterface(IID_IShoalManager, seed_ext.PutVoid());
    const std::wstring wdir = Widen(cdn_dir.string());
    if (HRESULT hr = seed_ext->AddSeed(reinterpret_cast<const BYTE*>(torrent.data()),
                                       static_cast<ULONG>(torrent.size()), wdir.c_str());
        FAILED(hr)) {
      Complain("the seeding peer cannot serve the content: " + DescribeHr(hr));
      return kExitFailed;
    }
    known.push_back(Endpoint(seed.get()));
  }
  std::fprintf(stderr, "demo: CDN %s (capped at %d MiB/s), %s, %d downloading peers\n\n",
               origin->BaseUrl().c_str(), args.cdn_mib_s,
               args.seed_peer ? ("seeding peer " + known[0]).c_str() : "no peer has the file yet",
               args.peers);

  std::vector<ComPtr<IBackgroundCopyManager>> managers;
  std::vector<std::unique_ptr<JobRunner>> jobs;
  std::vector<fs::path> outputs;
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < args.peers; ++i) {
    managers.push_back(Manager("127.0.0." + std::to_string(3 + i) + ":0", known, &error));
    if (!managers.back()) {
      Complain("cannot start peer " + std::to_string(i + 1) + ": " + error);
      return kExitFailed;
    }
    known.push_back(Endpoint(managers.back().get()));
    const fs::path dir = tmp.root() / ("peer" + std::to_string(i + 1));
    fs::create_directories(dir);
    outputs.push_back(dir / "update.bin");
    jobs.push_back(std::make_unique<JobRunner>());
    // No metainfo given: each job finds the sidecar update.bin.torrent on the origin.
    JobSpec spec;
    spec.url = url;
    spec.path = outputs.back().string();
    spec.foreground = true;  // the CDN joins after DO's 2 s foreground delay
    if (FAILED(jobs.back()->Start(managers.back().get(), spec, &error))) {
      Complain(error);
      return kExitFailed;
    }
  }

  ProgressView view(stderr);
  std::vector<bool> done(jobs.size(), false);
  for (;;) {
    std::vector<JobSample> samples;
    bool all = true;
    for (std::size_t i = 0; i < jobs.size(); ++i) {
      samples.push_back(jobs[i]->Sample("peer " + std::to_string(i + 1)));
      const BG_JOB_STATE s = jobs[i]->State();
      if (s == BG_JOB_STATE_ERROR) {
        view.Draw(samples);
        Complain("peer " + std::to_string(i + 1) + " failed: " + jobs[i]->ErrorText());
        return kExitFailed;
      }
      all = all && s == BG_JOB_STATE_TRANSFERRED;
    }
    view.Draw(samples);
    if (all || g_interrupted) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(150));
  }
  view.Finish();
  if (g_interrupted) return kExitInterrupted;
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  std::uint64_t from_peers = 0, from_http = 0;
  bool exact = true;
  for (std::size_t i = 0; i < jobs.size(); ++i) {
    const JobSample s = jobs[i]->Sample("");
    from_peers += s.from_peers;
    from_http += s.from_http;
    if (FAILED(jobs[i]->Complete())) exact = false;
    std::ifstream in(outputs[i], std::ios::binary);
    std::string got((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    exact = exact && got == content;
  }
  const double total = static_cast<double>(from_peers + from_http);
  std::fprintf(stderr,
               "\nsummary: %d peers x %s in %.1f s\n"
               "  bytes from peers      %s\n"
               "  bytes from the CDN    %s (origin sent %s)\n"
               "  percent peer caching  %.1f%%\n"
               "  files byte-exact      %s\n",
               args.peers, ProgressView::Bytes(static_cast<double>(size)).c_str(), seconds,
               ProgressView::Bytes(static_cast<double>(from_peers)).c_str(),
               ProgressView::Bytes(static_cast<double>(from_http)).c_str(),
               ProgressView::Bytes(static_cast<double>(origin->BytesServed("/update.bin"))).c_str(),
               total > 0 ? 100.0 * static_cast<double>(from_peers) / total : 0.0,
               exact ? "yes" : "NO");
  return exact ? kExitOk : kExitFailed;
}

}  // namespace shoal::cli
