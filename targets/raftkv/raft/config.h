// Config: everything a Raft node is told at construction. Membership is fixed:
// `peers` lists every voter, this node included.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "base/random.h"  // SplitMix64, for Config::random
#include "base/status.h"

namespace faultline::raft {

struct Config {
  uint64_t id = 0;              // this node; non-zero and listed in `peers`
  std::vector<uint64_t> peers;  // all voters, including `id`

  // Timing, in ticks. A follower campaigns after a random timeout in
  // [election_tick, 2 * election_tick); a leader heartbeats every
  // heartbeat_tick. heartbeat_tick < election_tick.
  int election_tick = 10;
  int heartbeat_tick = 1;

  // Source of the election-timeout jitter: the only randomness in the core.
  // Required; SplitMix64(seed) is a good default.
  std::function<uint64_t()> random;

  // §9.6: campaign only after a pre-vote round shows a majority would vote, so
  // a node cut off from the cluster does not inflate terms; also refuse
  // pre-votes while a leader is heard from.
  bool pre_vote = true;
  // §6.2: a leader steps down when it has not heard from a majority within an
  // election timeout; followers that hear from a leader ignore vote requests
  // for that long (leader stickiness, §4.2.3).
  bool check_quorum = true;
  // Check the node's invariants (invariants.h) after every input and abort
  // on a violation. It costs time in the log's length, so a server turns it
  // off; tests leave it on.
  bool check_invariants = true;

  // On restart: the last index the application's state machine has already
  // applied (at least the snapshot index; the core starts from the snapshot
  // index when this is lower).
  uint64_t applied = 0;

  // Flow control for log replication.
  uint64_t max_entries_per_append = 64;
  uint64_t max_bytes_per_append = 1 << 20;
  uint64_t max_inflight_appends = 64;  // unacknowledged appends per follower

  // --- Deliberately UNSAFE failpoints, for faultline's self-tests. Never enable
  // them in a system that stores data you care about. Off by default.

  // Commit an entry once a majority stores it, whatever its term: the bug of
  // Raft Figure 8. A later leader can overwrite such an entry, so an
  // acknowledged write is lost or two nodes apply different commands at the
  // same index.
  bool unsafe_commit_any_term = false;
  // The leader answers read_index() immediately with its commit index, without
  // a heartbeat round proving it is still leader (and before it has committed
  // an entry of its term). A deposed leader then serves stale reads.
  bool unsafe_stale_read = false;

  // Checks the fields above; the message says which field is wrong and why.
  Status validate() const;
};

}  // namespace faultline::raft
