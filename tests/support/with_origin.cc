// with_origin: runs a program against a loopback HTTP origin and checks what it downloaded.
// For tests written in other languages (C, Python) that cannot start origin/http_origin.h:
//   with_origin SIZE PROGRAM ARGS...
// serves SIZE random bytes at @URL@, runs PROGRAM with every "@URL@" / "@OUT@" in ARGS replaced
// (the content's URL; a path in a fresh directory), with an engine configuration for tests
// (SHOAL_LISTEN=127.0.0.1:0, no LSD, no config file), and exits 0 only when PROGRAM exited 0
// and @OUT@ holds exactly the content. Single-threaded apart from the origin's io thread.
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "origin/http_origin.h"

namespace {

std::string Replace(std::string text, const std::string& from, const std::string& to) {
  for (std::size_t at = text.find(from); at != std::string::npos; at = text.find(from, at)) {
    text.replace(at, from.size(), to);
    at += to.size();
  }
  return text;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: %s SIZE PROGRAM ARGS...\n", argv[0]);
    return 2;
  }
  namespace fs = std::filesystem;
  char root_template[] = "/tmp/shoal-with-origin-XXXXXX";
  if (::mkdtemp(root_template) == nullptr) return 2;
  const fs::path root(root_template);
  fs::create_directories(root / "served");
  fs::create_directories(root / "out");
  std::string content(std::strtoul(argv[1], nullptr, 10), '\0');
  std::mt19937 random(42);
  for (char& c : content) c = static_cast<char>(random());
  std::ofstream(root / "served" / "content.bin", std::ios::binary) << content;

  shoal::origin::HttpOriginOptions options;
  options.root = (root / "served").string();
  std::string error;
  auto origin = shoal::origin::HttpOrigin::Start(options, &error);
  if (!origin) {
    std::fprintf(stderr, "with_origin: %s\n", error.c_str());
    return 2;
  }
  const std::string url = origin->BaseUrl() + "/content.bin";
  const std::string out = (root / "out" / "content.bin").string();
  std::vector<std::string> args;
  for (int i = 2; i < argc; ++i) {
    args.push_back(Replace(Replace(argv[i], "@URL@", url), "@OUT@", out));
  }
  ::setenv("SHOAL_LISTEN", "127.0.0.1:0", 1);
  ::setenv("SHOAL_LSD", "0", 1);
  ::setenv("SHOAL_CONFIG", "", 1);
  ::setenv("SHOAL_TEST_URL", url.c_str(), 1);
  ::setenv("SHOAL_TEST_OUT", out.c_str(), 1);

  std::vector<char*> child_argv;  // built before fork: the child only execs
  for (std::string& a : args) child_argv.push_back(a.data());
  child_argv.push_back(nullptr);
  const pid_t child = ::fork();
  if (child == 0) {
    ::execvp(child_argv[0], child_argv.data());
    std::perror("with_origin: exec");
    ::_exit(127);
  }
  int status = 0;
  ::waitpid(child, &status, 0);
  std::ostringstream got;
  got << std::ifstream(out, std::ios::binary).rdbuf();
  fs::remove_all(root);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    std::fprintf(stderr, "with_origin: %s failed (status %d)\n", args[0].c_str(), status);
    return 1;
  }
  if (got.str() != content) {
    std::fprintf(stderr, "with_origin: %s holds %zu bytes, not the %zu served\n", out.c_str(),
                 got.str().size(), content.size());
    return 1;
  }
  std::printf("with_origin: %s downloaded %zu bytes intact\n", args[0].c_str(), content.size());
  return 0;
}
