// `faultline report RUN_ID|STORE_DIR`: writes the HTML report of a test run.
#pragma once

#include <CLI/CLI.hpp>

namespace faultline {

// Adds the subcommand to `app`; `*exit_code` is set when it runs.
void add_report_command(CLI::App& app, int* exit_code);

}  // namespace faultline
