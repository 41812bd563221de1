// What CASPaxos nodes send each other and answer clients (README.md, "Message
// flow"). A register's value is opaque bytes; "" is the initial value of
// every key (the server stores a one-key KvState snapshot in it).
#pragma once

#include <cstdint>
#include <string>

#include "targets/common/core_outbox.h"
#include "targets/common/stamp.h"

namespace faultline::paxos {

// A proposal number: node is the proposer; {0, 0} is "none" (common::Stamp
// says why no two proposals share one).
using Ballot = common::Stamp;

// The ballot an acceptor promises when it accepts `b` (README.md, "One round
// trip"): the proposer's own next ballot, which it issued with `b`.
inline Ballot next_ballot(const Ballot& b) { return Ballot{b.counter + 1, b.node}; }

// What an acceptor holds for one key. Invariant: promised >= accepted.
struct AcceptorState {
  Ballot promised;  // it ignores prepares and accepts below this
  Ballot accepted;  // the ballot of `value`; {0, 0}: nothing accepted yet
  std::string value;

  bool operator==(const AcceptorState&) const = default;
};

// Every reply carries the acceptor's `accepted` ballot; a refusal (ok false)
// also carries the higher promise that refused it in `promised`.
enum class MessageType : uint8_t {
  kPrepare,    // proposer -> acceptor: promise `ballot` for `key`
  kPromise,    // acceptor -> proposer: ok: promised, `accepted`/`value` are mine
  kAccept,     // proposer -> acceptor: accept `value` at `ballot` (and promise the
               //   ballot after it, next_ballot(): the one-round-trip write)
  kAccepted,   // acceptor -> proposer: ok: accepted
  kRead,       // proposer -> acceptor: what have you accepted? (promises nothing)
  kReadReply,  // acceptor -> proposer: `accepted`/`value` are mine; always ok
};

// op: the proposer's id for one attempt (one ballot) of one proposal.
struct Message : common::Envelope {
  MessageType type = MessageType::kPrepare;
  Ballot ballot;    // the proposer's ballot (echoed by replies)
  bool ok = false;  // replies: granted or refused
  Ballot accepted;  // replies: the acceptor's accepted ballot
  // Refusals: the acceptor's promise, above `ballot`; granted promises: the
  // promise this one replaced (the server's crash point `promise` looks at it).
  Ballot promised;
  std::string value;

  bool operator==(const Message&) const = default;
};

// Whether `m`, a message acceptor `self` sends, is a granted promise that
// preempted another node's round still open here, in a way whose loss would
// matter: it replaced a promise P to a proposer other than `self` and `m`'s,
// at or above which nothing was accepted since, and m.ballot >=
// next_ballot(P). That proposer may yet send its accept at P; an acceptor
// that forgot m's promise (failpoint no-persist-promise) would take it, and
// would then still take m.ballot's accept, which started from a value
// without P's. (Below next_ballot(P), accepting P promises next_ballot(P),
// which fences m.ballot off: forgetting m's promise is then harmless.)
inline bool preempts_open_round(const Message& m, uint64_t self) {
  return m.type == MessageType::kPromise && m.ok && !m.promised.empty() &&
         m.promised.node != self && m.promised.node != m.ballot.node && m.accepted < m.promised &&
         m.ballot >= next_ballot(m.promised);
}

enum class ResponseStatus : uint8_t {
  kOk,
  // No quorum in time, or preempted after the accept phase began: the
  // effect is unknown (it may yet be chosen). `error` says what happened.
  kUnavailable,
};

// The answer to a client request, identified by the driver's request id.
struct Response {
  uint64_t request = 0;
  ResponseStatus status = ResponseStatus::kOk;
  std::string reply;  // kOk: what the Change returned; else the error, without '-'
};

}  // namespace faultline::paxos
