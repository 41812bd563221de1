// DurableAcceptorStore: the AcceptorStore of faultline-paxos, the keyed
// record log acceptors.log (targets/common/keyed_log.h: group commit, crash
// recovery, compaction) of AcceptorStates, a put item being
//
//   key string | promised.counter | promised.node | accepted.counter |
//   accepted.node (varints) | value string
//
// The server syncs before sending any message or reply of a Ready (the
// core's contract), so an acceptor never answers a promise or an accept that
// a crash could make it forget.
#pragma once

#include <tuple>

#include "targets/common/keyed_log.h"
#include "targets/paxos/core/acceptor_store.h"

namespace faultline::paxos {

inline constexpr char kAcceptorLogName[] = "acceptors.log";

// An AcceptorState's fields in the log (targets/common/log_fields.h).
inline auto log_fields(AcceptorState& s) {
  return std::tie(s.promised.counter, s.promised.node, s.accepted.counter, s.accepted.node,
                  s.value);
}

using DurableAcceptorStore = common::DurableKeyedStore<AcceptorState, kAcceptorLogName>;

}  // namespace faultline::paxos
