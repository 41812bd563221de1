// `faultline sim`: a test on a simulated raftkv cluster, by seed (docs/sim.md).
#pragma once

#include <CLI/CLI.hpp>

namespace faultline {

void add_sim_command(CLI::App& app, int* exit_code);

}  // namespace faultline
