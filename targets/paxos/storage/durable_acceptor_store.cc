#include "targets/paxos/storage/durable_acceptor_store.h"

namespace faultline::paxos {

void AcceptorLogCodec::encode(const AcceptorState& s, std::string* out) {
  for (uint64_t n : {s.promised.counter, s.promised.node, s.accepted.counter, s.accepted.node}) {
    kv::put_varint(out, n);
  }
  kv::put_bytes(out, s.value);
}

Status AcceptorLogCodec::decode(kv::ByteReader& in, AcceptorState* s) {
  if (!in.read_varint(&s->promised.counter) || !in.read_varint(&s->promised.node) ||
      !in.read_varint(&s->accepted.counter) || !in.read_varint(&s->accepted.node) ||
      !in.read_bytes(&s->value)) {
    return Status::malformed("truncated state item");
  }
  return Status::ok();
}

}  // namespace faultline::paxos
