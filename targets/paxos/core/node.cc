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
      max_ballot_{store.issued_counter(), store.issued_counter() ? config_.id : 0},
      issued_(store.issued_counter()),
      durable_issued_(store.issued_counter()),
      synced_at_advance_(store.issued_counter()) {}

Ready Node::ready() {
  synced_at_advance_ = store_.issued_counter();
  releasing_.insert(releasing_.end(), std::make_move_iterator(held_.begin()),
                    std::make_move_iterator(held_.end()));
  held_.clear();
  return outbox_.take();
}

void Node::advance() {
  durable_issued_ = synced_at_advance_;
  std::vector<Message> released;
  released.swap(releasing_);
  for (const Message& m : released) handle(m);
  drain_self();
}

void Node::issue(const Ballot& ballot) {
  issued_ = std::max(issued_, ballot.counter + 1);
  if (issued_ > store_.issued_counter()) store_.set_issued_counter(issued_ + kBallotBlock);
}

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
  p.phase_elapsed = 0;
  p.promises.clear();
  p.promise_order.clear();
  p.acks.clear();
  p.refused.clear();
  p.maybe_accepted = false;
  p.refused_by = Ballot{};
  p.one_round_trip = false;
  const bool first = p.attempts++ == 0;
  const uint64_t op = next_op_++;
  if (first && p.read_only) {
    // A read asks first, promising nothing; it needs a ballot only to write
    // back a value that not all of the quorum holds.
    p.phase = Phase::kRead;
    p.ballot = Ballot{};
    auto [it, inserted] = proposals_.emplace(op, std::move(p));
    return send_phase(op, it->second, /*only_missing=*/false);
  }
  if (foreign_round_running(p.key) && p.yields < kMaxYields) {
    // Another proposer's round on this key is between its prepare and its
    // accept here: preparing now would preempt it. Let it finish first.
    ++p.yields;
    --p.attempts;
    p.phase = Phase::kBackoff;
    p.backoff =
        1 + static_cast<int>(config_.random() % static_cast<uint64_t>(config_.backoff_ticks));
    proposals_.emplace(op, std::move(p));
    return;
  }
  auto prepared = prepared_.find(p.key);
  if (first && prepared != prepared_.end() && !contended(p.key) &&
      promise(p.key) <= prepared->second.ballot) {
    // One round trip: a quorum promised this ballot when it accepted our
    // previous value, and holds that value (README.md, "One round trip").
    p.ballot = prepared->second.ballot;
    p.one_round_trip = true;
    apply_changes(p, std::move(prepared->second.value));
  } else {
    // A ballot above every one seen and issued.
    p.ballot = Ballot{std::max(max_ballot_.counter, issued_) + 1, id()};
    p.phase = Phase::kPrepare;
  }
  if (prepared != prepared_.end()) prepared_.erase(prepared);
  // The ballot and its next_ballot() (which our accepts ask acceptors to
  // promise) are issued durably before any message carrying them leaves:
  // send() keeps them for after the sync unless an earlier one reserved them.
  issue(p.ballot);
  see(p.ballot);
  auto [it, inserted] = proposals_.emplace(op, std::move(p));
  if (it->second.one_round_trip) return start_accept(op, it->second);
  send_phase(op, it->second, /*only_missing=*/false);
}

void Node::apply_changes(Proposal& p, std::string base) {
  p.value = std::move(base);
  p.replies.clear();
  for (const Request& r : p.requests) {
    ChangeResult result = r.change(p.value);
    p.value = std::move(result.value);
    p.replies.push_back(std::move(result.reply));
  }
}

void Node::start_accept(uint64_t op, Proposal& p) {
  p.phase = Phase::kAccept;
  p.phase_elapsed = 0;
  p.refused.clear();
  p.refused_by = Ballot{};
  // After a prepare, our own acceptor last (README.md, "Contention").
  p.self_deferred = !p.one_round_trip;
  send_phase(op, p, /*only_missing=*/false);
}

void Node::send_phase(uint64_t op, const Proposal& p, bool only_missing) {
  for (uint64_t acceptor : config_.nodes) {
    // Missing: in an accept phase, every acceptor that has not accepted (those
    // that promised too); in a prepare or read, those that have not answered.
    if (only_missing &&
        (p.phase == Phase::kAccept ? p.acks.count(acceptor) : p.promises.count(acceptor))) {
      continue;
    }
    if (p.refused.count(acceptor)) continue;
    if (p.phase == Phase::kAccept && p.self_deferred && acceptor == id()) continue;
    send_phase_to(acceptor, op, p);
  }
}

