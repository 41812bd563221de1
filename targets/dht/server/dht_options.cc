#include "targets/dht/server/dht_options.h"

#include <fmt/format.h>

#include "base/random.h"

namespace faultline::dht {

Status parse_mode(std::string_view text, Mode* out) {
  if (text == "abd") {
    *out = Mode::kAbd;
  } else if (text == "eventual") {
    *out = Mode::kEventual;
  } else {
    return Status::invalid_argument(
        fmt::format("--mode: expected 'abd' or 'eventual', got '{}'", text));
  }
  return Status::ok();
}

std::string_view mode_name(Mode mode) { return mode == Mode::kAbd ? "abd" : "eventual"; }

Status DhtServerOptions::finish() {
  if (Status s = check_id(); !s.is_ok()) return s;
  const int n = static_cast<int>(nodes.size());
  if (replicas < 1 || replicas > n) {
    return Status::invalid_argument(
        fmt::format("--replicas: expected 1..{} (the node count), got {}", n, replicas));
  }
  if (vnodes < 1)
    return Status::invalid_argument(fmt::format("--vnodes: expected >= 1, got {}", vnodes));
  const int majority = replicas / 2 + 1;
  if (mode == Mode::kAbd) {
    if ((r != 0 && r != majority) || (w != 0 && w != majority)) {
      return Status::invalid_argument(
          fmt::format("--r/--w: abd mode always uses a majority of --replicas ({}); they are for "
                      "--mode eventual",
                      majority));
    }
  } else {
    for (auto [name, value] : {std::pair{"--r", r}, std::pair{"--w", w}}) {
      if (value < 0 || value > replicas) {
        return Status::invalid_argument(
            fmt::format("{}: expected 1..{} (--replicas), got {}", name, replicas, value));
      }
    }
  }
  if (r == 0) r = majority;
  if (w == 0) w = majority;
  if (tick_ms < 1 || retry_ms < tick_ms || timeout_ms < retry_ms) {
    return Status::invalid_argument(
        fmt::format("timing: expected 1 <= --tick-ms <= --retry-ms <= --timeout-ms, got {}, {}, {}",
                    tick_ms, retry_ms, timeout_ms));
  }
  if (data_dir.empty()) return Status::invalid_argument("--data-dir: expected a directory");
  return Status::ok();
}

Status DhtServerOptions::make_ring(std::shared_ptr<const Ring>* out) const {
  std::vector<uint64_t> ids;
  for (const auto& [node, address] : nodes) ids.push_back(node);
  auto ring = std::make_shared<Ring>();
  if (Status s = Ring::create(ids, vnodes, replicas, ring.get()); !s.is_ok()) return s;
  *out = std::move(ring);
  return Status::ok();
}

Config DhtServerOptions::core_config(std::shared_ptr<const Ring> ring, uint64_t seed) const {
  Config c;
  c.id = id;
  c.ring = std::move(ring);
  c.mode = mode;
  c.read_quorum = r;
  c.write_quorum = w;
  c.timeout_ticks = timeout_ms / tick_ms;
  c.retry_ticks = retry_ms / tick_ms;
  c.random = SplitMix64(seed);
  return c;
}

}  // namespace faultline::dht
