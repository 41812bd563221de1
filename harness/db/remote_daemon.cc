#include "harness/db/remote_daemon.h"

#include <fmt/format.h>

#include <algorithm>

namespace faultline {

using std::chrono::milliseconds;

namespace {

constexpr milliseconds kCommandTimeout{15000};

// The pid from the pidfile in $p, or a failing test when there is none.
std::string read_pid(const RemoteDaemon& d) {
  return fmt::format("p=$(cat {} 2>/dev/null) && [ -n \"$p\" ]", shell_quote(d.pidfile));
}

}  // namespace

std::string daemon_alive_test(const RemoteDaemon& d) {
  // A zombie keeps its /proc entry until reaped: state Z counts as gone. The
  // command-line check guards against a recycled pid.
  // Braced, so that callers can negate it as one command.
  return fmt::format(
      "{{ {} && [ -r /proc/$p/stat ] && [ \"$(cut -d' ' -f3 /proc/$p/stat)\" != Z ] && "
      "tr '\\0' ' ' </proc/$p/cmdline | grep -qF -- {}; }}",
      read_pid(d), shell_quote(d.binary));
}

Status exec_checked(SshPool& pool, const std::string& node, const std::string& command,
                    milliseconds timeout, std::string* stdout_text) {
  ExecResult r;
  if (Status st = pool.exec(node, command, timeout, &r); !st.is_ok()) return st;
  if (r.exit_status != 0)
    return Status::io_error(fmt::format("node {}: `{}` exited with {}: {}", node, command,
                                        r.exit_status, r.stderr_text));
  if (stdout_text != nullptr) *stdout_text = r.stdout_text;
  return Status::ok();
}

Status start_daemon(SshPool& pool, const std::string& node, const RemoteDaemon& d,
                    const std::vector<std::string>& args) {
  std::string command_line;
  if (!d.env.empty()) {
    command_line = "env";
    for (const std::string& e : d.env) command_line += " " + shell_quote(e);
    command_line += " ";
  }
  command_line += shell_quote(d.binary);
  for (const std::string& a : args) command_line += " " + shell_quote(a);
  // setsid puts the daemon in its own session, so neither the SSH channel
  // closing nor exec's timeout kill (of our process group) reaches it; $! is
  // its pid because setsid (and nohup, and env) exec in place when run in
  // the background.
  const std::string command = fmt::format(
      "if {alive}; then echo \"already running as pid $p\" >&2; exit 1; fi; "
      "cd {dir} || exit 1; setsid nohup {cmd} >>{log} 2>&1 </dev/null & echo $! >{pid}; "
      "sleep 0.2; if ! {alive}; then echo 'exited at once; log tail:' >&2; tail -n 20 {log} >&2; "
      "exit 1; fi",
      fmt::arg("alive", daemon_alive_test(d)), fmt::arg("dir", shell_quote(d.dir)),
      fmt::arg("cmd", command_line), fmt::arg("log", shell_quote(d.logfile)),
      fmt::arg("pid", shell_quote(d.pidfile)));
  return exec_checked(pool, node, command, kCommandTimeout);
}

Status signal_daemon(SshPool& pool, const std::string& node, const RemoteDaemon& d,
                     const std::string& signal, milliseconds grace) {
  const bool ends = signal == "TERM" || signal == "KILL";
  if (!ends) {
    // Pausing or resuming a daemon that does not run is an error: the caller's
    // picture of the node is wrong.
    return exec_checked(pool, node,
                        fmt::format("if {}; then kill -{} \"$p\"; else echo 'not running' >&2; "
                                    "exit 1; fi",
                                    daemon_alive_test(d), signal),
                        kCommandTimeout);
  }
  // Polls every 0.1 s; after `grace` a TERM becomes a KILL. A stopped
  // (SIGSTOP) process cannot act on TERM, so it is continued first.
  const long polls = std::max<long>(1, grace.count() / 100);
  const std::string command = fmt::format(
      "if {alive}; then kill -{sig} \"$p\"; kill -CONT \"$p\" 2>/dev/null; i=0; "
      "while {alive}; do i=$((i+1)); if [ $i -eq {polls} ]; then kill -KILL \"$p\"; fi; "
      "if [ $i -gt $(({polls}+20)) ]; then echo \"pid $p survived SIGKILL\" >&2; exit 1; fi; "
      "sleep 0.1; done; fi; rm -f {pid}",
      fmt::arg("alive", daemon_alive_test(d)), fmt::arg("sig", signal), fmt::arg("polls", polls),
      fmt::arg("pid", shell_quote(d.pidfile)));
  return exec_checked(pool, node, command, grace + kCommandTimeout);
}

Status daemon_running(SshPool& pool, const std::string& node, const RemoteDaemon& d,
                      bool* running) {
  ExecResult r;
  if (Status st = pool.exec(node, daemon_alive_test(d), kCommandTimeout, &r); !st.is_ok())
    return st;
  *running = r.exit_status == 0;
  return Status::ok();
}

}  // namespace faultline
