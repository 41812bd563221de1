// `faultline suite`: runs a suite file's matrix of tests (docs/suites.md).
#pragma once

#include <CLI/CLI.hpp>

namespace faultline {

void add_suite_command(CLI::App& app, int* exit_code);

}  // namespace faultline
