// faultline-raftkv's deliberately unsafe behaviours (--unsafe-failpoint) and
// their names. Apart from the server so that the harness checks a name
// (`--opt unsafe-failpoint=...`) without linking the server.
#pragma once

#include <string>
#include <string_view>

#include "base/status.h"

namespace faultline::raftkv {

// faultline-raftkv's crash point (targets/common/crash_points.h; armed by
// DEBUG CRASHPOINT vote PERCENT on a server started with --allow-crashpoints,
// by the nemesis's kill:aimed): right after a granted vote (a VoteResponse
// that does not reject) was handed to the kernel.
inline constexpr const char* kVoteCrashPoint = "vote";

// How long the read-cache failpoint answers a read with an earlier reply.
inline constexpr int kReadCacheMs = 200;

// The behaviours --unsafe-failpoint can switch on.
struct Failpoints {
  bool stale_read = false;       // raft Config::unsafe_stale_read
  bool commit_any_term = false;  // raft Config::unsafe_commit_any_term
  bool no_persist_vote = false;  // the server forgets term and vote changes (see raft_node.cc)
  bool lease_read = false;       // the leader reads locally under a wall-clock lease
  // The leader reads locally under a lease counted from when a quorum's
  // acknowledgments arrive, not from when the round was sent.
  bool lease_from_ack = false;
  bool follower_read = false;    // every node, followers too, reads locally at once
  bool read_cache = false;       // reads answered from earlier replies for kReadCacheMs
  bool early_txn_reads = false;  // a MULTI's reads answered at EXEC, before its writes commit
  bool no_fsync = false;  // the WAL and snapshot files are never fsynced (writes acked anyway)

  bool any() const;
  // Whether the leader serves reads from a lease (either lease failpoint).
  bool lease_reads() const { return lease_read || lease_from_ack; }
  std::string to_string() const;  // comma-separated names, or "none"
};

// One --unsafe-failpoint name: stale-read, commit-any-term, no-persist-vote,
// lease-read, lease-from-ack, follower-read, read-cache, early-txn-reads,
// no-fsync.
Status enable_failpoint(std::string_view name, Failpoints* failpoints);

}  // namespace faultline::raftkv
