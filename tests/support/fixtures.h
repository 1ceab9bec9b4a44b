// Test helpers shared by integration tests: temp directories, random content, waiting for a
// condition with a deadline (a failure, never a pass, when it expires). Thread-compatible.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

namespace shoal::testing {

// A fresh directory under /tmp, removed with everything in it on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  std::string operator/(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

// `size` pseudo-random bytes, deterministic per seed.
std::string RandomBytes(std::size_t size, unsigned seed = 1);
// Writes RandomBytes(size, seed) to `path` and returns them.
std::string WriteRandomFile(const std::string& path, std::size_t size, unsigned seed = 1);
std::string ReadFile(const std::string& path);
void WriteFile(const std::string& path, const std::string& data);

// Polls `done` every 20 ms until it holds or `timeout` passes. Returns whether it held.
bool WaitFor(const std::function<bool()>& done,
             std::chrono::milliseconds timeout = std::chrono::seconds(60));

// Sets an environment variable for one scope, restoring what was there (or its absence).
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const std::string& value);
  ~ScopedEnv();
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

 private:
  const char* name_;
  std::string old_;
  bool had_ = false;
};

// A loopback port nothing listens on (bound, then closed): connections to it are refused.
int ClosedLoopbackPort();

// Why network namespaces (the emulated site) cannot be made here: not root, no iproute2, or
// unshare refused; "" when they can.
std::string WhyNoNamespaces();

// Lists the names in a directory (for "nothing left behind" checks).
std::vector<std::string> ListDir(const std::string& dir);

}  // namespace shoal::testing
