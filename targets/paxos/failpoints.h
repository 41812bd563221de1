// faultline-paxos's deliberately unsafe behaviours (--unsafe-failpoint) and
// their names: the four classic ways to break Paxos. Apart from the server so
// that the harness checks a name (`--opt unsafe-failpoint=...`) without
// linking it, as targets/raftkv/failpoints.h does for raftkv.
#pragma once

#include <string>
#include <string_view>

#include "base/status.h"

namespace faultline::paxos {

// faultline-paxos's crash point (targets/common/crash_points.h; armed by
// DEBUG CRASHPOINT promise PERCENT on a server started with
// --allow-crashpoints, by the nemesis's kill:aimed): right after a granted
// promise (a PROMISE ok) that preempted another node's round still open at
// this acceptor (core/messages.h, preempts_open_round) was handed to the
// kernel — the promise whose loss lets that round's accept through.
inline constexpr const char* kPromiseCrashPoint = "promise";

// The behaviours --unsafe-failpoint can switch on. Each breaks one rule of
// README.md's "Invariants"; core/failpoint_test.cc shows the violation.
struct Failpoints {
  // An acceptor keeps its promises in memory only: a restart forgets them,
  // so it may then accept a ballot lower than one it promised to ignore.
  bool no_persist_promise = false;
  // An acceptor accepts any ballot, even one lower than it promised.
  bool accept_lower_ballot = false;
  // A proposer takes the value of the first promise it gets (its own
  // acceptor's, usually) instead of the one with the highest accepted ballot.
  bool no_adopt_highest = false;
  // A read is answered from the local acceptor's value, without a quorum.
  bool local_read = false;

  bool any() const {
    return no_persist_promise || accept_lower_ballot || no_adopt_highest || local_read;
  }
  std::string to_string() const;  // comma-separated names, or "none"
};

// One --unsafe-failpoint name: no-persist-promise, accept-lower-ballot,
// no-adopt-highest, local-read.
Status enable_failpoint(std::string_view name, Failpoints* failpoints);

}  // namespace faultline::paxos
