#include "service/daemon.h"

#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <memory>
#include <thread>

#include "api/src/in_process_backend.h"
#include "service/router.h"

namespace shoal::service {
namespace {

int Fail(const std::string& why) {
  std::fprintf(stderr, "shoald: %s\n", why.c_str());
  return 1;
}

}  // namespace

int RunDaemon(DaemonConfig config) {
  // Every thread started from here on inherits the mask: only the waiter below takes them.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  ::signal(SIGPIPE, SIG_IGN);

  const ServicePaths& paths = config.paths;
  std::string error;
  const std::string socket_dir = std::filesystem::path(paths.socket).parent_path().string();
  // The system socket is reachable by everyone (identity comes from SO_PEERCRED); the user's
  // only by its user.
  if (!PrepareDir(socket_dir, paths.system ? 0755 : 0700, &error) ||
      !PrepareDir(paths.state_dir, 0700, &error) || !PrepareDir(paths.cache_dir, 0700, &error)) {
    return Fail(error);
  }
  const int listen_fd = ListenUnix(paths.socket, paths.system ? 0666 : 0600, &error);
  if (listen_fd < 0) return Fail(error);
  Server server(listen_fd, config.limits);
  config.settings.data_dir = paths.state_dir;
  // Declared after the server, so destroyed first: the server is its event sink.
  std::unique_ptr<api::Backend> backend =
      api::StartInProcessBackend(config.settings, &server, &error);
  if (!backend) {
    ::unlink(paths.socket.c_str());
    return Fail("the engine did not start: " + error);
  }
  Router router(*backend, paths.cache_dir, static_cast<std::int64_t>(::geteuid()));
  std::thread waiter([&] {
    int sig = 0;
    sigwait(&stop_signals, &sig);
    std::fprintf(stderr, "shoald: %s, stopping\n", sig == SIGTERM ? "SIGTERM" : "SIGINT");
    server.Stop();
  });
  std::fprintf(stderr, "shoald: serving %s (%s mode, state %s, store %s, peers on %s)\n",
               paths.socket.c_str(), paths.system ? "system" : "user", paths.state_dir.c_str(),
               paths.cache_dir.c_str(), backend->ListenEndpoint().c_str());
  server.Serve(&router);
  waiter.join();
  ::unlink(paths.socket.c_str());  // ours: bound by this process
  backend.reset();
  std::fprintf(stderr, "shoald: stopped\n");
  return 0;
}

}  // namespace shoal::service
