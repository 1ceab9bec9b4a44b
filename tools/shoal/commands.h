// The `shoal` subcommands. Each returns the process exit code: 0 success, 1 the transfer or
// service failed, 2 bad input (usage, URL, path, metainfo), 130 interrupted.
// Thread-compatible.
#pragma once

#include <atomic>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "tools/shoal/com_ptr.h"
#include "tools/shoal/settings_flags.h"

namespace shoal::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailed = 1;
inline constexpr int kExitBadInput = 2;
inline constexpr int kExitInterrupted = 130;

// Set by SIGINT/SIGTERM.
extern std::atomic<bool> g_interrupted;
void InstallSignalHandlers();

struct GetArgs {
  std::string url;
  std::string output;
  std::string torrent;  // optional .torrent file
  std::string sha256;   // optional expected SHA-256, 64 hex digits
  bool http_only = false;
  unsigned retry_delay_s = 5;           // MinimumRetryDelay (BITS's minimum)
  unsigned no_progress_timeout_s = 60;  // NoProgressTimeout: a CLI should not wait 14 days
  bool background = false;
  // Keep serving the file until interrupted; also seed_after_complete (a `get` without it
  // does not leave its file in a data_dir's seed cache).
  bool seed = false;
  bool json = false;
  // One JSON line per ~150 ms on stdout (t, bytes, total, from_peers, from_http, state), the
  // last one in state "transferred" or "error"; the summary then goes to stderr only.
  bool progress_jsonl = false;
  // With no data_dir configured, use DefaultDataDir(): the job persists, and running the same
  // command again after an interruption continues it.
  bool resume = false;
  // By default the job goes to the machine-wide service (shoald; a user-mode one is started
  // when none answers): it outlives the command, Ctrl-C suspends it and a rerun continues
  // it. --standalone (implied by a settings flag, --continue or --seed, and taken when no
  // service can be had) runs an engine of this process instead; --service insists on the
  // service.
  bool standalone = false;
  bool service = false;
  bool detach = false;  // leave the service's job running and exit once it is submitted
  // The engine's settings: file, SHOAL_*, then --listen, --peer, --data-dir... and --set.
  SettingsFlags settings;
};
int RunGet(const GetArgs& args);

// The caller's jobs in shoald, as `shoal jobs --json` lists them; none when no service answers
// (none is started).
std::vector<nlohmann::json> ServiceJobs();

// {XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX}, as `shoal jobs` prints a job id.
std::string GuidText(const GUID& g);

struct MakeMetainfoArgs {
  std::string file;
  std::vector<std::string> web_seeds;
  std::vector<std::string> trackers;
  std::string output;
  int piece_kib = 0;
  bool v2_only = false;
  bool v1_only = false;
};
int RunMakeMetainfo(const MakeMetainfoArgs& args);

struct SeedArgs {
  std::string torrent;
  std::string dir;
  SettingsFlags settings;
};
int RunSeed(const SeedArgs& args);

struct DemoArgs {
  int peers = 4;
  int size_mib = 64;
  int cdn_mib_s = 8;
  bool seed_peer = false;  // one more peer that has the content from the start
};
int RunDemo(const DemoArgs& args);

struct SimArgs {
  std::string scenario;  // a scenario JSON file (tools/sim/scenarios/)
  std::string out;       // results.json and SVGs go here (empty: the table only)
  bool keep = false;     // keep the content, outputs and progress streams under OUT/work
  bool no_baselines = false;
};
int RunSim(const SimArgs& args);

struct ConfigArgs {
  bool json = false;
  SettingsFlags settings;
};
int RunConfig(const ConfigArgs& args);

// `shoal jobs`: the caller's jobs in the service (every user's with --all-users, root only).
struct JobsArgs {
  bool all_users = false;
  bool json = false;
};
int RunJobs(const JobsArgs& args);

// `shoal cancel|suspend|resume|complete|wait JOB` against the service.
struct JobCommandArgs {
  std::string command;
  std::string job;
  bool json = false;
};
int RunJobCommand(const JobCommandArgs& args);

// The service's manager through CoCreateInstance(CLSCTX_LOCAL_SERVER), never an engine in
// process: kExitOk, or kExitFailed after saying that no shoald answers.
int ConnectToService(ComPtr<IBackgroundCopyManager>* manager);

// `shoal daemon ARGS...`: runs shoald with ARGS in this process's place.
int RunDaemonCommand(const std::vector<std::string>& args);

// Reads a whole file; false (and a message) if it cannot.
bool ReadWholeFile(const std::string& path, std::string* data, std::string* error);
// "shoal: <message>" on stderr.
void Complain(const std::string& message);

}  // namespace shoal::cli
