#include "targets/paxos/server/paxos_options.h"

#include <fmt/format.h>

#include "base/random.h"

namespace faultline::paxos {

Status PaxosServerOptions::finish() const {
  if (Status s = check_id(); !s.is_ok()) return s;
  if (tick_ms < 1 || backoff_ms < tick_ms || retry_ms < tick_ms || timeout_ms < retry_ms) {
    return Status::invalid_argument(fmt::format(
        "timing: expected 1 <= --tick-ms <= --backoff-ms and --tick-ms <= --retry-ms <= "
        "--timeout-ms, got {}, {}, {}, {}",
        tick_ms, backoff_ms, retry_ms, timeout_ms));
  }
  if (data_dir.empty()) return Status::invalid_argument("--data-dir: expected a directory");
  return Status::ok();
}

Config PaxosServerOptions::core_config(uint64_t seed) const {
  Config c;
  c.id = id;
  for (const auto& [node, address] : nodes) c.nodes.push_back(node);
  c.timeout_ticks = timeout_ms / tick_ms;
  c.retry_ticks = retry_ms / tick_ms;
  c.backoff_ticks = backoff_ms / tick_ms;
  c.random = SplitMix64(seed);
  c.failpoints = failpoints;
  return c;
}

}  // namespace faultline::paxos
