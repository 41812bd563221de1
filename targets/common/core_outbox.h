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
  std::vector<Message> messages;
  std::vector<Response> responses;

  bool empty() const { return messages.empty() && responses.empty(); }
};

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

  bool has_ready() const { return !messages_.empty() || !responses_.empty(); }
  CoreReady<Message, Response> take() {
    CoreReady<Message, Response> r;
    r.messages.swap(messages_);
    r.responses.swap(responses_);
    return r;
  }

 private:
  std::deque<Message> to_self_;
  std::vector<Message> messages_;
  std::vector<Response> responses_;
};

}  // namespace faultline::common
