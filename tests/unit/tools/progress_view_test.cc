#include "tools/shoal/progress_view.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <sstream>

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

std::vector<std::string> Lines(const std::string& out) {
  std::vector<std::string> lines;
  std::istringstream in(out);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

JobSample Sample(std::string label, std::uint64_t done) {
  JobSample s;
  s.label = std::move(label);
  s.bytes_total = 8 << 20;
  s.bytes_done = done;
  s.from_peers = done / 2;
  s.from_http = done - done / 2;
  s.state = "transferring";
  return s;
}

TEST(ProgressView, BytesGoingBackGiveNoHugeRate) {
  // A file that restarts from zero (or a rerun whose restored bytes are re-checked) lowers
  // bytes_done: the rate was then computed on an unsigned wrap-around, about 2^64 B/s.
  std::FILE* f = std::tmpfile();
  ASSERT_NE(f, nullptr);
  ProgressView view(f, {.tty = false});
  view.Draw({Sample("x", 4 << 20)}, 0.0);
  view.Draw({Sample("x", 0)}, 1.1);
  const std::string out = Drawn(f);
  EXPECT_EQ(out.find("TiB/s"), std::string::npos) << out;
  EXPECT_NE(out.find("0 B/s"), std::string::npos) << out;
  std::fclose(f);
}

// On a terminal every line fits its width (a wrapped line breaks the redraw), whatever the
// width; the name is kept whole while there is room, and the figures always stay.
TEST(ProgressView, EveryLineFitsTheTerminalAndKeepsTheFigures) {
  const std::string name = "debian-12.8.0-amd64-netinst.iso";
  for (int columns : {30, 40, 60, 80, 100, 150, 200}) {
    SCOPED_TRACE(columns);
    std::FILE* f = std::tmpfile();
    ASSERT_NE(f, nullptr);
    ProgressView view(f, {.tty = true, .columns = columns});
    view.Draw({Sample(name, 3 << 20), Sample("b.bin", 1 << 20)}, 0.5);
    view.Draw({Sample(name, 4 << 20), Sample("b.bin", 2 << 20)}, 1.0);
    const std::string out = Drawn(f);
    int lines = 0;
    for (std::string line : Lines(out)) {
      const bool last_frame = ++lines > 2;
      // Strip the cursor controls: "\x1b[2K" before each line, "\x1b[2A" before a frame.
      for (std::size_t esc; (esc = line.find('\x1b')) != std::string::npos;) {
        line.erase(esc, line.find_first_of("AK", esc) - esc + 1);
      }
      EXPECT_LT(line.size(), static_cast<std::size_t>(columns)) << line;
      if (!last_frame || line.find("b.bin") != std::string::npos) continue;
      auto has = [&](const std::string& part) { return line.find(part) != std::string::npos; };
      EXPECT_TRUE(columns < 40 || has("50.0%  4.0 MiB / 8.0 MiB")) << line;
      EXPECT_TRUE(columns < 60 || has("transferring")) << line;
      EXPECT_TRUE(columns < 100 || has(name)) << line;
      EXPECT_TRUE(columns < 150 || has("ETA")) << line;
    }
    EXPECT_EQ(lines, 4);
    std::fclose(f);
  }
}

TEST(ProgressView, LongNamesAreCutInTheMiddleNotAtTenCharacters) {
  EXPECT_EQ(ProgressView::Fit("update.bin", 20), "update.bin");
  EXPECT_EQ(ProgressView::Fit("abcdefghijklmnop", 10), "abcd..mnop");
  EXPECT_EQ(ProgressView::Fit("abcdefghijklmnop", 9), "abcd..nop");
  std::FILE* f = std::tmpfile();
  ASSERT_NE(f, nullptr);
  ProgressView view(f, {.tty = false});
  view.Draw({Sample("a-name-longer-than-ten.bin", 1 << 20)}, 0.0);
  EXPECT_NE(Drawn(f).find("a-name-longer-than-ten.bin"), std::string::npos);
  std::fclose(f);
}

// Without a terminal the output is a log: a line when something changed, at most once a
// second, and nothing while the job stands still.
TEST(ProgressView, WithoutATerminalALineOnlyWhenSomethingChanged) {
  std::FILE* f = std::tmpfile();
  ASSERT_NE(f, nullptr);
  ProgressView view(f, {.tty = false});
  view.Draw({Sample("x", 1 << 20)}, 0.0);
  view.Draw({Sample("x", 2 << 20)}, 0.5);  // changed, but within the second
  for (int i = 0; i < 20; ++i) view.Draw({Sample("x", 2 << 20)}, 1.0 + i);  // standing still
  JobSample done = Sample("x", 8 << 20);
  done.state = "transferred";
  view.Draw({done}, 30.0);
  const auto lines = Lines(Drawn(f));
  ASSERT_EQ(lines.size(), 3u) << Drawn(f);
  EXPECT_NE(lines[0].find("1.0 MiB"), std::string::npos);
  EXPECT_NE(lines[1].find("2.0 MiB"), std::string::npos);
  EXPECT_NE(lines[2].find("transferred"), std::string::npos);
  std::fclose(f);
}

}  // namespace
}  // namespace shoal::cli
