// One seeding peer to one downloader, 256 MiB by default, on loopback: through shoal (two
// engines, the downloader driven through the facade, CDN disabled) against two bare
// libtorrent sessions with the same transport settings, in the same run. Prints the ratio.
//   transfer_bench [MiB]
#include <libtorrent/add_torrent_params.hpp>
#include <libtorrent/alert_types.hpp>
#include <libtorrent/create_torrent.hpp>
#include <libtorrent/posix_disk_io.hpp>
#include <libtorrent/session.hpp>
#include <libtorrent/session_params.hpp>
#include <libtorrent/torrent_info.hpp>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <thread>

#include "shoal/deliveryoptimization.h"
#include "tests/support/fixtures.h"

namespace {

using Clock = std::chrono::steady_clock;
namespace fs = std::filesystem;

lt::session_params BareParams(const std::string& ip) {
  lt::settings_pack p;
  p.set_str(lt::settings_pack::listen_interfaces, ip + ":0");
  p.set_str(lt::settings_pack::outgoing_interfaces, ip);
  p.set_bool(lt::settings_pack::enable_dht, false);
  p.set_bool(lt::settings_pack::enable_lsd, false);
  p.set_bool(lt::settings_pack::enable_upnp, false);
  p.set_bool(lt::settings_pack::enable_natpmp, false);
  p.set_str(lt::settings_pack::dht_bootstrap_nodes, "");
  p.set_bool(lt::settings_pack::enable_outgoing_utp, false);
  p.set_bool(lt::settings_pack::enable_incoming_utp, false);
  p.set_bool(lt::settings_pack::allow_multiple_connections_per_ip, true);
  p.set_int(lt::settings_pack::alert_mask, lt::alert_category::status | lt::alert_category::error);
  lt::session_params params(std::move(p));
  params.disk_io_constructor = lt::posix_disk_io_constructor;
  return params;
}

void WaitFinished(lt::session& s) {
  for (;;) {
    s.wait_for_alert(std::chrono::milliseconds(100));
    std::vector<lt::alert*> alerts;
    s.pop_alerts(&alerts);
    for (auto* a : alerts) {
      if (lt::alert_cast<lt::torrent_finished_alert>(a)) return;
    }
  }
}

double BareLibtorrent(const std::string& torrent, const std::string& seed_dir,
                      const std::string& out_dir) {
  lt::session seed(BareParams("127.0.0.2"));
  lt::session leech(BareParams("127.0.0.3"));
  auto info = std::make_shared<lt::torrent_info>(lt::span<const char>(torrent.data(), long(torrent.size())),
                                                 lt::from_span);
  lt::add_torrent_params sp;
  sp.ti = info;
  sp.save_path = seed_dir;
  sp.flags |= lt::torrent_flags::seed_mode;
  lt::torrent_handle sh = seed.add_torrent(sp);
  lt::add_torrent_params lp;
  lp.ti = info;
  lp.save_path = out_dir;
  const auto start = Clock::now();
  lt::torrent_handle lh = leech.add_torrent(lp);
  lh.connect_peer({lt::make_address("127.0.0.2"), seed.listen_port()});
  WaitFinished(leech);
  return std::chrono::duration<double>(Clock::now() - start).count();
}

double ThroughShoal(const std::string& torrent, const std::string& seed_dir,
                    const std::string& out_path) {
  shoal::Options so;
  so.listen_interface = "127.0.0.4:0";
  IBackgroundCopyManager* seeder = nullptr;
  std::string error;
  if (FAILED(shoal::CreateBackgroundCopyManager(so, &seeder, &error))) std::abort();
  IShoalManager* ext = nullptr;
  seeder->QueryInterface(IID_IShoalManager, reinterpret_cast<void**>(&ext));
  std::wstring wdir(seed_dir.begin(), seed_dir.end());
  if (FAILED(ext->AddSeed(reinterpret_cast<const BYTE*>(torrent.data()), ULONG(torrent.size()),
                          wdir.c_str()))) {
    std::abort();
  }
  LPWSTR ep = nullptr;
  ext->GetListenEndpoint(&ep);
  std::string endpoint;
  for (wchar_t* c = ep; *c; ++c) endpoint.push_back(static_cast<char>(*c));
  CoTaskMemFree(ep);

  shoal::Options lo;
  lo.listen_interface = "127.0.0.5:0";
  lo.peers = {endpoint};
  lo.no_http = true;
  IBackgroundCopyManager* leecher = nullptr;
  if (FAILED(shoal::CreateBackgroundCopyManager(lo, &leecher, &error))) std::abort();
  GUID id;
  IBackgroundCopyJob* job = nullptr;
  leecher->CreateJob(L"bench", BG_JOB_TYPE_DOWNLOAD, &id, &job);
  IShoalJob* jext = nullptr;
  job->QueryInterface(IID_IShoalJob, reinterpret_cast<void**>(&jext));
  std::wstring wout(out_path.begin(), out_path.end());
  jext->AddFileWithMetainfo(L"http://127.0.0.1:9/bench.bin", wout.c_str(),
                            reinterpret_cast<const BYTE*>(torrent.data()), ULONG(torrent.size()));
  const auto start = Clock::now();
  job->Resume();
  BG_JOB_STATE state;
  for (;;) {
    job->GetState(&state);
    if (state == BG_JOB_STATE_TRANSFERRED || state == BG_JOB_STATE_ERROR) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  if (state != BG_JOB_STATE_TRANSFERRED) std::abort();
  job->Complete();
  jext->Release();
  job->Release();
  leecher->Release();
  ext->Release();
  seeder->Release();
  return seconds;
}

}  // namespace

int main(int argc, char** argv) {
  const std::size_t mib = argc > 1 ? std::stoul(argv[1]) : 256;
  shoal::testing::TempDir dir;
  const std::string seed_dir = dir / "seed";
  fs::create_directories(seed_dir);
  std::fprintf(stderr, "generating %zu MiB...\n", mib);
  shoal::testing::WriteRandomFile(seed_dir + "/bench.bin", mib << 20);
  shoal::MetainfoOptions mo;
  mo.path = seed_dir + "/bench.bin";
  mo.web_seeds = {"http://127.0.0.1:9/bench.bin"};
  std::string torrent, error;
  if (FAILED(shoal::MakeMetainfo(mo, &torrent, &error))) {
    std::fprintf(stderr, "%s\n", error.c_str());
    return 1;
  }
  std::printf("%-28s %10s %12s\n", "transfer (1 seed -> 1 peer)", "seconds", "MiB/s");
  double bare_total = 0, shoal_total = 0;
  constexpr int kRounds = 2;  // alternate to spread the machine's noise over both
  for (int round = 0; round < kRounds; ++round) {
    fs::create_directories(dir / ("bare" + std::to_string(round)));
    const double bare = BareLibtorrent(torrent, seed_dir, dir / ("bare" + std::to_string(round)));
    fs::create_directories(dir / ("shoal" + std::to_string(round)));
    const double via = ThroughShoal(torrent, seed_dir, dir / ("shoal" + std::to_string(round)) + "/bench.bin");
    std::printf("%-28s %10.2f %12.1f\n", "bare libtorrent", bare, mib / bare);
    std::printf("%-28s %10.2f %12.1f\n", "shoal (facade)", via, mib / via);
    bare_total += bare;
    shoal_total += via;
    fs::remove_all(dir / ("bare" + std::to_string(round)));
    fs::remove_all(dir / ("shoal" + std::to_string(round)));
  }
  std::printf("ratio shoal/bare time over %d rounds: %.2f (1.00 = as fast as bare libtorrent)\n",
              kRounds, shoal_total / bare_total);
  return 0;
}
