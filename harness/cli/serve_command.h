// `faultline serve`: the run browser (reports/browser/run_browser.h) over HTTP.
#pragma once

#include <CLI/CLI.hpp>

namespace faultline {

// Adds the subcommand to `app`; `*exit_code` is set when it runs.
void add_serve_command(CLI::App& app, int* exit_code);

}  // namespace faultline
