// The one way faultline and its tests start local processes (Boost.Process v2;
// docs/nodes.md#local-processes): run a command to completion, start a child
// with its output in files, start a detached daemon; then wait for them or
// signal them by pid, never by name. Everything takes argv vectors: no shell,
// so no quoting mistakes. Every child starts with an empty signal mask and
// default signal dispositions, whatever the calling thread blocks or ignores.
#pragma once

#include <signal.h>
#include <sys/types.h>

#include <chrono>
#include <string>
#include <vector>

#include "base/status.h"

namespace faultline {

struct CommandResult {
  int exit_status = -1;  // 128 + signal number when killed by a signal
  std::string stdout_text;
  std::string stderr_text;
};

// Runs argv[0] (searched in PATH unless it holds a '/') with `stdin_text` as
// its standard input and waits at most `timeout`; a command still running then
// is killed (SIGKILL) and the result is an error, as is a program that cannot
// be run. A non-zero exit is not an error here: callers judge it. The command
// is killed if the calling thread ends first.
Status run_command(const std::vector<std::string>& argv, std::chrono::milliseconds timeout,
                   CommandResult* result, const std::string& stdin_text = "");

// Like run_command, but a non-zero exit is an error whose message holds the
// command line and its stderr.
Status run_checked(const std::vector<std::string>& argv, std::chrono::milliseconds timeout,
                   CommandResult* result = nullptr, const std::string& stdin_text = "");

// Where a started process's stdout and stderr go: files, created if missing
// (mode 0644), truncated unless `append`. One path for both puts both in one file.
struct OutputFiles {
  std::string stdout_path;
  std::string stderr_path;
  bool append = false;
};

// Starts argv (as run_command finds it) as a child of this process, stdin
// /dev/null, output to `files`; sets *pid. The caller reaps it: wait_child or
// kill_child.
Status spawn_child(const std::vector<std::string>& argv, const OutputFiles& files, pid_t* pid);

// Waits up to `timeout` for child `pid` to exit, and reaps it: *exit_status is
// its exit code, or 128 + the signal that ended it. An error if it still runs
// then (it is left running) or is not our child.
Status wait_child(pid_t pid, std::chrono::milliseconds timeout, int* exit_status);

// Sends `signal` to child `pid` and reaps it (however long it takes to exit):
// its exit status as wait_child gives it, -1 if it is not our child.
int kill_child(pid_t pid, int signal = SIGKILL);

// Starts argv detached (double fork, new session, stdin /dev/null, stdout and
// stderr appended to `log_path`), so it is not our child: it never becomes our
// zombie and outlives us. Sets *pid to its pid once it has exec'd.
Status spawn_detached(const std::vector<std::string>& argv, const std::string& log_path,
                      pid_t* pid);

// True if `pid` names a live process (a zombie counts as gone).
bool process_alive(pid_t pid);

// Sends SIGTERM to each live pid, waits up to `grace` for all to go, then
// SIGKILLs the rest and waits up to a second more. Returns an error naming any
// pid still alive after that.
Status terminate_processes(const std::vector<pid_t>& pids, std::chrono::milliseconds grace);

// The path PATH gives for `program` ("" if none is executable).
std::string find_program(const std::string& program);

// The command line as one printable string, for messages and logs.
std::string join_argv(const std::vector<std::string>& argv);

}  // namespace faultline
