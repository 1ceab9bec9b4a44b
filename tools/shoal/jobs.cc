// `shoal jobs`, `shoal cancel|suspend|resume|complete|wait JOB` and `shoal daemon`: the job
// commands in the bitsadmin spirit, as clients of shoald through CoCreateInstance with
// CLSCTX_LOCAL_SERVER (never an engine of their own), and a way to start shoald.
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <thread>

#include "shoal/shoal.h"
#include "tools/shoal/com_ptr.h"
#include "tools/shoal/commands.h"

namespace shoal::cli {
namespace {

// The socket the facade will use, pinned so that it never falls back to an engine in process.
std::string PinSocket() {
  if (const char* s = std::getenv("SHOAL_SOCKET"); s != nullptr && *s != '\0') return s;
  std::string path = "/run/shoal/shoal.sock";
  struct stat st {};
  const char* runtime = std::getenv("XDG_RUNTIME_DIR");
  if (::stat(path.c_str(), &st) != 0 && runtime != nullptr && *runtime == '/') {
    path = std::string(runtime) + "/shoal/shoal.sock";
  }
  ::setenv("SHOAL_SOCKET", path.c_str(), 1);
  return path;
}

}  // namespace

int ConnectToService(ComPtr<IBackgroundCopyManager>* manager) {
  const std::string socket = PinSocket();
  const HRESULT h = CoCreateInstance(CLSID_BackgroundCopyManager, nullptr, CLSCTX_LOCAL_SERVER,
                                     IID_IBackgroundCopyManager, manager->PutVoid());
  if (FAILED(h)) {
    Complain("no shoald answers at " + socket + " (" + DescribeHr(h) +
             "); start one with `shoald --user` or `shoal daemon`");
    return kExitFailed;
  }
  return kExitOk;
}

std::string GuidText(const GUID& g) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "{%08X-%04X-%04X-%02X%02X-%02X%02X%02X%02X%02X%02X}",
                static_cast<unsigned>(g.Data1), g.Data2, g.Data3, g.Data4[0], g.Data4[1],
                g.Data4[2], g.Data4[3], g.Data4[4], g.Data4[5], g.Data4[6], g.Data4[7]);
  return buf;
}

namespace {

bool ParseGuid(const std::string& text, GUID* out) {
  std::string t = text;
  if (t.size() == 38 && t.front() == '{' && t.back() == '}') t = t.substr(1, 36);
  unsigned d1, d2, d3, b[8];
  if (t.size() != 36 ||
      std::sscanf(t.c_str(), "%8x-%4x-%4x-%2x%2x-%2x%2x%2x%2x%2x%2x", &d1, &d2, &d3, &b[0], &b[1],
                  &b[2], &b[3], &b[4], &b[5], &b[6], &b[7]) != 11) {
    return false;
  }
  out->Data1 = d1;
  out->Data2 = static_cast<unsigned short>(d2);
  out->Data3 = static_cast<unsigned short>(d3);
  for (int i = 0; i < 8; ++i) out->Data4[i] = static_cast<unsigned char>(b[i]);
  return true;
}

const char* StateName(BG_JOB_STATE s) {
  static const char* const kNames[] = {"QUEUED",      "CONNECTING",   "TRANSFERRING",
                                       "SUSPENDED",   "ERROR",        "TRANSIENT_ERROR",
                                       "TRANSFERRED", "ACKNOWLEDGED", "CANCELLED"};
  return s >= 0 && s <= BG_JOB_STATE_CANCELLED ? kNames[s] : "?";
}

nlohmann::json Describe(IBackgroundCopyJob* job) {
  GUID id{};
  job->GetId(&id);
  LPWSTR name = nullptr, owner = nullptr;
  job->GetDisplayName(&name);
  job->GetOwner(&owner);
  BG_JOB_STATE state = BG_JOB_STATE_QUEUED;
  job->GetState(&state);
  BG_JOB_PROGRESS p{};
  job->GetProgress(&p);
  return {{"id", GuidText(id)},          {"name", TakeString(name)},
          {"owner", TakeString(owner)},  {"state", StateName(state)},
          {"bytes_total", p.BytesTotal}, {"bytes_transferred", p.BytesTransferred},
          {"files_total", p.FilesTotal}, {"files_transferred", p.FilesTransferred}};
}

}  // namespace

std::vector<nlohmann::json> ServiceJobs() {
  std::vector<nlohmann::json> out;
  if (std::getenv("SHOAL_SOCKET") == nullptr) {
    ::setenv("SHOAL_SERVICE_AUTOSTART", "0", 1);  // looking never starts one
    const std::string socket = shoal::FindService();
    if (socket.empty()) return out;
    ::setenv("SHOAL_SOCKET", socket.c_str(), 1);
  }
  ComPtr<IBackgroundCopyManager> manager;
  if (FAILED(CoCreateInstance(CLSID_BackgroundCopyManager, nullptr, CLSCTX_LOCAL_SERVER,
                              IID_IBackgroundCopyManager, manager.PutVoid()))) {
    return out;
  }
  ComPtr<IEnumBackgroundCopyJobs> jobs;
  if (FAILED(manager->EnumJobs(0, jobs.Put()))) return out;
  for (;;) {
    ComPtr<IBackgroundCopyJob> job;
    if (jobs->Next(1, job.Put(), nullptr) != S_OK) break;
    out.push_back(Describe(job.get()));
  }
  return out;
}

