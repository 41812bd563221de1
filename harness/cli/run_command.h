// `faultline run`: runs a test against a cluster and judges it (docs/cli.md).
#pragma once

#include <CLI/CLI.hpp>

namespace faultline {

void add_run_command(CLI::App& app, int* exit_code);

}  // namespace faultline
