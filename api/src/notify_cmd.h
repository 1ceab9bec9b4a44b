// The notify command line of IBackgroundCopyJob2::SetNotifyCmdLine: splitting the Windows-style
// parameter string into argv, and starting the program without a shell or a PATH search, as
// the calling user (the job's owner: the callback dispatcher runs in the owner's process).
// Thread-safe (no shared state; each child is reaped by a thread of its own).
#pragma once

#include <string>
#include <vector>

namespace shoal::api {

// Splits a command line as CommandLineToArgvW does: blanks separate arguments outside double
// quotes; 2n backslashes before a quote are n backslashes and the quote toggles quoting,
// 2n+1 are n backslashes and a literal quote; other backslashes are literal.
std::vector<std::string> SplitCommandLine(const std::string& line);

// Starts `program` (an absolute path) with the arguments `parameters` splits into (argv[0]
// first, as BITS passes it; just the program when `parameters` is empty), stdin on /dev/null.
// Does not wait for it. False, with errno set, when it could not be started.
bool StartNotifyProgram(const std::string& program, const std::string& parameters);

}  // namespace shoal::api
