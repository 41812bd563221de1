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

// What an acceptor holds for one key. Invariant: promised >= accepted.
struct AcceptorState {
  Ballot promised;  // it ignores prepares and accepts below this
  Ballot accepted;  // the ballot of `value`; {0, 0}: nothing accepted yet
  std::string value;

  bool operator==(const AcceptorState&) const = default;
};

enum class MessageType : uint8_t {
  kPrepare,   // proposer -> acceptor: promise `ballot` for `key`
  kPromise,   // acceptor -> proposer: ok: promised, `accepted`/`value` are mine;
              //   not ok: a higher promise, `accepted` carries it
  kAccept,    // proposer -> acceptor: accept `value` at `ballot`
  kAccepted,  // acceptor -> proposer: ok: accepted; not ok: `accepted` is my higher promise
};

// op: the proposer's id for one attempt (one ballot) of one proposal.
struct Message : common::Envelope {
  MessageType type = MessageType::kPrepare;
  Ballot ballot;    // the proposer's ballot (echoed by replies)
  bool ok = false;  // replies: granted or refused
  Ballot accepted;  // kPromise ok: the acceptor's accepted ballot; refusals: its promise
  std::string value;

  bool operator==(const Message&) const = default;
};

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
