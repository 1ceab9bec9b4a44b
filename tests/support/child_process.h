// A real child process for crash and restart tests: argv[0] run with posix_spawn, its stdout
// on a pipe read line by line, its stderr appended to a file, extra environment variables
// beside the parent's. Killed (SIGKILL) and reaped on destruction if still running.
// Thread-compatible.
#pragma once

#include <sys/types.h>

#include <cstdio>
#include <string>
#include <vector>

namespace shoal::testing {

class Child {
 public:
  // `env` holds "NAME=value" entries added to (or overriding) the parent's environment.
  Child(std::vector<std::string> args, const std::string& err_path,
        std::vector<std::string> env = {});
  ~Child();
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;

  bool started() const { return pid_ > 0; }
  pid_t pid() const { return pid_; }
  // The next stdout line (with its newline), or false at end of output.
  bool Line(std::string* line);
  // Reaps the child: its exit code, or 128 + the signal that ended it.
  int Wait();
  // True (with its exit code as Wait gives it) once the child has ended; never blocks.
  bool Exited(int* code);
  void Signal(int sig);

 private:
  pid_t pid_ = -1;
  FILE* out_ = nullptr;
};

}  // namespace shoal::testing
