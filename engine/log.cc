#include "engine/log.h"

#include <atomic>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <memory>

#include "engine/mutex.h"

namespace shoal::engine {
namespace {

constexpr LogLevel kDefaultLevel = LogLevel::kInfo;

// Read once, at the first line or level query. Not logged through the sink: none may be
// installed yet, and this runs inside the level's initialization.
LogLevel LevelFromEnvironment() {
  const char* value = std::getenv("SHOAL_LOG_LEVEL");
  if (value == nullptr || *value == '\0') return kDefaultLevel;
  if (std::optional<LogLevel> level = ParseLogLevel(value)) return *level;
  const std::string line = FormatLogLine(LogLevel::kWarning, "log",
                                         std::string("SHOAL_LOG_LEVEL='") + value +
                                             "' is not one of error, warning, info, debug; using " +
                                             LogLevelName(kDefaultLevel));
  std::fputs(line.c_str(), stderr);
  return kDefaultLevel;
}

std::atomic<int>& Level() {
  static std::atomic<int> level{static_cast<int>(LevelFromEnvironment())};
  return level;
}

struct SinkSlot {
  Mutex mu;
  // Shared so a line being written keeps its sink alive while SetLogSink replaces it.
  std::shared_ptr<const LogSink> sink GUARDED_BY(mu);
};

SinkSlot& Slot() {
  static SinkSlot* slot = new SinkSlot;  // never destroyed: lines may come during exit
  return *slot;
}

}  // namespace

const char* LogLevelName(LogLevel level) {
  switch (level) {
    case LogLevel::kError:
      return "error";
    case LogLevel::kWarning:
      return "warning";
    case LogLevel::kInfo:
      return "info";
    case LogLevel::kDebug:
      return "debug";
  }
  return "?";
}

std::optional<LogLevel> ParseLogLevel(std::string_view name) {
  for (LogLevel level : {LogLevel::kError, LogLevel::kWarning, LogLevel::kInfo, LogLevel::kDebug}) {
    const std::string_view want = LogLevelName(level);
    if (name.size() != want.size()) continue;
    bool same = true;
    for (std::size_t i = 0; i < name.size() && same; ++i) {
      same = (name[i] | 0x20) == want[i];  // ASCII letters, any case
    }
    if (same) return level;
  }
  return std::nullopt;
}

void SetLogLevel(LogLevel level) { Level().store(static_cast<int>(level)); }

LogLevel GetLogLevel() { return static_cast<LogLevel>(Level().load(std::memory_order_relaxed)); }

bool LogEnabled(LogLevel level) {
  return static_cast<int>(level) <= Level().load(std::memory_order_relaxed);
}

void SetLogSink(LogSink sink) {
  std::shared_ptr<const LogSink> next =
      sink ? std::make_shared<const LogSink>(std::move(sink)) : nullptr;
  SinkSlot& slot = Slot();
  MutexLock lock(slot.mu);
  slot.sink.swap(next);
  // The old sink is released here or by the last line still using it.
}

std::string FormatLogLine(LogLevel level, std::string_view component, std::string_view message) {
  std::string line = "shoal: ";
  line += LogLevelName(level);
  line += ": ";
  line += component;
  line += ": ";
  line += message;
  line += '\n';
  return line;
}

void Log(LogLevel level, std::string_view component, std::string_view message) {
  if (!LogEnabled(level)) return;
  std::shared_ptr<const LogSink> sink;
  {
    SinkSlot& slot = Slot();
    MutexLock lock(slot.mu);
    sink = slot.sink;
  }
  // Outside the lock: a sink may log, or replace itself.
  if (sink) {
    (*sink)(level, component, message);
    return;
  }
  const std::string line = FormatLogLine(level, component, message);
  std::fwrite(line.data(), 1, line.size(), stderr);  // one write: lines do not interleave
}

void LogLines(LogLevel level, std::string_view component, std::string_view text) {
  while (!text.empty()) {
    const std::size_t end = text.find('\n');
    const std::string_view line = text.substr(0, end);
    if (!line.empty()) Log(level, component, line);
    if (end == std::string_view::npos) break;
    text.remove_prefix(end + 1);
  }
}

void Logf(LogLevel level, const char* component, const char* format, ...) {
  if (!LogEnabled(level)) return;
  char small[256];
  std::va_list args;
  va_start(args, format);
  std::va_list again;
  va_copy(again, args);
  const int n = std::vsnprintf(small, sizeof small, format, args);
  va_end(args);
  if (n < 0) {
    va_end(again);
    return Log(level, component, format);  // a bad format: say at least what was meant
  }
  if (static_cast<std::size_t>(n) < sizeof small) {
    va_end(again);
    return Log(level, component, std::string_view(small, static_cast<std::size_t>(n)));
  }
  std::string big(static_cast<std::size_t>(n) + 1, '\0');
  std::vsnprintf(big.data(), big.size(), format, again);
  va_end(again);
  big.resize(static_cast<std::size_t>(n));
  Log(level, component, big);
}

}  // namespace shoal::engine
