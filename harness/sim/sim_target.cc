#include "harness/sim/sim_target.h"

#include <fmt/format.h>

namespace faultline::sim {

Status make_sim_target(const TestConfig& config, SimTarget* out) {
  // The simulated disk (common::FaultInjectionEnv) is not a mount to run
  // through faultline-diskfs; its crash already loses unsynced writes.
  if (const auto diskfs = config.opts.find("diskfs");
      diskfs != config.opts.end() && diskfs->second != "false")
    return Status::invalid_argument(
        "--opt diskfs: faultline sim has no file system to mount through faultline-diskfs "
        "(its simulated disk loses unsynced writes on a kill; disk faults are faultline run's)");
  if (config.target == "raftkv") return raftkv_sim_target(config, out);
  if (config.target == "paxos") return paxos_sim_target(config, out);
  if (config.target == "dht") return dht_sim_target(config, out);
  return Status::invalid_argument(fmt::format(
      "faultline sim simulates targets raftkv, paxos and dht, not '{}'", config.target));
}

}  // namespace faultline::sim
