// RespSession: how every RESP workload client talks to a cluster. It sends
// each command first to its home node (workloads/home_node.h: its own node,
// the next after a failed connection, its own again after a while), follows
// raftkv's "-NOTLEADER host:port" redirects (and stays with the leader
// named), and sorts every outcome into reply, not applied or unknown,
// the distinction the history's ok/fail/info needs (docs/workloads.md).
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "targets/resp/resp_client.h"
#include "workloads/client.h"
#include "workloads/home_node.h"
#include "workloads/resp_connection.h"

namespace faultline {

struct RespOutcome {
  // kReply: the server answered (never with an error: those are sorted into
  // the other two). kNotApplied: the command certainly did not take effect.
  // kUnknown: it may have, or may still.
  enum class Kind { kReply, kNotApplied, kUnknown };
  Kind kind = Kind::kReply;
  RespReply reply;    // kReply: the reply; for a transaction, EXEC's array
  std::string error;  // otherwise: why, for the history's "error"
  std::string node;   // the node that answered or was last tried
};

// Whether a RESP error reply means the command was not executed: refused
// before running (unknown command, wrong arity, syntax, WRONGTYPE, not an
// integer, overflow, EXECABORT, NOTLEADER) or, as raftkv says of a dropped
// write, "not applied". Anything else ("ERR outcome unknown: ...", errors we
// do not know) may hide an effect.
bool error_means_not_applied(std::string_view error);

class RespSession {
 public:
  using Clock = RespConnection::Clock;
  // Redirects followed per command before giving up (not applied).
  static constexpr int kMaxRedirects = 3;

  explicit RespSession(const ClientContext& context);

  // Sends one command and reads its reply.
  RespOutcome call(const std::vector<std::string>& command, Clock::time_point deadline);
  // Sends the commands back to back and reads their replies into one array
  // reply. Meant for reads: a redirect sends them all again elsewhere, and
  // an error reply to any one is the outcome of the whole, as for call().
  RespOutcome pipeline(const std::vector<std::vector<std::string>>& commands,
                       Clock::time_point deadline);
  // MULTI, the commands, EXEC: the commands take effect together or not at
  // all. EXEC is sent only once every command was queued; if one was not,
  // the connection is dropped, which discards the transaction.
  RespOutcome transaction(const std::vector<std::vector<std::string>>& commands,
                          Clock::time_point deadline);

  // The deadline of an operation invoked now.
  Clock::time_point deadline() const { return Clock::now() + timeout_; }

 private:
  enum class Step { kDone, kRedirect };
  enum class Mode { kSingle, kPipeline, kTransaction };
  RespOutcome run(const std::vector<std::vector<std::string>>& commands, Mode mode,
                  Clock::time_point deadline);
  Step attempt(const std::vector<std::vector<std::string>>& commands, Mode mode,
               Clock::time_point deadline, RespOutcome* out);
  // Follows "NOTLEADER <address>": false (and *out set) if no leader is known.
  bool redirect(const std::string& error, RespOutcome* out);
  // After a connection failed or timed out: closes it, and tells the home
  // policy if it was home's.
  void move_on();
  // Points link_ at home, whose node the home policy chooses now.
  void go_home();

  // A node and the connection to it.
  struct Link {
    NodeEndpoint target;
    RespConnection connection;
  };

  std::vector<NodeEndpoint> nodes_;
  std::chrono::milliseconds timeout_;
  // Every command starts at the home node (`home_node_`'s choice), so that
  // requests reach every node of the cluster as they would from clients
  // spread over it (a follower serving what only a leader may is then
  // seen); a redirect goes to the leader it names (away). Both connections
  // stay open.
  HomeNode home_node_;
  size_t home_index_ = 0;  // home_'s index in nodes_
  Link home_;
  Link away_;
  Link* link_ = &home_;  // where the current command goes
};

// Now on the steady clock, in ns: the time HomeNode is given.
int64_t steady_now_ns();

// A reply as a value in the history: nil -> null, an integer reply or a
// string of a 64-bit decimal integer -> that integer, another string -> the
// string (values the workloads write are integers; anything else is what the
// checker should see).
nlohmann::json reply_value(const RespReply& reply);

// "unexpected reply: ...", the error of a reply a client did not expect.
std::string unexpected_reply_error(const RespReply& reply);

}  // namespace faultline
