// AcceptorStore: a node's durable Paxos state, every key's AcceptorState and
// the highest ballot counter it issued as a proposer (stored so that a
// restarted proposer never issues a ballot twice). The core decides what to
// keep; the store holds it, and everything in it must survive a restart (a
// crash-restart keeps exactly the store). MemoryAcceptorStore is the
// in-memory one for tests; the server brings a durable one
// (storage/durable_acceptor_store.h) that syncs before anything is sent.
#pragma once

#include "targets/common/keyed_store.h"
#include "targets/paxos/core/messages.h"

namespace faultline::paxos {

using AcceptorStore = common::KeyedStore<AcceptorState>;
using MemoryAcceptorStore = common::MemoryKeyedStore<AcceptorState>;

}  // namespace faultline::paxos
