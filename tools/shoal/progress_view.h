// Live progress lines for the CLI: bytes, rate, ETA and bytes by source per job, redrawn in
// place on a terminal (each line fitted to its width, so nothing wraps) and, without one,
// printed when something changed, at most once a second. Thread-compatible.
#pragma once

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

namespace shoal::cli {

struct JobSample {
  std::string label;
  std::uint64_t bytes_total = 0;  // ~0 when unknown
  std::uint64_t bytes_done = 0;
  std::uint64_t from_peers = 0;
  std::uint64_t from_http = 0;
  std::uint64_t from_cache_server = 0;  // the site's cache node (BytesFromCacheServer)
  std::string state;
};

class ProgressView {
 public:
  struct Options {
    std::optional<bool> tty;  // unset: whether `out` is a terminal
    int columns = 0;          // 0: the terminal's width, else $COLUMNS, else 80
  };
  explicit ProgressView(std::FILE* out) : ProgressView(out, Options()) {}
  ProgressView(std::FILE* out, Options options);
  // Draws one line per job; call every ~100-250 ms. `now_s`: seconds since the view was made
  // (unset: the clock's).
  void Draw(const std::vector<JobSample>& jobs, std::optional<double> now_s = std::nullopt);
  // A message line above the live lines (which the next Draw redraws below it).
  void Note(const std::string& message);
  // Leaves the last frame on screen.
  void Finish();

  static std::string Bytes(double b);
  static std::string Duration(double seconds);
  // `text` in at most `width` columns: cut in the middle ("ab..yz") when longer.
  static std::string Fit(const std::string& text, std::size_t width);

 private:
  struct Rate {
    std::uint64_t last_bytes = 0;
    double last_t = -1;
    double bytes_per_s = 0;
  };
  std::string Line(const JobSample& s, Rate& r, double now, std::size_t columns) const;
  std::size_t Columns() const;

  std::FILE* out_;
  bool tty_;
  int columns_;
  std::size_t lines_drawn_ = 0;
  double last_plain_ = -1;
  std::string last_plain_key_;
  std::vector<Rate> rates_;
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
};

}  // namespace shoal::cli