void Node::send_phase_to(uint64_t acceptor, uint64_t op, const Proposal& p) {
  Message m;
  m.type = p.phase == Phase::kRead      ? MessageType::kRead
           : p.phase == Phase::kPrepare ? MessageType::kPrepare
                                        : MessageType::kAccept;
  m.to = acceptor;
  m.op = op;
  m.key = p.key;
  m.ballot = p.ballot;
  if (p.phase == Phase::kAccept) m.value = p.value;
  send(std::move(m));
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

bool Node::foreign_round_running(const std::string& key) const {
  auto it = foreign_.find(key);
  return it != foreign_.end() && it->second.open &&
         now_ - it->second.tick <= 2 * static_cast<uint64_t>(config_.backoff_ticks);
}

bool Node::contended(const std::string& key) {
  auto it = foreign_.find(key);
  if (it == foreign_.end()) return false;
  if (now_ - it->second.tick <= kContendedTicks) return true;
  foreign_.erase(it);
  return false;
}

void Node::tick() {
  ++now_;
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
      if (p.phase == Phase::kAccept && out_of_reach(p)) {
        settle_refused_accept(current, /*waited=*/true);
      } else {
        send_phase(current->first, p, /*only_missing=*/true);
      }
    }
  }
  drain_self();
}

void Node::send(Message m) {
  const bool request = m.type == MessageType::kPrepare || m.type == MessageType::kAccept ||
                       m.type == MessageType::kRead;
  if (m.to == id() && !request) {
    m.from = id();
    held_.push_back(std::move(m));  // our acceptor's reply: counts once synced
  } else if (m.to != id() && request &&
             (m.type == MessageType::kRead || m.ballot.counter + 1 <= durable_issued_)) {
    // Nothing in it the sync makes durable: a read carries no ballot, and
    // this ballot's reservation is synced (README.md, "Sending before the sync").
    outbox_.send_early(id(), std::move(m));
  } else {
    outbox_.send(id(), std::move(m));
  }
}

void Node::drain_self() {
  outbox_.drain_self([this](const Message& m) { handle(m); });
}

void Node::see(const Ballot& b) { max_ballot_ = std::max(max_ballot_, b); }

AcceptorState Node::state(const std::string& key) const {
  const AcceptorState* stored = store_.find(key);
  AcceptorState s = stored ? *stored : AcceptorState{};
  s.promised = with_volatile_promise(key, s.promised);
  return s;
}

Ballot Node::promise(const std::string& key) const {
  const AcceptorState* stored = store_.find(key);
  return with_volatile_promise(key, stored ? stored->promised : Ballot{});
}

Ballot Node::with_volatile_promise(const std::string& key, Ballot promised) const {
  if (auto it = volatile_promises_.find(key); it != volatile_promises_.end()) {
    promised = std::max(promised, it->second);
  }
  return promised;
}

void Node::handle(const Message& m) {
  see(m.ballot);
  see(m.accepted);
  see(m.promised);
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
      reply.accepted = s.accepted;
      if (reply.ok) {
        reply.promised = s.promised;  // the promise this one replaces
        s.promised = m.ballot;
        if (m.from != id()) foreign_[m.key] = Foreign{now_, true};
        if (config_.failpoints.no_persist_promise) {
          volatile_promises_[m.key] = m.ballot;  // UNSAFE: a restart forgets it
        } else {
          store_.put(m.key, s);
        }
        reply.value = std::move(s.value);
      } else {
        reply.promised = s.promised;
      }
      send(std::move(reply));
      return;
    }
    case MessageType::kAccept: {
      // The held value is not needed: an accepted one replaces it.
      const AcceptorState* stored = store_.find(m.key);
      const Ballot promised = with_volatile_promise(m.key, stored ? stored->promised : Ballot{});
      const Ballot accepted = stored ? stored->accepted : Ballot{};
      reply.type = MessageType::kAccepted;
      if (m.ballot == accepted) {
        // A retried accept this acceptor took already (its answer was lost):
        // it still holds that value at that ballot (one value per ballot,
        // invariant 2), whatever it promised since.
        reply.ok = true;
        reply.accepted = accepted;
        send(std::move(reply));
        return;
      }
      // UNSAFE with accept-lower-ballot: a promise is a promise.
      reply.ok = m.ballot >= promised || config_.failpoints.accept_lower_ballot;
      reply.accepted = reply.ok ? m.ballot : accepted;
      if (reply.ok) {
        // Promising the proposer's next ballot lets its next proposal on
        // this key skip the prepare phase.
        AcceptorState s{std::max(promised, next_ballot(m.ballot)), m.ballot, m.value};
        see(s.promised);  // our own proposals go above it
        store_.put(m.key, std::move(s));
        if (auto f = foreign_.find(m.key); f != foreign_.end()) f->second.open = false;
      } else {
        reply.promised = promised;
      }
      send(std::move(reply));
      return;
    }
    case MessageType::kRead: {
      AcceptorState s = state(m.key);
      reply.type = MessageType::kReadReply;
      reply.ok = true;
      reply.accepted = s.accepted;
      reply.value = std::move(s.value);
      send(std::move(reply));
      return;
    }
    case MessageType::kPromise:
    case MessageType::kReadReply: on_promise(m); return;
    case MessageType::kAccepted: on_accepted(m); return;
  }
}

