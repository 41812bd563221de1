// Daemons on a node, managed over SSH through a pidfile: start detached
// (setsid nohup, output to a log file), signal, wait for exit. The commands
// are plain POSIX sh so they run on any node with sshd; docs/db.md lists them.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "base/status.h"
#include "harness/ssh/ssh_pool.h"

namespace faultline {

struct RemoteDaemon {
  std::string dir;      // working directory on the node (absolute)
  std::string binary;   // absolute path of the executable on the node
  std::string pidfile;  // absolute
  std::string logfile;  // absolute; appended to
  // NAME=VALUE settings the daemon starts with (through env(1)), e.g. LD_PRELOAD.
  std::vector<std::string> env;
};

// The shell test "the pidfile names a live (non-zombie) process running `binary`".
std::string daemon_alive_test(const RemoteDaemon& d);

// Starts `d.binary args...` in d.dir, detached from the SSH session, and
// records its pid. An error (with the log's tail) if it is already running
// or exits within the first moment.
Status start_daemon(SshPool& pool, const std::string& node, const RemoteDaemon& d,
                    const std::vector<std::string>& args);

// Sends `signal` (TERM, KILL, STOP, CONT) to the recorded pid, if it runs.
// For TERM and KILL, waits until it is gone (TERM escalates to KILL after
// `grace`) and removes the pidfile.
Status signal_daemon(SshPool& pool, const std::string& node, const RemoteDaemon& d,
                     const std::string& signal, std::chrono::milliseconds grace);

// Whether the daemon runs on the node.
Status daemon_running(SshPool& pool, const std::string& node, const RemoteDaemon& d, bool* running);

// Runs `command` on the node; a non-zero exit is an error with its stderr.
Status exec_checked(SshPool& pool, const std::string& node, const std::string& command,
                    std::chrono::milliseconds timeout, std::string* stdout_text = nullptr);

}  // namespace faultline
