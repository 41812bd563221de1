// `faultline store`: operations on store files (docs/store.md).
#pragma once

#include <CLI/CLI.hpp>

namespace faultline {

void add_store_command(CLI::App& app, int* exit_code);

}  // namespace faultline
