// `faultline db start|stop|status --target raftkv`: deploys and runs a system
// under test on the nodes of a local cluster over SSH (harness/db), so a
// person can poke it with redis-cli. docs/db.md.
#pragma once

#include <CLI/CLI.hpp>

namespace faultline {

// Adds the subcommand to `app`; `*exit_code` is set when it runs.
void add_db_command(CLI::App& app, int* exit_code);

}  // namespace faultline
