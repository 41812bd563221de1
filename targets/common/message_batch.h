// The payload of a CoreServer's peer frame (core_server.h; the frame itself
// is frame_format.h's): every message one Ready holds for one peer, so that
// a Ready costs each peer one frame, one write and one read, not one per
// message (a paxos write was about four frames before batching). Layout:
//
//   batch   := tag:u8=kBatchTag  message+
//   message := length:varint  bytes[length]     (the core's encode_message())
//
// varints are unsigned LEB128 (targets/kvstate/byte_codec.h); at least one
// message, no empty message, no trailing bytes. kBatchTag is no message type
// of any core (dht's and paxos's are below 16), so a peer still sending one
// bare message per frame is refused with an error that says so.
//
// Ordering contract. A batch holds messages of one list of one Ready (its
// early messages, or those after the sync: core_outbox.h) to one peer, in the
// order the core produced them; a Ready's messages to one peer take more than
// one batch only past kMaxBatchBytes, and then go out in order. Batches to a
// peer travel on its one connection in the order sent (FrameTransport; a
// failed connection drops what it had queued, which the cores retransmit).
// The receiver decodes the whole batch first (a malformed one is stepped not
// at all and closes the connection, as a bad frame does), then steps its
// messages in order, all before its next Ready. Nothing is ordered between
// peers. So batching gives the cores no behaviour they do not already face:
// messages arriving in order and together is one case of the per-message
// delivery, with loss and reordering, that the simulations drive
// (targets/paxos/core/simulation.h, harness/sim/core_sim_node.h).
//
// Durability is the Ready's: the store is synced (one fdatasync for the
// whole Ready: group commit) before any batch of its after-sync messages is
// queued; the early ones go before it (core_outbox.h says which may).
#pragma once

#include <fmt/format.h>

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/status.h"

namespace faultline::common {

inline constexpr uint8_t kBatchTag = 0xB1;
// A Ready's messages to one peer beyond this many bytes start another batch:
// one frame stays far below kMaxFramePayload and one peer's write bounded.
inline constexpr size_t kMaxBatchBytes = 1u << 20;

// Appends one message to *batch, first starting it (the tag) if it is empty.
void append_to_batch(std::string* batch, std::string_view message);

// The messages of a batch, as views into `payload`. kMalformed names the
// problem (not a batch, no message, an empty message, a length past the
// end) and its byte offset.
Status split_batch(std::string_view payload, std::vector<std::string_view>* messages);

// Encodes `messages` (a Ready's; each has a `to`) with the core's
// encode_message() (found by argument-dependent lookup) into batches, one per
// peer (more past kMaxBatchBytes), and hands each to send(to, payload, last):
// batches of a peer in message order, peers in ascending order; `last` is
// true for a peer's final batch (what follows its every message).
template <typename Message, typename Send>
void send_batches(const std::vector<Message>& messages, const Send& send) {
  std::map<uint64_t, std::string> batches;
  for (const Message& m : messages) {
    const std::string encoded = encode_message(m);
    std::string& batch = batches[m.to];
    if (!batch.empty() && batch.size() + encoded.size() > kMaxBatchBytes) {
      send(m.to, std::move(batch), false);
      batch.clear();
    }
    append_to_batch(&batch, encoded);
  }
  for (auto& [to, batch] : batches) send(to, std::move(batch), true);
}

// Decodes every message of a batch with the core's decode_message(); on an
// error *messages is unspecified and the Status says which message failed.
template <typename Message>
Status decode_batch(std::string_view payload, std::vector<Message>* messages) {
  std::vector<std::string_view> parts;
  if (Status s = split_batch(payload, &parts); !s.is_ok()) return s;
  messages->assign(parts.size(), Message{});
  for (size_t i = 0; i < parts.size(); ++i) {
    if (Status s = decode_message(parts[i], &(*messages)[i]); !s.is_ok()) {
      return Status::malformed(
          fmt::format("message {} of {} in the batch: {}", i + 1, parts.size(), s.message()));
    }
  }
  return Status::ok();
}

}  // namespace faultline::common
