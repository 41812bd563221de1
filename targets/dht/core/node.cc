#include "targets/dht/core/node.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>

namespace faultline::dht {

Status Config::validate() const {
  if (!ring) return Status::invalid_argument("dht config: expected a ring");
  const auto& nodes = ring->nodes();
  if (std::find(nodes.begin(), nodes.end(), id) == nodes.end()) {
    return Status::invalid_argument(fmt::format("dht config: node {} is not in the ring", id));
  }
  int n = ring->replication();
  if (mode == Mode::kEventual) {
    if (read_quorum < 1 || read_quorum > n || write_quorum < 1 || write_quorum > n) {
      return Status::invalid_argument(
          fmt::format("dht config: expected read_quorum and write_quorum in [1, {}] (N), got {} "
                      "and {}",
                      n, read_quorum, write_quorum));
    }
  }
  if (timeout_ticks < 1 || retry_ticks < 1) {
    return Status::invalid_argument(
        fmt::format("dht config: expected timeout_ticks and retry_ticks >= 1, got {} and {}",
                    timeout_ticks, retry_ticks));
  }
  if (!random) return Status::invalid_argument("dht config: expected a random source");
  return Status::ok();
}

Status Node::create(Config config, ReplicaStore& store, std::unique_ptr<Node>* out) {
  Status s = config.validate();
  if (!s.is_ok()) return s;
  out->reset(new Node(std::move(config), store));
  return Status::ok();
}

Node::Node(Config config, ReplicaStore& store)
    : config_(std::move(config)),
      store_(store),
      next_op_(config_.random()),
      clock_(store.issued_counter()) {}

void Node::read(uint64_t request, std::string key) {
  Operation op;
  op.request = request;
  op.kind = Kind::kRead;
  op.replicas = config_.ring->preference_list(key);
  op.key = std::move(key);
  start_phase(std::move(op), Phase::kQuery);
  drain_self();
}

void Node::write(uint64_t request, std::string key, std::optional<std::string> value) {
  Operation op;
  op.request = request;
  op.kind = Kind::kWrite;
  op.replicas = config_.ring->preference_list(key);
  op.key = std::move(key);
  if (config_.mode == Mode::kAbd) {
    op.value = std::move(value);
    start_phase(std::move(op), Phase::kQuery);
  } else {
    // Last write wins: no query round, just a version above all we have seen.
    op.record = Record{next_version(Version{}), std::move(value)};
    start_phase(std::move(op), Phase::kStore);
  }
  drain_self();
}

void Node::cas(uint64_t request, std::string key) {
  std::string why = config_.mode == Mode::kAbd
                        ? "ABD quorum registers can read and write but not compare-and-set"
                        : "eventual mode has no atomic read-modify-write";
  outbox_.respond(Response{
      request, ResponseStatus::kUnsupported, std::nullopt,
      fmt::format("ERR CAS on key '{}' is not supported: CAS needs consensus, and {}", key, why)});
}

Status Node::step(const Message& m) {
  if (m.to != id()) {
    return Status::invalid_argument(
        fmt::format("dht node {}: message addressed to node {}", id(), m.to));
  }
  const auto& nodes = config_.ring->nodes();
  if (std::find(nodes.begin(), nodes.end(), m.from) == nodes.end()) {
    return Status::invalid_argument(
        fmt::format("dht node {}: message from node {}, which is not in the ring", id(), m.from));
  }
  if (m.type == MessageType::kQuery || m.type == MessageType::kStore) {
    auto replicas = config_.ring->preference_list(m.key);
    if (std::find(replicas.begin(), replicas.end(), id()) == replicas.end()) {
      return Status::invalid_argument(
          fmt::format("dht node {}: asked by node {} for key '{}', which it does not replicate",
                      id(), m.from, m.key));
    }
  }
  handle(m);
  drain_self();
  return Status::ok();
}

void Node::tick() {
  for (auto it = ops_.begin(); it != ops_.end();) {
    Operation& op = it->second;
    if (++op.elapsed >= config_.timeout_ticks) {
      respond(op, ResponseStatus::kUnavailable, unavailable_error(op));
      it = ops_.erase(it);
      continue;
    }
    if (op.elapsed % config_.retry_ticks == 0) send_phase(it->first, op, /*only_missing=*/true);
    ++it;
  }
  drain_self();
}

void Node::drain_self() {
  outbox_.drain_self([this](const Message& m) { handle(m); });
}

void Node::start_phase(Operation op, Phase phase) {
  op.phase = phase;
  op.replies.clear();
  op.elapsed = 0;
  if (config_.mode == Mode::kAbd) {
    op.needed = config_.ring->majority();
  } else {
    op.needed = op.kind == Kind::kRead ? config_.read_quorum : config_.write_quorum;
  }
  uint64_t id = next_op_++;
  auto [it, inserted] = ops_.emplace(id, std::move(op));
  send_phase(id, it->second, /*only_missing=*/false);
}

void Node::send_phase(uint64_t id, const Operation& op, bool only_missing) {
  for (uint64_t replica : op.replicas) {
    if (only_missing && op.replies.count(replica)) continue;
    Message m;
    m.type = op.phase == Phase::kQuery ? MessageType::kQuery : MessageType::kStore;
    m.to = replica;
    m.op = id;
    m.key = op.key;
    if (op.phase == Phase::kStore) m.record = op.record;
    send(std::move(m));
  }
}

void Node::send(Message m) { outbox_.send(id(), std::move(m)); }

void Node::handle(const Message& m) {
  clock_ = std::max(clock_, m.record.version.counter);
  switch (m.type) {
    case MessageType::kQuery:
      send(Message{{0, m.from, m.op, m.key}, MessageType::kQueryReply, store_.get(m.key)});
      return;
    case MessageType::kStore: {
      Record held = store_.get(m.key);
      if (m.record.version > held.version) {
        store_.put(m.key, m.record);
        held = m.record;
      }
      send(Message{{0, m.from, m.op, m.key}, MessageType::kStoreAck, std::move(held)});
      return;
    }
    case MessageType::kQueryReply:
    case MessageType::kStoreAck: on_reply(m); return;
  }
}

void Node::on_reply(const Message& m) {
  auto it = ops_.find(m.op);
  if (it == ops_.end()) return;  // a late or duplicate reply, or read repair's ack
  Operation& op = it->second;
  bool query = op.phase == Phase::kQuery;
  if ((m.type == MessageType::kQueryReply) != query || m.key != op.key ||
      std::find(op.replicas.begin(), op.replicas.end(), m.from) == op.replicas.end()) {
    return;
  }
  op.replies[m.from] = m.record;
  if (query && m.record.version > op.record.version) op.record = m.record;
  if (static_cast<int>(op.replies.size()) < op.needed) return;
  Operation done = std::move(op);
  ops_.erase(it);
  if (!query) {
    respond(done, ResponseStatus::kOk, "");
    return;
  }
  if (done.kind == Kind::kWrite) {  // ABD write: store a version above the quorum's
    done.record = Record{next_version(done.record.version), std::move(done.value)};
    start_phase(std::move(done), Phase::kStore);
    return;
  }
  bool quorum_current = std::all_of(done.replies.begin(), done.replies.end(), [&](const auto& r) {
    return r.second.version == done.record.version;
  });
  if (config_.mode == Mode::kAbd && !quorum_current) {
    start_phase(std::move(done), Phase::kStore);  // write back before returning
    return;
  }
  if (config_.mode == Mode::kEventual) {  // read repair, fire and forget
    for (const auto& [replica, record] : done.replies) {
      if (record.version < done.record.version) {
        send(Message{{0, replica, next_op_++, done.key}, MessageType::kStore, done.record});
      }
    }
  }
  respond(done, ResponseStatus::kOk, "");
}

void Node::respond(const Operation& op, ResponseStatus status, std::string error) {
  Response r{op.request, status, std::nullopt, std::move(error)};
  if (status == ResponseStatus::kOk && op.kind == Kind::kRead) r.value = op.record.value;
  outbox_.respond(std::move(r));
}

Version Node::next_version(const Version& seen) {
  uint64_t counter = std::max({clock_, store_.issued_counter(), seen.counter}) + 1;
  store_.set_issued_counter(counter);
  clock_ = counter;
  return Version{counter, id()};
}

std::string Node::unavailable_error(const Operation& op) const {
  std::vector<uint64_t> missing;
  for (uint64_t r : op.replicas) {
    if (!op.replies.count(r)) missing.push_back(r);
  }
  return fmt::format(
      "UNAVAILABLE {} of key '{}': the {} phase heard from {} of the {} replicas it needs (of "
      "{}: nodes {}); no answer from nodes {} within {} ticks",
      op.kind == Kind::kRead ? "read" : "write", op.key,
      op.phase == Phase::kQuery ? "query" : "store", op.replies.size(), op.needed,
      op.replicas.size(), fmt::join(op.replicas, ", "), fmt::join(missing, ", "),
      config_.timeout_ticks);
}

}  // namespace faultline::dht
