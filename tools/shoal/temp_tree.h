// A private temporary directory (mkdtemp under $TMPDIR) removed with everything in it when the
// owner goes away, on success, failure and interruption alike. Thread-compatible.
#pragma once

#include <cstdlib>
#include <filesystem>
#include <string>
#include <system_error>

namespace shoal::cli {

class TempTree {
 public:
  explicit TempTree(const std::string& prefix) {
    std::string t = (std::filesystem::temp_directory_path() / (prefix + "-XXXXXX")).string();
    if (::mkdtemp(t.data()) != nullptr) root_ = t;
  }
  ~TempTree() {
    std::error_code ec;
    if (!root_.empty()) std::filesystem::remove_all(root_, ec);
  }
  TempTree(const TempTree&) = delete;
  TempTree& operator=(const TempTree&) = delete;

  // Empty when the directory could not be created.
  const std::filesystem::path& root() const { return root_; }

 private:
  std::filesystem::path root_;
};

}  // namespace shoal::cli