void Node::on_promise(const Message& m) {
  auto it = proposals_.find(m.op);
  if (it == proposals_.end()) return;  // late, duplicate, or for an earlier incarnation
  Proposal& p = it->second;
  const Phase phase = m.type == MessageType::kReadReply ? Phase::kRead : Phase::kPrepare;
  if (p.phase != phase || m.ballot != p.ballot || m.key != p.key) return;
  if (p.promises.count(m.from) || p.refused.count(m.from)) return;  // a duplicate
  if (!m.ok) return refuse(it, m);
  p.promises.emplace(m.from, m);
  p.promise_order.push_back(m.from);
  if (static_cast<int>(p.promises.size()) >= majority()) on_quorum(it);
}

void Node::on_quorum(std::map<uint64_t, Proposal>::iterator it) {
  Proposal& p = it->second;
  // Adopt the value accepted at the highest ballot among the quorum's: if
  // any value was chosen, it is that one (README.md, "Invariants").
  const Message* highest = &p.promises.at(p.promise_order.front());
  if (!config_.failpoints.no_adopt_highest) {  // UNSAFE when set: the first promise's
    for (const auto& [acceptor, promise] : p.promises) {
      if (promise.accepted > highest->accepted) highest = &promise;
    }
  }
  apply_changes(p, highest->value);
  const bool agreed = std::all_of(p.promises.begin(), p.promises.end(), [&](const auto& e) {
    return e.second.accepted == highest->accepted;
  });
  if (p.read_only && agreed) {
    // A quorum holds the value at that ballot: it is chosen, and it is the
    // latest chosen value or a later one (README.md, "Reads").
    return finish(it, ResponseStatus::kOk, "");
  }
  if (p.phase == Phase::kRead) {
    // The quorum disagrees: a full proposal writes the highest value back.
    Proposal retry = std::move(p);
    proposals_.erase(it);
    return start_attempt(std::move(retry));
  }
  start_accept(it->first, p);
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
    // Chosen; the acks promised next_ballot(), and hold p.value.
    // finish() needs no value: it moves to prepared_.
    prepared_[p.key] = Prepared{next_ballot(p.ballot), std::move(p.value)};
    return finish(it, ResponseStatus::kOk, "");
  }
  if (out_of_reach(p)) return settle_refused_accept(it, /*waited=*/false);
  if (p.self_deferred) {
    p.self_deferred = false;  // another acceptor holds our value now: ours may too
    send_phase_to(id(), it->first, p);
  }
}

void Node::refuse(std::map<uint64_t, Proposal>::iterator it, const Message& m) {
  Proposal& p = it->second;
  p.refused.insert(m.from);
  p.refused_by = std::max(p.refused_by, m.promised);
  // Accepted ballots only grow: one below ours means ours was never accepted there.
  if (p.phase == Phase::kAccept && m.accepted >= p.ballot) p.maybe_accepted = true;
  if (!out_of_reach(p)) return;
  if (p.phase == Phase::kAccept) return settle_refused_accept(it, /*waited=*/false);
  // Nothing was accepted for this attempt: back off, then try a higher ballot.
  back_off(p);
}

void Node::settle_refused_accept(std::map<uint64_t, Proposal>::iterator it, bool waited) {
  Proposal& p = it->second;
  if (p.acks.empty() && !p.maybe_accepted) {
    // Refused by every acceptor, none of which had accepted it: our value
    // can never be chosen or adopted, so the attempt is retried like a
    // refused prepare. Until every acceptor has answered, wait for the
    // silent ones for one retry interval.
    if (p.refused.size() + (p.self_deferred ? 1 : 0) == config_.nodes.size()) {
      return back_off(p);
    }
    if (!waited) return;
  }
  // Some acceptor may hold our value: retrying would apply the change twice
  // if it was chosen (or adopted by a later ballot). The effect is unknown.
  finish(it, ResponseStatus::kUnavailable,
         fmt::format("UNAVAILABLE proposal on key '{}' preempted during its accept phase by "
                     "ballot {}.{}: its effect is unknown",
                     p.key, p.refused_by.counter, p.refused_by.node));
}

void Node::back_off(Proposal& p) {
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
      p.key,
      accepting                 ? "accept"
      : p.phase == Phase::kRead ? "read"
                                : "prepare",
      p.ballot.counter, p.ballot.node, p.attempts, fmt::join(heard, ","), fmt::join(p.refused, ","),
      majority(), config_.nodes.size(), config_.timeout_ticks);
}

Status Node::check_invariants() const {
  for (const auto& [op, p] : proposals_) {
    // A read's first attempt, or a proposal yielding before its first
    // prepare, has no ballot yet.
    const bool unballoted =
        p.phase == Phase::kRead || (p.phase == Phase::kBackoff && p.ballot.empty());
    if (!unballoted && (p.ballot.node != id() || p.ballot.counter >= issued_ ||
                        issued_ > store_.issued_counter())) {
      return Status::malformed(fmt::format("paxos node {}: proposal ballot {}.{} not issued here",
                                           id(), p.ballot.counter, p.ballot.node));
    }
    if (!active_.count(p.key)) {
      return Status::malformed(fmt::format("paxos node {}: key {} not active", id(), p.key));
    }
    if (p.phase == Phase::kAccept && !p.one_round_trip &&
        static_cast<int>(p.promises.size()) < majority()) {
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
