// `faultline check HISTORY...`: reads recorded histories and judges them.
#pragma once

#include <CLI/CLI.hpp>

namespace faultline {

// Adds the subcommand to `app`; `*exit_code` is set when it runs.
void add_check_command(CLI::App& app, int* exit_code);

}  // namespace faultline
