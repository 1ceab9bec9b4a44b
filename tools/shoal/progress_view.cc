#include "tools/shoal/progress_view.h"

#include <unistd.h>

#include <cmath>

namespace shoal::cli {

ProgressView::ProgressView(std::FILE* out) : out_(out), tty_(::isatty(fileno(out)) != 0) {}

std::string ProgressView::Bytes(double b) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  int u = 0;
  while (b >= 1024 && u < 4) {
    b /= 1024;
    ++u;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, u == 0 ? "%.0f %s" : "%.1f %s", b, units[u]);
  return buf;
}

std::string ProgressView::Duration(double s) {
  if (!std::isfinite(s) || s < 0) return "--:--";
  const long t = std::lround(s);
  char buf[32];
  if (t >= 3600) {
    std::snprintf(buf, sizeof buf, "%ld:%02ld:%02ld", t / 3600, t / 60 % 60, t % 60);
  } else {
    std::snprintf(buf, sizeof buf, "%ld:%02ld", t / 60, t % 60);
  }
  return buf;
}

std::string ProgressView::Line(const JobSample& s, Rate& r, double now) const {
  // Rate: exponentially smoothed over about a second.
  if (r.last_t >= 0 && now > r.last_t) {
    // Bytes can go down (a restart from zero): that is no negative, nor a 2^64, rate.
    const std::uint64_t delta = s.bytes_done >= r.last_bytes ? s.bytes_done - r.last_bytes : 0;
    const double inst = static_cast<double>(delta) / (now - r.last_t);
    const double alpha = std::min(1.0, (now - r.last_t) / 1.0);
    r.bytes_per_s = r.bytes_per_s * (1 - alpha) + inst * alpha;
  }
  r.last_bytes = s.bytes_done;
  r.last_t = now;

  const bool known = s.bytes_total != ~std::uint64_t{0} && s.bytes_total > 0;
  const double frac = known ? static_cast<double>(s.bytes_done) / s.bytes_total : 0;
  constexpr int kWidth = 24;
  std::string bar(kWidth, ' ');
  for (int i = 0; i < static_cast<int>(frac * kWidth); ++i) bar[i] = '#';
  const double eta = known && r.bytes_per_s > 1
                         ? static_cast<double>(s.bytes_total - s.bytes_done) / r.bytes_per_s
                         : NAN;
  char buf[320];
  std::snprintf(buf, sizeof buf,
                "%-10s [%s] %5.1f%%  %10s / %-10s %11s/s  ETA %-7s  peers %-10s CDN %-10s %s",
                s.label.c_str(), bar.c_str(), frac * 100, Bytes(s.bytes_done).c_str(),
                known ? Bytes(s.bytes_total).c_str() : "?", Bytes(r.bytes_per_s).c_str(),
                Duration(eta).c_str(), Bytes(s.from_peers).c_str(), Bytes(s.from_http).c_str(),
                s.state.c_str());
  return buf;
}

void ProgressView::Draw(const std::vector<JobSample>& jobs) {
  const double now =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  rates_.resize(jobs.size());
  if (!tty_) {
    if (last_plain_ >= 0 && now - last_plain_ < 1.0) return;
    last_plain_ = now;
  } else if (lines_drawn_ > 0) {
    std::fprintf(out_, "\x1b[%zuA", lines_drawn_);  // back to the first line of the frame
  }
  for (std::size_t i = 0; i < jobs.size(); ++i) {
    std::fprintf(out_, "%s%s\n", tty_ ? "\x1b[2K" : "", Line(jobs[i], rates_[i], now).c_str());
  }
  lines_drawn_ = tty_ ? jobs.size() : 0;
  std::fflush(out_);
}

void ProgressView::Finish() {
  lines_drawn_ = 0;
  std::fflush(out_);
}

}  // namespace shoal::cli
