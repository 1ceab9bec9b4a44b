// The library's log: one line per event, with a level and the component that speaks, to
// stderr unless a sink is installed (the service will send lines to the journal). The level
// comes from SHOAL_LOG_LEVEL (error, warning, info, debug; default info) until SetLogLevel
// is called. Thread-safe; a sink may be called from several threads at once.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace shoal::engine {

enum class LogLevel { kError, kWarning, kInfo, kDebug };

// "error", "warning", "info", "debug".
const char* LogLevelName(LogLevel level);
// The level a name stands for (as LogLevelName spells it, any case); none for anything else.
std::optional<LogLevel> ParseLogLevel(std::string_view name);

// Lines at `level` and more severe are written; the rest are dropped before any formatting.
void SetLogLevel(LogLevel level);
LogLevel GetLogLevel();
bool LogEnabled(LogLevel level);

// Receives each line's parts; `message` has no trailing newline.
using LogSink =
    std::function<void(LogLevel level, std::string_view component, std::string_view message)>;
// Replaces the sink (null: back to stderr). Lines being written meanwhile may still reach the
// old one.
void SetLogSink(LogSink sink);
// What the default sink writes for one event: "shoal: warning: store: cannot save job ...\n".
std::string FormatLogLine(LogLevel level, std::string_view component, std::string_view message);

// Writes one event. `component` names the part of the library speaking ("store", "torrent").
void Log(LogLevel level, std::string_view component, std::string_view message);
// One event per line of `text` (empty lines are skipped): for reports built line by line.
void LogLines(LogLevel level, std::string_view component, std::string_view text);
// The same with a printf-style message.
void Logf(LogLevel level, const char* component, const char* format, ...)
    __attribute__((format(printf, 3, 4)));

}  // namespace shoal::engine
