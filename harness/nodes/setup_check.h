// Per-node setup check: before a test starts, list everything a node lacks
// (tools the nemesis and the transfers need, working sudo) instead of failing
// halfway through a run.
#pragma once

#include <string>
#include <vector>

#include "base/status.h"
#include "harness/ssh/ssh_session.h"

namespace faultline {

struct SetupRequirements {
  bool faketime = false;  // libfaketime, for clock-skew faults
};

struct NodeReport {
  std::string node;
  std::string address;               // host:port
  std::string hostname;              // what the node calls itself
  std::vector<std::string> missing;  // what it lacks, one item each
  std::string error;                 // could not connect or run the check
  bool ok() const { return error.empty() && missing.empty(); }
};

// Runs the check on one session (one exec); fills report.hostname and .missing.
Status check_node_setup(SshSession& session, const SetupRequirements& requirements,
                        NodeReport* report);

// Connects to each target in parallel and checks it. Unreachable nodes and
// rejected keys come back as report.error within about options.connect_timeout.
std::vector<NodeReport> check_nodes(const std::vector<SshTarget>& targets,
                                    const SshOptions& options,
                                    const SetupRequirements& requirements);

}  // namespace faultline
