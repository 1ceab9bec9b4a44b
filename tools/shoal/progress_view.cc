#include "tools/shoal/progress_view.h"

#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>

namespace shoal::cli {
namespace {

constexpr std::size_t kMinLabel = 8;
constexpr std::size_t kWantLabel = 32;
constexpr std::size_t kBarWidth = 20;

}  // namespace

ProgressView::ProgressView(std::FILE* out, Options options)
    : out_(out),
      tty_(options.tty.value_or(::isatty(fileno(out)) != 0)),
      columns_(options.columns) {}

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

std::string ProgressView::Fit(const std::string& text, std::size_t width) {
  if (text.size() <= width) return text;
  if (width <= 2) return text.substr(0, width);
  const std::size_t tail = (width - 2) / 2, head = width - 2 - tail;
  return text.substr(0, head) + ".." + text.substr(text.size() - tail);
}

std::size_t ProgressView::Columns() const {
  if (columns_ > 0) return static_cast<std::size_t>(columns_);
  winsize ws{};
  if (tty_ && ::ioctl(fileno(out_), TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0) return ws.ws_col;
  if (const char* c = std::getenv("COLUMNS"); c != nullptr && std::atoi(c) > 0) {
    return static_cast<std::size_t>(std::atoi(c));
  }
  return 80;
}

std::string ProgressView::Line(const JobSample& s, Rate& r, double now, std::size_t columns) const {
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
  const double eta = known && r.bytes_per_s > 1
                         ? static_cast<double>(s.bytes_total - s.bytes_done) / r.bytes_per_s
                         : NAN;
  char pct[16];
  std::snprintf(pct, sizeof pct, "%5.1f%%", frac * 100);
  std::string bar(kBarWidth, ' ');
  bar.replace(0, static_cast<std::size_t>(frac * kBarWidth), std::string(frac * kBarWidth, '#'));

  // The parts in the order shown; each with the rank it is dropped in when the line is too
  // wide (highest first): a narrow terminal keeps the name, the figures and the state.
  struct Part {
    std::string text;
    int rank;
  };
  std::vector<Part> parts = {
      {"[" + bar + "]", 5},
      {pct, 0},
      {Bytes(s.bytes_done) + " / " + (known ? Bytes(s.bytes_total) : "?"), 0},
      {Bytes(r.bytes_per_s) + "/s", 3},
      {"ETA " + Duration(eta), 4},
      {"peers " + Bytes(s.from_peers) +
           (s.from_cache_server > 0 ? " cache " + Bytes(s.from_cache_server) : "") + " CDN " +
           Bytes(s.from_http),
       2},
      {s.state, 1},
  };
  auto width = [&](int max_rank) {
    std::size_t w = 0;
    for (const Part& p : parts) {
      if (p.rank <= max_rank && !p.text.empty()) w += p.text.size() + 2;
    }
    return w;
  };
  // One column is left free: writing the last one makes some terminals wrap.
  const std::size_t room = columns > 1 ? columns - 1 : 1;
  // The bar, ETA and rate give way to the name (up to kWantLabel); the rest only to its minimum.
  int max_rank = 5;
  const std::size_t want = std::min(s.label.size(), kWantLabel);
  while (max_rank > 2 && width(max_rank) + want > room) --max_rank;
  while (max_rank > 0 && width(max_rank) + std::min(want, kMinLabel) > room) --max_rank;
  const std::size_t rest = width(max_rank);
  std::string line = Fit(s.label, rest < room ? std::max(room - rest, kMinLabel) : kMinLabel);
  for (const Part& p : parts) {
    if (p.rank <= max_rank && !p.text.empty()) line += "  " + p.text;
  }
  return line.size() > room ? line.substr(0, room) : line;
}

void ProgressView::Draw(const std::vector<JobSample>& jobs, std::optional<double> now_s) {
  const double now = now_s.value_or(
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count());
  rates_.resize(jobs.size());
  if (!tty_) {
    // A log, not an animation: a line when something changed, at most once a second.
    std::string key;
    for (const JobSample& s : jobs) {
      key +=
          std::to_string(s.bytes_done) + "/" + std::to_string(s.bytes_total) + " " + s.state + ";";
    }
    if (key == last_plain_key_ || (last_plain_ >= 0 && now - last_plain_ < 1.0)) return;
    last_plain_ = now;
    last_plain_key_ = key;
  } else if (lines_drawn_ > 0) {
    std::fprintf(out_, "\x1b[%zuA", lines_drawn_);  // back to the first line of the frame
  }
  // Without a terminal no line is cut: a log reader wants it whole.
  const std::size_t columns = tty_ ? Columns() : 1000;
  for (std::size_t i = 0; i < jobs.size(); ++i) {
    std::fprintf(out_, "%s%s\n", tty_ ? "\x1b[2K" : "",
                 Line(jobs[i], rates_[i], now, columns).c_str());
  }
  lines_drawn_ = tty_ ? jobs.size() : 0;
  std::fflush(out_);
}

void ProgressView::Note(const std::string& message) {
  // Over the frame: back to its first line and clear to the end of the screen.
  if (tty_ && lines_drawn_ > 0) std::fprintf(out_, "\x1b[%zuA\x1b[J", lines_drawn_);
  lines_drawn_ = 0;
  std::fprintf(out_, "%s\n", message.c_str());
  std::fflush(out_);
}

void ProgressView::Finish() {
  lines_drawn_ = 0;
  std::fflush(out_);
}

}  // namespace shoal::cli
