#include "harness/sim/sim_target.h"

#include <fmt/format.h>

namespace faultline::sim {

Status make_sim_target(const TestConfig& config, SimTarget* out) {
  if (config.target == "raftkv") return raftkv_sim_target(config, out);
  if (config.target == "paxos") return paxos_sim_target(config, out);
  if (config.target == "dht") return dht_sim_target(config, out);
  return Status::invalid_argument(fmt::format(
      "faultline sim simulates targets raftkv, paxos and dht, not '{}'", config.target));
}

}  // namespace faultline::sim
