// DurableAcceptorStore: the AcceptorStore of faultline-paxos, a keyed record
// log (targets/common/keyed_log.h: group commit, crash recovery, compaction)
// named acceptors.log, whose put items carry an AcceptorState:
//
//   kPut  key string | promised.counter | promised.node | accepted.counter |
//         accepted.node (varints) | value string
//
// The server calls sync() before sending any message or reply of a Ready
// (the core's contract), so an acceptor never answers a promise or an accept
// that a crash could make it forget.
#pragma once

#include <cstdint>
#include <string>

#include "base/status.h"
#include "targets/common/keyed_log.h"
#include "targets/paxos/core/acceptor_store.h"

namespace faultline::paxos {

// The Codec of common::DurableKeyedStore for AcceptorStates.
struct AcceptorLogCodec {
  static constexpr const char* kLogName = "acceptors.log";
  static constexpr uint64_t kFormat = 1;

  static void encode(const AcceptorState& state, std::string* out);
  static Status decode(kv::ByteReader& in, AcceptorState* state);
  static uint64_t approx_size(const AcceptorState& state) { return state.value.size() + 40; }
};

using DurableAcceptorStore = common::DurableKeyedStore<AcceptorState, AcceptorLogCodec>;

}  // namespace faultline::paxos
