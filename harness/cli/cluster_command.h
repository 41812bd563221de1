// `faultline cluster up|down|status|heal`: local clusters of network-namespace
// nodes with sshd (harness/nodes), and `status --nodes-file` for real hosts.
#pragma once

#include <CLI/CLI.hpp>

namespace faultline {

// Adds the subcommand to `app`; `*exit_code` is set when it runs.
void add_cluster_command(CLI::App& app, int* exit_code);

}  // namespace faultline
