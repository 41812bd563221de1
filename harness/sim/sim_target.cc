#include "harness/sim/sim_target.h"

#include <fmt/format.h>

namespace faultline::sim {

Status make_sim_target(const TestConfig& config, SimTarget* out) {
  // The simulated disk (common::FaultInjectionEnv) keeps strict POSIX
  // promises: diskfs's strict model (true is strict), not its ext4 one.
  if (const auto diskfs = config.opts.find("diskfs");
      diskfs != config.opts.end() && diskfs->second == "ext4")
    return Status::invalid_argument(
        "--opt diskfs=ext4: faultline sim's simulated disk has the strict durability model only "
        "(a name is durable once its directory is synced); use diskfs=strict");
  if (config.target == "raftkv") return raftkv_sim_target(config, out);
  if (config.target == "paxos") return paxos_sim_target(config, out);
  if (config.target == "dht") return dht_sim_target(config, out);
  return Status::invalid_argument(fmt::format(
      "faultline sim simulates targets raftkv, paxos and dht, not '{}'", config.target));
}

}  // namespace faultline::sim
