// Child processes of `shoal sim` (shoal peers, curl, aria2c, opentracker): started with their
// output in files and no other inherited descriptor, told to die with the harness
// (PR_SET_PDEATHSIG), and stopped by pid: SIGTERM,
// then SIGKILL after a grace period. Thread-compatible; one owner drives them.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace shoal::cli {

class Child {
 public:
  Child() = default;
  // Starts argv[0] (looked up on PATH) with stdout/stderr to the given files ("" = /dev/null),
  // inside the named network namespace (/run/netns/NAME) unless `netns` is empty.
  static std::optional<Child> Spawn(const std::vector<std::string>& argv, const std::string& out,
                                    const std::string& err, std::string* error,
                                    const std::string& netns = "");
  Child(Child&& o) noexcept;
  Child& operator=(Child&& o) noexcept;
  ~Child();  // Stop()s a child still running

  pid_t pid() const { return pid_; }
  bool running() const { return pid_ > 0 && !exited_; }
  // Non-blocking: true once the child has exited (then exit_code() is valid).
  bool Poll();
  // -1 for a child ended by a signal.
  int exit_code() const { return exit_code_; }
  int term_signal() const { return signal_; }
  // SIGTERM, wait up to grace_s, then SIGKILL; reaps it.
  void Stop(double grace_s = 5.0);
  void Kill();  // SIGKILL and reap at once (churn: a peer vanishing)

 private:
  void Reap(bool block);
  pid_t pid_ = -1;
  bool exited_ = false;
  int exit_code_ = -1;
  int signal_ = 0;
};

// True when `tool` is an executable on PATH.
bool HaveTool(const std::string& tool);
// A TCP port free on `ip` right now (bound and released; the child binds it next).
int FreePort(const std::string& ip);
// True when something accepts TCP connections on ip:port.
bool Listening(const std::string& ip, int port);
// Whether two files hold the same bytes (false when either cannot be read).
bool SameBytes(const std::filesystem::path& a, const std::filesystem::path& b);
// Bytes a client has written so far (allocated blocks: aria2 writes pieces out of order into
// a sparse file, curl appends). An approximation for the picture, capped at `cap`.
std::uint64_t WrittenBytes(const std::filesystem::path& p, std::uint64_t cap);
// The running program's own path (to start `shoal get` children).
std::string SelfExe();

}  // namespace shoal::cli
