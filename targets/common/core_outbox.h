// What a sans-I/O core (faultline-dht's, faultline-paxos's) hands its driver,
// and how it collects it: the Ready of messages to send and responses to
// deliver, and the Outbox that fills it; the Envelope of every message. A message a node sends
// itself is not in the Ready: the node handles it (drain_self) once the current input is done;
// handling it at once could finish the operation that is sending it.
#pragma once

#include <cstdint>
#include <deque>
#include <string>
#include <utility>
#include <vector>

namespace faultline::common {

// What every message of a core carries (its Message derives from this).
struct Envelope {
  uint64_t from = 0;
  uint64_t to = 0;
  // The sender's id for one phase (one attempt) of one operation; a reply
  // echoes it. Ids start at a random point per node incarnation, so a reply
  // addressed to a node's previous life matches nothing.
  uint64_t op = 0;
  std::string key;

  bool operator==(const Envelope&) const = default;
};

template <typename Message, typename Response>
struct CoreReady {
  // May leave before the sync (step 1): nothing in them depends on state the
  // sync makes durable. Only a core that says why fills it (faultline-paxos:
  // its proposer's requests, targets/paxos/README.md "Sending before the sync").
  std::vector<Message> early;
  // Must wait for the sync (step 3): they tell what the store now holds.
  std::vector<Message> messages;
  std::vector<Response> responses;  // must wait for the sync too

  bool empty() const { return early.empty() && messages.empty() && responses.empty(); }
};

// Step 4 of the order above, for the cores that have it.
template <typename Node>
void advance_after_sync(Node& node) {
  if constexpr (requires { node.advance(); }) node.advance();
}

template <typename Message, typename Response>
class Outbox {
 public:
  // Sends `m` from node `self`: into the Ready, or to self.
  void send(uint64_t self, Message m) {
    m.from = self;
    if (m.to == self) {
      to_self_.push_back(std::move(m));
    } else {
      messages_.push_back(std::move(m));
    }
  }
  // Into the Ready's `early` list: only for a message that may leave before the sync.
  void send_early(uint64_t self, Message m) {
    m.from = self;
    early_.push_back(std::move(m));
  }
  void respond(Response r) { responses_.push_back(std::move(r)); }

  // Handles the messages to self, those they send included, until none is left.
  template <typename Handle>
  void drain_self(Handle handle) {
    while (!to_self_.empty()) {
      Message m = std::move(to_self_.front());
      to_self_.pop_front();
      handle(m);
    }
  }

  bool has_ready() const { return !early_.empty() || !messages_.empty() || !responses_.empty(); }
  CoreReady<Message, Response> take() {
    CoreReady<Message, Response> r;
    r.early.swap(early_);
    r.messages.swap(messages_);
    r.responses.swap(responses_);
    return r;
  }

 private:
  std::deque<Message> to_self_;
  std::vector<Message> early_;
  std::vector<Message> messages_;
  std::vector<Response> responses_;
};

}  // namespace faultline::common
