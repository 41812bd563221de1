// What DHT nodes send each other and answer clients. A value is an opaque
// string (the server stores client bytes; the simulation stores JSON text).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "targets/common/core_outbox.h"
#include "targets/common/stamp.h"

namespace faultline::dht {

// A write's version: node is the coordinator of the write; {0, 0} is "never
// written" (common::Stamp says why no two writes share one).
using Version = common::Stamp;

// A replica's copy of a key. A nullopt value is absent: never written when
// the version is {0, 0}, else deleted (a tombstone, kept so that the delete
// orders against other writes by its version).
struct Record {
  Version version;
  std::optional<std::string> value;

  bool operator==(const Record&) const = default;
};

enum class MessageType : uint8_t {
  kQuery,       // coordinator -> replica: send me your record of `key`
  kQueryReply,  // replica -> coordinator: `record` is mine
  kStore,       // coordinator -> replica: keep `record` unless yours is newer
  kStoreAck,    // replica -> coordinator: done; `record` is what I now hold
};

// op: the coordinator's id for one phase of one operation.
struct Message : common::Envelope {
  MessageType type = MessageType::kQuery;
  Record record;
};

enum class ResponseStatus : uint8_t {
  kOk,
  kUnavailable,  // no quorum answered in time; `error` says what was missing
  kUnsupported,  // CAS: it needs consensus, which this DHT does not have
};

// The answer to a client request, identified by the driver's request id.
struct Response {
  uint64_t request = 0;
  ResponseStatus status = ResponseStatus::kOk;
  std::optional<std::string> value;  // reads: the value read (nullopt: absent)
  std::string error;                 // RESP-style error text, without the leading '-'
};

}  // namespace faultline::dht
