// One client connection's view of the KV commands: MULTI/EXEC/DISCARD
// queuing, as Redis does it, and the routing of every request to an
// immediate reply, a read, or a log proposal. No I/O: the server calls
// handle() with each parsed request and does what the Action says.
//
// Server-level commands (INFO) are the server's to answer before this.
#pragma once

#include <string>
#include <vector>

#include "targets/kvstate/kv_command.h"

namespace faultline::kv {

struct Action {
  enum class Kind {
    kReply,    // send `reply` now
    kRead,     // answer `read` with KvState::read once a ReadIndex is reached
    kPropose,  // propose `entry`; KvState::apply's reply for it answers the client
  };
  Kind kind = Kind::kReply;
  std::string reply;
  Command read;
  std::string entry;
};

class Session {
 public:
  // Outside a transaction: invalid requests get their error, PING is
  // answered, reads are routed to kRead and writes to kPropose. MULTI opens
  // a transaction: valid commands (reads too) are queued (+QUEUED) and EXEC
  // proposes them as one batch entry, so that they apply atomically. An
  // invalid command inside a transaction makes EXEC fail with EXECABORT;
  // DISCARD drops the queue.
  Action handle(std::vector<std::string> request);

  bool in_transaction() const { return in_transaction_; }

 private:
  Action exec();
  void reset();

  bool in_transaction_ = false;
  bool aborted_ = false;  // a queued request was invalid: EXEC must refuse
  std::vector<Command> queued_;
};

}  // namespace faultline::kv
