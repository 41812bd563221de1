// `faultline runs`: the runs recorded in the store, newest first, on the terminal.
#pragma once

#include <CLI/CLI.hpp>

namespace faultline {

// Adds the subcommand to `app`; `*exit_code` is set when it runs.
void add_runs_command(CLI::App& app, int* exit_code);

}  // namespace faultline
