// The log sink: levels, one event per line with its component, replaceable sinks, stderr by
// default, SHOAL_LOG_LEVEL.
#include "engine/log.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace shoal::engine {
namespace {

struct Line {
  LogLevel level;
  std::string component;
  std::string message;
  bool operator==(const Line&) const = default;
};

class LogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    saved_ = GetLogLevel();
    SetLogSink([this](LogLevel level, std::string_view component, std::string_view message) {
      std::lock_guard lock(mu_);
      lines_.push_back({level, std::string(component), std::string(message)});
    });
  }
  void TearDown() override {
    SetLogSink(nullptr);
    SetLogLevel(saved_);
  }
  std::vector<Line> Lines() {
    std::lock_guard lock(mu_);
    return lines_;
  }

  LogLevel saved_ = LogLevel::kInfo;
  std::mutex mu_;
  std::vector<Line> lines_;
};

TEST_F(LogTest, SinkGetsLevelComponentAndMessage) {
  SetLogLevel(LogLevel::kDebug);
  Log(LogLevel::kWarning, "store", "cannot save job 1");
  Logf(LogLevel::kError, "api", "failed (0x%08x): %s", 0x80070005u, "denied");
  EXPECT_THAT(Lines(),
              ::testing::ElementsAre(Line{LogLevel::kWarning, "store", "cannot save job 1"},
                                     Line{LogLevel::kError, "api", "failed (0x80070005): denied"}));
}

TEST_F(LogTest, LongFormattedMessagesAreWhole) {
  const std::string path(1000, 'p');
  Logf(LogLevel::kInfo, "cache", "%s left the cache", path.c_str());
  ASSERT_EQ(Lines().size(), 1u);
  EXPECT_EQ(Lines()[0].message, path + " left the cache");
}

TEST_F(LogTest, LevelDropsLessSevereEvents) {
  SetLogLevel(LogLevel::kWarning);
  EXPECT_TRUE(LogEnabled(LogLevel::kError));
  EXPECT_TRUE(LogEnabled(LogLevel::kWarning));
  EXPECT_FALSE(LogEnabled(LogLevel::kInfo));
  Log(LogLevel::kDebug, "torrent", "d");
  Logf(LogLevel::kInfo, "torrent", "%s", "i");
  Log(LogLevel::kWarning, "torrent", "w");
  Log(LogLevel::kError, "torrent", "e");
  std::vector<std::string> got;
  for (const Line& l : Lines()) got.push_back(l.message);
  EXPECT_THAT(got, ::testing::ElementsAre("w", "e"));
}

TEST_F(LogTest, LogLinesWritesOneEventPerLine) {
  LogLines(LogLevel::kWarning, "store", "job a: corrupt\n\njob b: cancelled\n");
  EXPECT_THAT(Lines(),
              ::testing::ElementsAre(Line{LogLevel::kWarning, "store", "job a: corrupt"},
                                     Line{LogLevel::kWarning, "store", "job b: cancelled"}));
}

TEST_F(LogTest, NullSinkWritesFormattedLinesToStderr) {
  SetLogSink(nullptr);
  ::testing::internal::CaptureStderr();
  Log(LogLevel::kWarning, "origin", "cannot listen (retrying)");
  EXPECT_EQ(::testing::internal::GetCapturedStderr(),
            "shoal: warning: origin: cannot listen (retrying)\n");
  EXPECT_TRUE(Lines().empty());
}

TEST_F(LogTest, SinkMayBeReplacedWhileOtherThreadsLog) {
  std::atomic<int> second{0};
  constexpr int kThreads = 4, kEach = 500;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([] {
      for (int i = 0; i < kEach; ++i) Log(LogLevel::kWarning, "t", "x");
    });
  }
  SetLogSink([&](LogLevel, std::string_view, std::string_view) { ++second; });
  for (auto& t : threads) t.join();
  // Every event reached exactly one of the two sinks.
  EXPECT_EQ(static_cast<int>(Lines().size()) + second.load(), kThreads * kEach);
}

TEST(LogLevelNames, ParseAcceptsEachNameInAnyCase) {
  for (LogLevel l : {LogLevel::kError, LogLevel::kWarning, LogLevel::kInfo, LogLevel::kDebug}) {
    EXPECT_EQ(ParseLogLevel(LogLevelName(l)), l);
  }
  EXPECT_EQ(ParseLogLevel("WARNING"), LogLevel::kWarning);
  EXPECT_EQ(ParseLogLevel("Debug"), LogLevel::kDebug);
  EXPECT_EQ(ParseLogLevel("warn"), std::nullopt);
  EXPECT_EQ(ParseLogLevel(""), std::nullopt);
  EXPECT_EQ(ParseLogLevel("info "), std::nullopt);
}

// The level is read from the environment at first use, so each case runs in a fresh child
// process (the "threadsafe" death-test style re-runs the test binary).
TEST(LogEnvironmentDeathTest, LevelComesFromShoalLogLevel) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  setenv("SHOAL_LOG_LEVEL", "error", 1);
  EXPECT_EXIT(
      {
        Log(LogLevel::kWarning, "t", "dropped");
        Log(LogLevel::kError, "t", "kept");
        std::exit(GetLogLevel() == LogLevel::kError ? 0 : 1);
      },
      ::testing::ExitedWithCode(0), "^shoal: error: t: kept\n$");
  unsetenv("SHOAL_LOG_LEVEL");
}

TEST(LogEnvironmentDeathTest, BadShoalLogLevelIsReportedAndIgnored) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  setenv("SHOAL_LOG_LEVEL", "loud", 1);
  EXPECT_EXIT(std::exit(GetLogLevel() == LogLevel::kInfo ? 0 : 1), ::testing::ExitedWithCode(0),
              "SHOAL_LOG_LEVEL='loud' is not one of error, warning, info, debug; using info");
  unsetenv("SHOAL_LOG_LEVEL");
}

}  // namespace
}  // namespace shoal::engine
