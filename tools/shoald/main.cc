// shoald: the machine-wide delivery service (decision 0010, docs/local-api.md). --system (the
// default as root) or --user; the paths can be overridden; the settings pack flags configure
// its engine; --cache-node (cache_node_listen) adds the cache role (docs/cache.md). Stops
// cleanly on SIGTERM or SIGINT.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <string>

#include "service/cache_role.h"
#include "service/daemon.h"
#include "shoal/version.h"
#include "tools/shoal/settings_flags.h"

int main(int argc, char** argv) {
  CLI::App app{"shoald: the machine-wide shoal delivery service (local API over AF_UNIX)"};
  app.set_version_flag("--version", std::string("shoald ") + shoal::Version());
  bool user = false;
  bool system = false;
  std::string socket, state_dir, cache_dir;
  int idle_timeout_s = 60;
  std::size_t max_connections = 256;
  std::size_t max_connections_per_user = 32;
  auto* u = app.add_flag("--user", user,
                         "user mode: $XDG_RUNTIME_DIR/shoal/shoal.sock, XDG dirs "
                         "(the default when not root)");
  app.add_flag("--system", system,
               "system mode: /run/shoal/shoal.sock, /var/lib/shoal, "
               "/var/cache/shoal (the default as root)")
      ->excludes(u);
  app.add_option("--socket", socket, "the socket to listen on");
  app.add_option("--state-dir", state_dir, "the engine's state (jobs.db, resume data)");
  app.add_option("--cache-dir", cache_dir, "the content store");
  app.add_option("--idle-timeout", idle_timeout_s, "seconds before a silent connection is closed")
      ->check(CLI::Range(1, 86400));
  app.add_option("--max-connections", max_connections, "connections served at once")
      ->check(CLI::Range(1, 100000));
  app.add_option("--max-connections-per-user", max_connections_per_user,
                 "connections of one uid served at once")
      ->check(CLI::Range(1, 100000));
  shoal::cli::SettingsFlags settings;
  std::vector<shoal::cli::SettingShortcut> shortcuts = shoal::cli::NetShortcuts();
  shortcuts.push_back({"--cache-node",
                       "the cache role: serve the LAN cache node's HTTP front here "
                       "(cache_node_listen; 3144 is its port)",
                       "ADDR:PORT",
                       {"cache_node_listen"}});
  shortcuts.push_back({"--allow-origin",
                       "the cache node fetches only from these hosts (repeatable; "
                       "cache_node_allow_origins)",
                       "PATTERN",
                       {"cache_node_allow_origins"},
                       false,
                       true});
  shortcuts.push_back({"--allow-local-origins",
                       "the cache node may fetch from this machine's own addresses "
                       "(cache_node_allow_local_origins)",
                       "",
                       {"cache_node_allow_local_origins"},
                       true});
  settings.Add(&app, shortcuts);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;  // --help and --version exit 0, a usage error 2
  }

  shoal::service::DaemonConfig config;
  if (user || (!system && ::geteuid() != 0)) {
    std::string error;
    if (!shoal::api::UserPaths(&config.paths, &error) && socket.empty()) {
      std::fprintf(stderr, "shoald: %s\n", error.c_str());
      return 2;
    }
    config.paths.system = false;
  } else {
    config.paths = shoal::api::SystemPaths();
  }
  if (!socket.empty()) config.paths.socket = socket;
  if (!state_dir.empty()) config.paths.state_dir = state_dir;
  if (!cache_dir.empty()) config.paths.cache_dir = cache_dir;
  if (config.paths.state_dir.empty() || config.paths.cache_dir.empty()) {
    std::fprintf(stderr, "shoald: give --state-dir and --cache-dir\n");
    return 2;
  }
  if (!settings.Load(&config.settings, nullptr)) return 2;
  if (!config.settings.cache_node_listen.empty()) {
    shoal::cache::ProxyOptions node;
    std::string error;
    if (!shoal::service::CacheNodeOptions(config.settings, config.paths.cache_dir, &node, &error)) {
      std::fprintf(stderr, "shoald: %s\n", error.c_str());
      return 2;
    }
  }
  config.limits.idle_timeout_ms = idle_timeout_s * 1000;
  config.limits.max_connections = max_connections;
  config.limits.max_connections_per_user = max_connections_per_user;
  return shoal::service::RunDaemon(std::move(config));
}

namespace shoal::cli {
// What settings_flags.cc reports bad input with (the CLI's own lives in seed.cc).
void Complain(const std::string& message) { std::fprintf(stderr, "shoald: %s\n", message.c_str()); }
}  // namespace shoal::cli
