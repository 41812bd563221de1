// Local processes for the cluster tooling, beyond starting and stopping them
// (spawn/spawn.h does that): finding them by command line, and running work
// on several threads.
#pragma once

#include <sys/types.h>

#include <functional>
#include <string>
#include <vector>

#include "base/status.h"

namespace faultline {

// The process's command line with NUL separators turned into spaces ("" if gone).
std::string process_cmdline(pid_t pid);

// Live processes (other than this one) whose command line contains every one of `parts`.
std::vector<pid_t> pids_with_cmdline_containing(const std::vector<std::string>& parts);

// Calls fn(0) .. fn(count - 1) on up to `max_threads` threads; returns the
// first error (by index), after all calls have finished.
Status run_parallel(size_t count, const std::function<Status(size_t)>& fn, size_t max_threads = 16);

}  // namespace faultline
