// faultline-dht's configuration: what main.cc reads from its flags
// (README.md lists them), checked apart from main() so that it is
// unit-tested. Addresses are parsed by targets/common/address.h.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "base/status.h"
#include "targets/common/core_server_options.h"
#include "targets/dht/core/node.h"

namespace faultline::dht {

// tick_ms, timeout_ms (a phase without its quorum by then fails) and
// retry_ms (silent replicas are asked again) keep the defaults: 10, 1000, 100.
struct DhtServerOptions : common::CoreServerOptions {
  int replicas = 3;  // N
  int vnodes = 128;  // virtual nodes per physical node
  Mode mode = Mode::kAbd;
  int r = 0;  // eventual mode: replies a read waits for; 0 = a majority of N
  int w = 0;  // eventual mode: acks a write waits for; 0 = a majority of N

  // Cross-field checks: id among the nodes, N within the node count, R and W
  // within N (and only in eventual mode), timing. Fills R and W defaults.
  Status finish();
  // The ring of `nodes` with `vnodes` and `replicas`.
  Status make_ring(std::shared_ptr<const Ring>* out) const;
  // The core's Config for these options (after finish()), over `ring`.
  Config core_config(std::shared_ptr<const Ring> ring, uint64_t seed) const;
};

// "abd" or "eventual".
Status parse_mode(std::string_view text, Mode* out);
std::string_view mode_name(Mode mode);

}  // namespace faultline::dht
