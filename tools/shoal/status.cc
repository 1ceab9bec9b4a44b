#include "tools/shoal/status.h"

#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <vector>

#include "tools/shoal/com_ptr.h"
#include "tools/shoal/commands.h"
#include "tools/shoal/progress_view.h"

namespace shoal::cli {
namespace {

namespace fs = std::filesystem;

bool Alive(long pid) {
  return pid > 0 && (::kill(static_cast<pid_t>(pid), 0) == 0 || errno == EPERM);
}

std::string Bytes(const nlohmann::json& j, const char* key) {
  if (!j.contains(key)) return "-";
  // A size not known yet is null (older reports: BG_SIZE_UNKNOWN itself).
  if (!j[key].is_number() || j[key] == ~std::uint64_t{0}) return "?";
  return ProgressView::Bytes(j[key].get<double>());
}

}  // namespace

std::string StatusDir() {
  if (const char* d = std::getenv("SHOAL_STATUS_DIR"); d != nullptr && *d != '\0') return d;
  if (const char* r = std::getenv("XDG_RUNTIME_DIR"); r != nullptr && *r != '\0') {
    return std::string(r) + "/shoal";
  }
  return "/tmp/shoal-status-" + std::to_string(::getuid());
}

StatusReport::StatusReport(std::string command)
    : command_(std::move(command)), name_(std::to_string(::getpid()) + ".json") {
  std::string error;
  if (!dir_.Open(StatusDir(), /*create=*/true, &error)) {
    std::fprintf(stderr, "shoal: not writing a status report: %s\n", error.c_str());
  }
}

StatusReport::~StatusReport() { dir_.Remove(name_); }

void StatusReport::Update(const nlohmann::json& body, bool force) {
  const auto now = std::chrono::steady_clock::now();
  if (!dir_.is_open() || (!force && now - last_ < std::chrono::seconds(1))) return;
  last_ = now;
  nlohmann::json report = body;
  report["pid"] = static_cast<long>(::getpid());
  report["command"] = command_;
  report["updated"] = static_cast<long long>(std::time(nullptr));
  dir_.Write(name_, report.dump() + "\n");  // readers see the old report or the new one
}

nlohmann::json ToJson(const SHOAL_TRANSFER_STATS& s) {
  return {{"bytes_from_peers", s.BytesFromPeers},
          {"bytes_from_lan_peers", s.BytesFromLanPeers},
          {"bytes_from_cache_server", s.BytesFromCacheServer},
          {"bytes_from_http", s.BytesFromHttp},
          {"bytes_to_peers", s.BytesToPeers},
          {"download_duration_ms", s.DownloadDurationMs},
          {"num_peers", s.NumPeers},
          {"http_connection_count", s.HttpConnectionCount},
          {"percent_peer_caching", s.PercentPeerCaching}};
}

nlohmann::json SizeJson(std::uint64_t bytes) {
  return bytes == ~std::uint64_t{0} ? nlohmann::json(nullptr) : nlohmann::json(bytes);
}

nlohmann::json EngineStatsJson(IBackgroundCopyManager* manager) {
  ComPtr<IShoalManager2> ext;
  SHOAL_ENGINE_STATS s{};
  if (FAILED(manager->QueryInterface(IID_IShoalManager2, ext.PutVoid())) ||
      FAILED(ext->GetEngineStats(&s))) {
    return nlohmann::json::object();
  }
  return {{"total_bytes_from_peers", s.TotalBytesFromPeers},
          {"total_bytes_from_http", s.TotalBytesFromHttp},
          {"total_bytes_from_cache_server", s.TotalBytesFromCacheServer},
          {"total_bytes_uploaded", s.TotalBytesUploaded},
          {"number_of_peers", s.NumberOfPeers},
          {"torrents", s.Torrents}};
}

int RunStatus(const StatusArgs& args) {
  std::vector<nlohmann::json> reports;
  PrivateDir dir;
  std::string error;
  std::error_code ec;
  if (fs::exists(fs::symlink_status(StatusDir(), ec)) && !dir.Open(StatusDir(), false, &error)) {
    Complain(error);
    return kExitFailed;
  }
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(StatusDir(), ec)) {
    if (entry.path().extension() == ".json") names.push_back(entry.path().filename().string());
  }
  for (const std::string& name : names) {
    std::string text;
    if (!dir.Read(name, &text)) continue;
    const nlohmann::json j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
    const long pid = j.is_object() ? j.value("pid", 0L) : 0L;
    if (!Alive(pid)) {  // a process that died without cleaning up (kill -9, a crash)
      dir.Remove(name);
      continue;
    }
    reports.push_back(j);
  }
  // The service's jobs of this user, as reports of the command "shoald".
  for (const nlohmann::json& j : ServiceJobs()) {
    reports.push_back({{"pid", 0},
                       {"command", "shoald"},
                       {"job", j["id"]},
                       {"state", j["state"]},
                       {"bytes", j["bytes_transferred"]},
                       {"total", SizeJson(j["bytes_total"].get<std::uint64_t>())},
                       {"what", j["name"]}});
  }
  if (args.json) {
    std::printf("%s\n", nlohmann::json(reports).dump(2).c_str());
    return kExitOk;
  }
  if (reports.empty()) {
    std::printf("no shoal transfers running (reports in %s; no shoald jobs)\n",
                StatusDir().c_str());
    return kExitOk;
  }
  std::printf("%-8s %-5s %-13s %-22s %5s %11s %11s %11s %11s %5s  %s\n", "PID", "CMD", "STATE",
              "PROGRESS", "PEERS", "FROM PEERS", "FROM CACHE", "FROM CDN", "UPLOADED", "PEER%",
              "WHAT");
  auto number = [](const nlohmann::json& j, const char* key) {
    return j.contains(key) && j[key].is_number() ? std::to_string(j[key].get<long long>())
                                                 : std::string("-");
  };
  for (const nlohmann::json& r : reports) {
    const nlohmann::json st = r.value("stats", nlohmann::json::object());
    const nlohmann::json eng = r.value("engine", nlohmann::json::object());
    const std::string progress =
        r.contains("bytes") ? Bytes(r, "bytes") + " / " + Bytes(r, "total") : "-";
    // A download reports its job's figures; a seed its engine's.
    const std::string peers = st.empty() ? number(eng, "number_of_peers") : number(st, "num_peers");
    const std::string uploaded =
        st.empty() ? Bytes(eng, "total_bytes_uploaded") : Bytes(st, "bytes_to_peers");
    const long pid = r.value("pid", 0L);
    std::printf("%-8s %-5s %-13s %-22s %5s %11s %11s %11s %11s %5s  %s\n",
                pid > 0 ? std::to_string(pid).c_str() : "-",
                r.value("command", std::string("?")).substr(0, 5).c_str(),
                r.value("state", std::string("?")).c_str(), progress.c_str(), peers.c_str(),
                Bytes(st, "bytes_from_peers").c_str(), Bytes(st, "bytes_from_cache_server").c_str(),
                Bytes(st, "bytes_from_http").c_str(), uploaded.c_str(),
                number(st, "percent_peer_caching").c_str(), r.value("what", std::string()).c_str());
  }
  return kExitOk;
}

}  // namespace shoal::cli
