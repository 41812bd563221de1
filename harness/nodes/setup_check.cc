#include "harness/nodes/setup_check.h"

#include <fmt/format.h>

#include <sstream>

#include "harness/nodes/process.h"

namespace faultline {
namespace {

// Prints the hostname, then one line per missing item. The PATH addition
// finds iptables in sbin for users whose PATH lacks it.
std::string check_script(const SetupRequirements& req) {
  std::string s =
      "PATH=\"$PATH:/usr/sbin:/sbin\"; hostname; "
      "have() { command -v \"$1\" >/dev/null 2>&1; }; "
      "have iptables || have nft || echo 'iptables or nft (network partitions)'; "
      "have sha256sum || echo 'sha256sum (coreutils; checked file transfers)'; "
      "have kill || echo 'kill (process faults)'; ";
  if (req.faketime)
    s += "found=; for f in /usr/lib/*/faketime/libfaketime.so.1 /usr/lib/faketime/libfaketime.so.1 "
         "/usr/local/lib/faketime/libfaketime.so.1; do [ -e \"$f\" ] && found=1; done; "
         "[ -n \"$found\" ] || echo 'libfaketime (Debian package faketime; clock skew)'; ";
  return s + "true";
}

}  // namespace

Status check_node_setup(SshSession& session, const SetupRequirements& requirements,
                        NodeReport* report) {
  ExecResult r;
  if (Status st = session.exec(check_script(requirements), std::chrono::seconds(10), &r);
      !st.is_ok())
    return st;
  if (r.exit_status != 0) {
    std::string err = r.stderr_text.substr(0, r.stderr_text.find('\n'));
    return Status::io_error(fmt::format(
        "node {}: the setup check failed (exit {}){}: {}", session.target().node, r.exit_status,
        session.target().sudo ? " — does `sudo -n` work for this user without a password?" : "",
        err));
  }
  std::istringstream lines(r.stdout_text);
  std::getline(lines, report->hostname);
  for (std::string line; std::getline(lines, line);)
    if (!line.empty()) report->missing.push_back(line);
  return Status::ok();
}

std::vector<NodeReport> check_nodes(const std::vector<SshTarget>& targets,
                                    const SshOptions& options,
                                    const SetupRequirements& requirements) {
  std::vector<NodeReport> reports(targets.size());
  run_parallel(targets.size(), [&](size_t i) {
    NodeReport& report = reports[i];
    report.node = targets[i].node;
    report.address = fmt::format("{}:{}", targets[i].host, targets[i].port);
    std::unique_ptr<SshSession> session;
    Status st = SshSession::connect(targets[i], options, &session);
    if (st.is_ok()) st = check_node_setup(*session, requirements, &report);
    if (!st.is_ok()) report.error = st.message();
    return Status::ok();
  });
  return reports;
}

}  // namespace faultline
