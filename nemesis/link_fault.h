// LinkFault: what the latency nemesis does to one link (one direction
// between two nodes), and the pure pieces that its real proxy
// (latency_proxy.h) and the simulator (harness/sim) share, so that a
// latency spec means the same links, delays, ramps and cuts in both: which
// links a spec slows (plan_latency_fault), the delay of a connection
// (link_pipe_delay) and when a chunk, or a simulated message, that enters a
// faulted link may leave it (link_release_ns).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "base/status.h"
#include "nemesis/nemesis.h"

namespace faultline {

// What one link does to the bytes it carries. All zero: nothing.
struct LinkFault {
  std::chrono::milliseconds delay{0};
  std::chrono::milliseconds jitter{0};  // each chunk: + uniform [0, jitter]
  int64_t bytes_per_s = 0;              // 0: unlimited; shared by the link's connections
  bool reorder = false;                 // each connection: delay uniform in [0, 2 * delay]
  // The delay grows from 0 when the faults are set, at half the speed of
  // time, until `delay`: the link never goes quiet while it slows (a jump to
  // a long delay would hold everything back for that long at once).
  bool ramp = false;
  // A one-way cut: chunks read this long after the faults were set are held
  // until the faults change (set_faults), then written at once. Unset: none.
  std::optional<std::chrono::milliseconds> cut_after;
  bool active() const {
    return delay.count() > 0 || jitter.count() > 0 || bytes_per_s > 0 || cut_after.has_value();
  }
};

using Link = std::pair<std::string, std::string>;  // (from node, to node)

// The nodes that lead (Db::primaries in a real run); asked only by the
// leader specs.
using PrimariesFn = std::function<Status(std::vector<std::string>*)>;

// The faults of start-latency `spec` (docs/nemesis.md, "latency") among
// `nodes`, with the options' latency, jitter and bandwidth, victims drawn
// from `rng` as choose_victims draws them. `done` gets the completion's
// fields: spec, nodes (when not all), links, cut, and delay_ms and
// jitter_ms or bytes_per_s. An unknown spec is invalid_argument.
Status plan_latency_fault(const std::string& spec, const std::vector<std::string>& nodes,
                          const PrimariesFn& primaries, const NemesisOptions& options,
                          std::mt19937_64& rng, std::map<Link, LinkFault>* faults,
                          nlohmann::json* done);

// A connection's delay on a link with fault `f` (drawn when the faults are
// set): under reorder uniform in [0, 2 * delay] (one draw), else the delay.
std::chrono::microseconds link_pipe_delay(const LinkFault& f,
                                          const std::function<uint64_t()>& draw);

// When a chunk of `n` bytes that enters a link with fault `f` at `now` may
// leave it: after the link carried the bytes before it at its bandwidth
// (*link_free: when its next byte may go, 0 at first; advanced), plus
// `pipe_delay` (ramped from `since`, when the faults were set) and the
// jitter (one draw when there is jitter). nullopt: a cut holds it until the
// faults change. Times in ns on the caller's clock. Order within a
// connection (never before the chunk before it) is the caller's to keep.
std::optional<int64_t> link_release_ns(const LinkFault& f, int64_t now, int64_t since,
                                       std::chrono::microseconds pipe_delay, size_t n,
                                       int64_t* link_free, const std::function<uint64_t()>& draw);

}  // namespace faultline
