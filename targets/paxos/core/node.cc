#include "targets/paxos/core/node.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>

namespace faultline::paxos {

Status Config::validate() const {
  if (std::find(nodes.begin(), nodes.end(), id) == nodes.end()) {
    return Status::invalid_argument(fmt::format("paxos config: node {} is not a member", id));
  }
  if (std::set<uint64_t>(nodes.begin(), nodes.end()).size() != nodes.size() ||
      std::count(nodes.begin(), nodes.end(), 0)) {
    return Status::invalid_argument("paxos config: node ids must be distinct and positive");
  }
  if (timeout_ticks < 1 || retry_ticks < 1 || backoff_ticks < 1) {
    return Status::invalid_argument(
        fmt::format("paxos config: expected timeout_ticks, retry_ticks and backoff_ticks >= 1, "
                    "got {}, {} and {}",
                    timeout_ticks, retry_ticks, backoff_ticks));
  }
  if (!random) return Status::invalid_argument("paxos config: expected a random source");
  return Status::ok();
}

Status Node::create(Config config, AcceptorStore& store, std::unique_ptr<Node>* out) {
  Status s = config.validate();
  if (!s.is_ok()) return s;
  out->reset(new Node(std::move(config), store));
  return Status::ok();
}

Node::Node(Config config, AcceptorStore& store)
    : config_(std::move(config)),
      store_(store),
      next_op_(config_.random()),
      max_ballot_{store.issued_counter(), store.issued_counter() ? config_.id : 0} {}

void Node::propose(uint64_t request, std::string key, Change change, bool read_only) {
  if (read_only && config_.failpoints.local_read) {
    // UNSAFE: this acceptor's value may be stale, or never chosen.
    outbox_.respond(Response{request, ResponseStatus::kOk, change(state(key).value).reply});
    return;
  }
  waiting_[key].push_back(Request{request, std::move(change), read_only});
  if (!active_.count(key)) start_proposal(key);
  drain_self();
}

size_t Node::waiting_requests() const {
  size_t n = 0;
  for (const auto& [key, requests] : waiting_) n += requests.size();
  return n;
}

void Node::start_proposal(const std::string& key) {
  auto it = waiting_.find(key);
  if (it == waiting_.end()) return;
  Proposal p;
  p.key = key;
  p.requests = std::move(it->second);
  waiting_.erase(it);
  p.read_only = std::all_of(p.requests.begin(), p.requests.end(),
                            [](const Request& r) { return r.read_only; });
  active_.insert(key);
  start_attempt(std::move(p));
}

void Node::start_attempt(Proposal p) {
  // A ballot above every one seen and issued; issued durably before any
  // message carrying it leaves (the Ready contract).
  const uint64_t counter = std::max(max_ballot_.counter, store_.issued_counter()) + 1;
  store_.set_issued_counter(counter);
  p.ballot = Ballot{counter, id()};
  see(p.ballot);
  p.phase = Phase::kPrepare;
  p.phase_elapsed = 0;
  p.promises.clear();
  p.promise_order.clear();
  p.acks.clear();
  p.refused.clear();
  ++p.attempts;
  const uint64_t op = next_op_++;
  auto [it, inserted] = proposals_.emplace(op, std::move(p));
  send_phase(op, it->second, /*only_missing=*/false);
}

void Node::send_phase(uint64_t op, const Proposal& p, bool only_missing) {
  for (uint64_t acceptor : config_.nodes) {
    if (only_missing && (p.promises.count(acceptor) || p.acks.count(acceptor))) continue;
    if (p.refused.count(acceptor)) continue;
    Message m;
    m.type = p.phase == Phase::kPrepare ? MessageType::kPrepare : MessageType::kAccept;
    m.to = acceptor;
    m.op = op;
    m.key = p.key;
    m.ballot = p.ballot;
    if (p.phase == Phase::kAccept) m.value = p.value;
    send(std::move(m));
  }
}

Status Node::step(const Message& m) {
  if (m.to != id()) {
    return Status::invalid_argument(
        fmt::format("paxos node {}: message addressed to node {}", id(), m.to));
  }
  if (std::find(config_.nodes.begin(), config_.nodes.end(), m.from) == config_.nodes.end()) {
    return Status::invalid_argument(
        fmt::format("paxos node {}: message from node {}, not a member", id(), m.from));
  }
  handle(m);
  drain_self();
  return Status::ok();
}

void Node::tick() {
  for (auto it = proposals_.begin(); it != proposals_.end();) {
    Proposal& p = it->second;
    auto current = it++;  // finish() and start_attempt() change the map
    if (++p.elapsed >= config_.timeout_ticks) {
      finish(current, ResponseStatus::kUnavailable, unavailable_error(p));
    } else if (p.phase == Phase::kBackoff) {
      if (--p.backoff <= 0) {
        Proposal retry = std::move(p);
        proposals_.erase(current);
        start_attempt(std::move(retry));
      }
    } else if (++p.phase_elapsed % config_.retry_ticks == 0) {
      send_phase(current->first, p, /*only_missing=*/true);
    }
  }
  drain_self();
}

void Node::send(Message m) { outbox_.send(id(), std::move(m)); }

void Node::drain_self() {
  outbox_.drain_self([this](const Message& m) { handle(m); });
}

void Node::see(const Ballot& b) { max_ballot_ = std::max(max_ballot_, b); }

AcceptorState Node::state(const std::string& key) const {
  AcceptorState s = store_.get(key);
  if (auto it = volatile_promises_.find(key); it != volatile_promises_.end()) {
    s.promised = std::max(s.promised, it->second);
  }
  return s;
}

void Node::handle(const Message& m) {
  see(m.ballot);
  see(m.accepted);
  Message reply;
  reply.to = m.from;
  reply.op = m.op;
  reply.key = m.key;
  reply.ballot = m.ballot;
  switch (m.type) {
    case MessageType::kPrepare: {
      AcceptorState s = state(m.key);
      // >=: a duplicated prepare is granted again (ballots are unique).
      reply.type = MessageType::kPromise;
      reply.ok = m.ballot >= s.promised;
      if (reply.ok) {
        s.promised = m.ballot;
        if (config_.failpoints.no_persist_promise) {
          volatile_promises_[m.key] = m.ballot;  // UNSAFE: a restart forgets it
        } else {
          store_.put(m.key, s);
        }
        reply.accepted = s.accepted;
        reply.value = std::move(s.value);
      } else {
        reply.accepted = s.promised;
      }
      send(std::move(reply));
      return;
    }
    case MessageType::kAccept: {
      AcceptorState s = state(m.key);
      reply.type = MessageType::kAccepted;
      // UNSAFE with accept-lower-ballot: a promise is a promise.
      reply.ok = m.ballot >= s.promised || config_.failpoints.accept_lower_ballot;
      if (reply.ok) {
        s.promised = std::max(s.promised, m.ballot);
        s.accepted = m.ballot;
        s.value = m.value;
        store_.put(m.key, s);
      } else {
        reply.accepted = s.promised;
      }
      send(std::move(reply));
      return;
    }
    case MessageType::kPromise: on_promise(m); return;
    case MessageType::kAccepted: on_accepted(m); return;
  }
}

void Node::on_promise(const Message& m) {
  auto it = proposals_.find(m.op);
  if (it == proposals_.end()) return;  // late, duplicate, or for an earlier incarnation
  Proposal& p = it->second;
  if (p.phase != Phase::kPrepare || m.ballot != p.ballot || m.key != p.key) return;
  if (p.promises.count(m.from) || p.refused.count(m.from)) return;  // a duplicate
  if (!m.ok) return refuse(it, m);
  p.promises.emplace(m.from, m);
  p.promise_order.push_back(m.from);
  if (static_cast<int>(p.promises.size()) < majority()) return;
  // Adopt the value accepted at the highest ballot among the quorum's: if
  // any value was chosen, it is that one (README.md, "Invariants").
  const Message* highest = &p.promises.at(p.promise_order.front());
  if (!config_.failpoints.no_adopt_highest) {  // UNSAFE when set: the first promise's
    for (const auto& [acceptor, promise] : p.promises) {
      if (promise.accepted > highest->accepted) highest = &promise;
    }
  }
  p.value = highest->value;
  p.replies.clear();
  for (const Request& r : p.requests) {
    ChangeResult result = r.change(p.value);
    p.value = std::move(result.value);
    p.replies.push_back(std::move(result.reply));
  }
  const bool agreed = std::all_of(p.promises.begin(), p.promises.end(), [&](const auto& e) {
    return e.second.accepted == highest->accepted;
  });
  if (p.read_only && agreed) {
    // A quorum holds the value at that ballot: it is chosen, and nothing
    // between that ballot and ours can be (README.md, "Reads").
    return finish(it, ResponseStatus::kOk, "");
  }
  p.phase = Phase::kAccept;
  p.phase_elapsed = 0;
  p.refused.clear();
  send_phase(it->first, p, /*only_missing=*/false);
}

void Node::on_accepted(const Message& m) {
  auto it = proposals_.find(m.op);
  if (it == proposals_.end()) return;
  Proposal& p = it->second;
  if (p.phase != Phase::kAccept || m.ballot != p.ballot || m.key != p.key) return;
  if (p.acks.count(m.from) || p.refused.count(m.from)) return;
  if (!m.ok) return refuse(it, m);
  p.acks.insert(m.from);
  if (static_cast<int>(p.acks.size()) >= majority()) {
    finish(it, ResponseStatus::kOk, "");
  }
}

void Node::refuse(std::map<uint64_t, Proposal>::iterator it, const Message& m) {
  Proposal& p = it->second;
  p.refused.insert(m.from);
  const int possible = static_cast<int>(config_.nodes.size() - p.refused.size());
  if (possible >= majority()) return;
  if (p.phase == Phase::kAccept) {
    // Some acceptors may hold our value: retrying would apply the change
    // twice if it was chosen. The effect is unknown.
    return finish(it, ResponseStatus::kUnavailable,
                  fmt::format("UNAVAILABLE proposal on key '{}' preempted during its accept "
                              "phase by ballot {}.{}: its effect is unknown",
                              p.key, m.accepted.counter, m.accepted.node));
  }
  // Nothing was accepted for this attempt: back off, then try a higher ballot.
  p.phase = Phase::kBackoff;
  const uint64_t range = static_cast<uint64_t>(config_.backoff_ticks)
                         << std::min(p.attempts - 1, 4);
  p.backoff = 1 + static_cast<int>(config_.random() % range);
}

void Node::finish(std::map<uint64_t, Proposal>::iterator it, ResponseStatus status,
                  const std::string& error) {
  Proposal p = std::move(it->second);
  proposals_.erase(it);
  for (size_t i = 0; i < p.requests.size(); ++i) {
    outbox_.respond(
        Response{p.requests[i].id, status, status == ResponseStatus::kOk ? p.replies[i] : error});
  }
  active_.erase(p.key);
  start_proposal(p.key);
}

std::string Node::unavailable_error(const Proposal& p) const {
  const bool accepting = p.phase == Phase::kAccept;
  const auto& granted = accepting ? p.acks : std::set<uint64_t>();
  std::vector<uint64_t> heard;
  for (uint64_t n : config_.nodes) {
    if (accepting ? granted.count(n) > 0 : p.promises.count(n) > 0) heard.push_back(n);
  }
  return fmt::format(
      "UNAVAILABLE proposal on key '{}': the {} phase of ballot {}.{} (attempt {}) heard from "
      "nodes [{}], refused by [{}], needs {} of {} within {} ticks; its effect is unknown",
      p.key, accepting ? "accept" : "prepare", p.ballot.counter, p.ballot.node, p.attempts,
      fmt::join(heard, ","), fmt::join(p.refused, ","), majority(), config_.nodes.size(),
      config_.timeout_ticks);
}

Status Node::check_invariants() const {
  for (const auto& [op, p] : proposals_) {
    if (p.ballot.node != id() || p.ballot.counter > store_.issued_counter()) {
      return Status::malformed(fmt::format("paxos node {}: proposal ballot {}.{} not issued here",
                                           id(), p.ballot.counter, p.ballot.node));
    }
    if (!active_.count(p.key)) {
      return Status::malformed(fmt::format("paxos node {}: key {} not active", id(), p.key));
    }
    if (p.phase == Phase::kAccept && static_cast<int>(p.promises.size()) < majority()) {
      return Status::malformed(
          fmt::format("paxos node {}: accept phase with {} promises", id(), p.promises.size()));
    }
    for (uint64_t n : p.refused) {
      if ((p.phase == Phase::kPrepare && p.promises.count(n)) || p.acks.count(n)) {
        return Status::malformed(
            fmt::format("paxos node {}: acceptor {} both granted and refused", id(), n));
      }
    }
  }
  return Status::ok();
}

}  // namespace faultline::paxos
