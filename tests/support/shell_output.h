// What a shell command prints on stdout, for tests that drive real clients (curl, wget,
// chromium) and read their answers. Thread-compatible (popen per call).
#pragma once

#include <cstdio>
#include <string>

namespace shoal::testing {

// Runs `cmd` with /bin/sh and returns its stdout ("" when it cannot be started).
inline std::string ShellOutput(const std::string& cmd) {
  std::string out;
  FILE* p = ::popen(cmd.c_str(), "r");
  if (p == nullptr) return out;
  char buf[4096];
  std::size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  ::pclose(p);
  return out;
}

}  // namespace shoal::testing