int RunJobs(const JobsArgs& args) {
  ComPtr<IBackgroundCopyManager> manager;
  if (const int code = ConnectToService(&manager); code != kExitOk) return code;
  ComPtr<IEnumBackgroundCopyJobs> jobs;
  const HRESULT h = manager->EnumJobs(args.all_users ? BG_JOB_ENUM_ALL_USERS : 0, jobs.Put());
  if (FAILED(h)) {
    Complain("cannot list the jobs: " + DescribeHr(h) +
             (h == E_ACCESSDENIED ? " (--all-users needs root)" : ""));
    return kExitFailed;
  }
  nlohmann::json list = nlohmann::json::array();
  for (;;) {
    ComPtr<IBackgroundCopyJob> job;
    if (jobs->Next(1, job.Put(), nullptr) != S_OK) break;
    list.push_back(Describe(job.get()));
  }
  if (args.json) {
    std::printf("%s\n", list.dump(2).c_str());
    return kExitOk;
  }
  for (const auto& j : list) {
    std::printf("%s  %-15s %12llu/%-12llu %s  %s\n", j["id"].get<std::string>().c_str(),
                j["state"].get<std::string>().c_str(),
                j["bytes_transferred"].get<unsigned long long>(),
                j["bytes_total"].get<unsigned long long>(), j["owner"].get<std::string>().c_str(),
                j["name"].get<std::string>().c_str());
  }
  if (list.empty()) std::printf("no jobs\n");
  return kExitOk;
}

int RunJobCommand(const JobCommandArgs& args) {
  GUID id{};
  if (!ParseGuid(args.job, &id)) {
    Complain("'" + args.job + "' is not a job id ({XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX})");
    return kExitBadInput;
  }
  ComPtr<IBackgroundCopyManager> manager;
  if (const int code = ConnectToService(&manager); code != kExitOk) return code;
  ComPtr<IBackgroundCopyJob> job;
  HRESULT h = manager->GetJob(id, job.Put());
  if (FAILED(h)) {
    Complain("no job " + args.job + ": " + DescribeHr(h));
    return kExitFailed;
  }
  nlohmann::json out = Describe(job.get());
  if (args.command == "wait") {
    BG_JOB_STATE s = BG_JOB_STATE_QUEUED;
    while (!g_interrupted && SUCCEEDED(h = job->GetState(&s)) && s != BG_JOB_STATE_TRANSFERRED &&
           s != BG_JOB_STATE_ERROR) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    if (g_interrupted) return kExitInterrupted;
    out = Describe(job.get());
    if (SUCCEEDED(h) && s == BG_JOB_STATE_ERROR) {
      ComPtr<IBackgroundCopyError> error;
      BG_ERROR_CONTEXT context = BG_ERROR_CONTEXT_NONE;
      h = job->GetError(error.Put());
      if (SUCCEEDED(h)) error->GetError(&context, &h);
    }
  } else if (args.command == "cancel") {
    h = job->Cancel();
  } else if (args.command == "suspend") {
    h = job->Suspend();
  } else if (args.command == "resume") {
    h = job->Resume();
  } else if (args.command == "complete") {
    h = job->Complete();
  }
  if (args.command != "wait" && SUCCEEDED(h))
    out["state"] = args.command == "cancel"     ? "CANCELLED"
                   : args.command == "complete" ? "ACKNOWLEDGED"
                                                : Describe(job.get())["state"];
  out["hresult"] = DescribeHr(h);
  if (args.json) {
    std::printf("%s\n", out.dump(2).c_str());
  } else if (FAILED(h)) {
    Complain(args.command + " " + args.job + ": " + DescribeHr(h));
  } else {
    std::printf("%s %s\n", out["id"].get<std::string>().c_str(),
                out["state"].get<std::string>().c_str());
  }
  return FAILED(h) ? kExitFailed : kExitOk;
}

int RunDaemonCommand(const std::vector<std::string>& args) {
  // shoald beside this binary (the build tree), in ../sbin (installed), else on $PATH.
  std::error_code ec;
  const auto self = std::filesystem::read_symlink("/proc/self/exe", ec).parent_path();
  std::string binary = "shoald";
  for (const auto& p : {self / "shoald", self / "../sbin/shoald"}) {
    if (!ec && std::filesystem::exists(p)) {
      binary = p.string();
      break;
    }
  }
  std::vector<char*> argv{binary.data()};
  std::vector<std::string> copy = args;
  for (auto& a : copy) argv.push_back(a.data());
  argv.push_back(nullptr);
  ::execvp(binary.c_str(), argv.data());
  Complain("cannot run shoald (" + binary + "): " + std::strerror(errno));
  return kExitFailed;
}

}  // namespace shoal::cli
