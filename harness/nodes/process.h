// Local processes for the cluster tooling: run a command to completion with a
// timeout (capturing its output), start a detached daemon, and stop processes
// by pid. Everything takes argv vectors: no shell, so no quoting mistakes.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include "base/status.h"

namespace faultline {

struct CommandResult {
  int exit_status = -1;  // 128 + signal number when killed by a signal
  std::string stdout_text;
  std::string stderr_text;
};

// Runs argv[0] (searched in PATH) with `stdin_text` as its standard input and
// waits at most `timeout`; a command still running then is killed (SIGKILL) and
// the result is an error. A non-zero exit is not an error here: callers judge it.
Status run_command(const std::vector<std::string>& argv, std::chrono::milliseconds timeout,
                   CommandResult* result, const std::string& stdin_text = "");

// Like run_command, but a non-zero exit is an error whose message holds the
// command line and its stderr.
Status run_checked(const std::vector<std::string>& argv, std::chrono::milliseconds timeout,
                   CommandResult* result = nullptr, const std::string& stdin_text = "");

// Starts argv detached (double fork, new session, stdin /dev/null, stdout and
// stderr appended to `log_path`), so it is not our child: it never becomes our
// zombie and outlives us. Sets *pid to its pid once it has exec'd.
Status spawn_detached(const std::vector<std::string>& argv, const std::string& log_path,
                      pid_t* pid);

// True if `pid` names a live process (a zombie counts as gone).
bool process_alive(pid_t pid);

// The process's command line with NUL separators turned into spaces ("" if gone).
std::string process_cmdline(pid_t pid);

// Live processes (other than this one) whose command line contains every one of `parts`.
std::vector<pid_t> pids_with_cmdline_containing(const std::vector<std::string>& parts);

// Sends SIGTERM to each live pid, waits up to `grace` for all to go, then
// SIGKILLs the rest and waits up to a second more. Returns an error naming any
// pid still alive after that.
Status terminate_processes(const std::vector<pid_t>& pids, std::chrono::milliseconds grace);

// Calls fn(0) .. fn(count - 1) on up to `max_threads` threads; returns the
// first error (by index), after all calls have finished.
Status run_parallel(size_t count, const std::function<Status(size_t)>& fn, size_t max_threads = 16);

// The command line as one printable string, for messages and logs.
std::string join_argv(const std::vector<std::string>& argv);

}  // namespace faultline
