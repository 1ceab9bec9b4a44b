#include "tests/support/child_process.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>

extern char** environ;

namespace shoal::testing {

Child::Child(std::vector<std::string> args, const std::string& err_path,
             std::vector<std::string> env) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return;
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  // The parent's environment minus what `env` overrides, then `env`.
  std::vector<char*> envp;
  for (char** e = environ; *e != nullptr; ++e) {
    bool overridden = false;
    for (const std::string& kv : env) {
      const std::size_t n = kv.find('=') + 1;
      overridden = overridden || std::strncmp(*e, kv.c_str(), n) == 0;
    }
    if (!overridden) envp.push_back(*e);
  }
  for (auto& kv : env) envp.push_back(kv.data());
  envp.push_back(nullptr);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, fds[1], 1);
  posix_spawn_file_actions_addopen(&fa, 2, err_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  if (posix_spawn(&pid_, argv[0], &fa, nullptr, argv.data(), envp.data()) != 0) pid_ = -1;
  posix_spawn_file_actions_destroy(&fa);
  ::close(fds[1]);
  out_ = ::fdopen(fds[0], "r");
}

Child::~Child() {
  if (pid_ > 0) {
    ::kill(pid_, SIGKILL);
    Wait();
  }
  if (out_) std::fclose(out_);
}

bool Child::Line(std::string* line) {
  if (out_ == nullptr) return false;
  char* buf = nullptr;
  std::size_t cap = 0;
  const ssize_t n = ::getline(&buf, &cap, out_);
  if (n >= 0) line->assign(buf, n);
  std::free(buf);
  return n >= 0;
}

int Child::Wait() {
  int status = 0;
  ::waitpid(pid_, &status, 0);
  pid_ = -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

bool Child::Exited(int* code) {
  if (pid_ <= 0) return false;
  int status = 0;
  if (::waitpid(pid_, &status, WNOHANG) != pid_) return false;
  pid_ = -1;
  *code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return true;
}

void Child::Signal(int sig) {
  if (pid_ > 0) ::kill(pid_, sig);
}

}  // namespace shoal::testing
