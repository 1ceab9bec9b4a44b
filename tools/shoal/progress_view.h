// Live progress lines for the CLI: bytes, rate, ETA and bytes by source per job, redrawn in
// place on a terminal and printed once a second otherwise. Thread-compatible.
#pragma once

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

namespace shoal::cli {

struct JobSample {
  std::string label;
  std::uint64_t bytes_total = 0;  // ~0 when unknown
  std::uint64_t bytes_done = 0;
  std::uint64_t from_peers = 0;
  std::uint64_t from_http = 0;
  std::string state;
};

class ProgressView {
 public:
  explicit ProgressView(std::FILE* out);
  // Draws one line per job; call every ~100-250 ms.
  void Draw(const std::vector<JobSample>& jobs);
  // Leaves the last frame on screen.
  void Finish();

  static std::string Bytes(double b);
  static std::string Duration(double seconds);

 private:
  struct Rate {
    std::uint64_t last_bytes = 0;
    double last_t = -1;
    double bytes_per_s = 0;
  };
  std::string Line(const JobSample& s, Rate& r, double now) const;

  std::FILE* out_;
  bool tty_;
  std::size_t lines_drawn_ = 0;
  double last_plain_ = -1;
  std::vector<Rate> rates_;
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
};

}  // namespace shoal::cli
