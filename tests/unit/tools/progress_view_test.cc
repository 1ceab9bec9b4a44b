#include "tools/shoal/progress_view.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <thread>

namespace shoal::cli {
namespace {

std::string Drawn(std::FILE* f) {
  std::fflush(f);
  std::rewind(f);
  std::string out;
  char buf[4096];
  for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, f)) > 0;) out.append(buf, n);
  return out;
}

TEST(ProgressView, BytesGoingBackGiveNoHugeRate) {
  // A file that restarts from zero (or a rerun whose restored bytes are re-checked) lowers
  // bytes_done: the rate was then computed on an unsigned wrap-around, about 2^64 B/s.
  std::FILE* f = std::tmpfile();
  ASSERT_NE(f, nullptr);
  ProgressView view(f);  // not a terminal: a line at most once a second
  JobSample s;
  s.label = "x";
  s.bytes_total = 8 << 20;
  s.bytes_done = 4 << 20;
  view.Draw({s});
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  s.bytes_done = 0;
  view.Draw({s});
  const std::string out = Drawn(f);
  EXPECT_EQ(out.find("TiB/s"), std::string::npos) << out;
  EXPECT_NE(out.find("0 B/s"), std::string::npos) << out;
  std::fclose(f);
}

}  // namespace
}  // namespace shoal::cli
