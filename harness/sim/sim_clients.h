// SimClients: the workload's client threads in a simulation. Each op's
// requests (the workload's KvOps) travel to a node of the SimCluster as
// messages, the RESP commands RespKvSession would send (resp_kv_command; a
// transaction's MULTI, commands and EXEC one after the other on the
// client's connection, each once the last was answered); their end is
// sorted into the same outcome RespSession gives a real client
// (workloads/resp_session.h), read as RespKvSession reads it
// (resp_kv_outcome), which the workload's own KvOps::complete then turns
// into ok, fail or info, or into the op's next request (each request has
// the op timeout, as each of a real client's calls):
//
//   - each command starts at the thread's home node, chosen as a real
//     client's (workloads/home_node.h: its own node, thread % nodes; the
//     next after a failure below; its own again after a while);
//   - -NOTLEADER host:port: the command goes to the leader named, at most
//     RespSession::kMaxRedirects times; "-NOTLEADER unknown": not applied;
//   - a node that is down refuses the connection: not applied, and the
//     home policy hears of the failure;
//   - a connection lost after sending (a crash) or no reply by the op's
//     timeout: unknown, and the home policy hears of it;
//   - an error reply: not applied or unknown by error_means_not_applied;
//   - a transaction that stops before EXEC (a command not queued, a reply
//     not as expected, a lost connection, the timeout): not applied, and
//     its connection is dropped (the thread goes on on a fresh one), which
//     discards what the node queued, as RespSession closes it; EXEC
//     answered nil: unknown.
//
// A new process (after an info) starts over at the thread's own node, as
// the runner's fresh Client would.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "harness/sim/event_loop.h"
#include "harness/sim/sim_cluster.h"
#include "workloads/home_node.h"
#include "workloads/workload.h"

namespace faultline::sim {

class SimClients {
 public:
  // `timeout`: the op timeout (of each request), ns. Everything outlives
  // this object.
  SimClients(EventLoop& loop, SimCluster& cluster, KvOps ops, int64_t timeout, int concurrency);

  // Runs `invoke` on client `thread`; `done` gets its completion once.
  void invoke(int thread, const Op& invoke, std::function<void(Op)> done);

 private:
  struct Call;
  struct Thread {
    int64_t process = -1;
    int64_t connection = -1;  // its process, or a fresh id after a drop
    HomeNode home{0, 1};
    // The request in progress and its timeout. One timer event per thread
    // (`timer`: it is in the loop) that waits on until the deadline of
    // whatever request is current when it fires: the loop holds a handful
    // of timers, not one per request for an op timeout.
    std::shared_ptr<Call> call;
    int64_t deadline = 0;  // of the call's latest request
    bool timer = false;
  };
  // Sends `request` from the thread's home node on.
  void start(const std::shared_ptr<Call>& call, KvRequest request);
  // The thread's timer fired: the request in progress times out if due.
  void on_timer(int thread);
  void attempt(const std::shared_ptr<Call>& call);
  void on_reply(const std::shared_ptr<Call>& call, SimReply reply);
  // A transaction's reply before EXEC's: the next command, or the end.
  void on_queued(const std::shared_ptr<Call>& call, const RespReply& reply);
  // The outcome of the call's request goes to the workload's complete().
  void finish(const std::shared_ptr<Call>& call, const RespOutcome& outcome);
  // After a refused, lost or timed-out connection: tells the thread's home
  // policy.
  void move_on(Call& call);
  // The call's transaction stopped before its EXEC: its connection is
  // dropped, with what the node queued on it.
  void drop_connection(Call& call);

  EventLoop& loop_;
  SimCluster& cluster_;
  KvOps ops_;
  ClientProtocol protocol_;  // raftkv's: the default RESP commands
  RespReplyParser parser_;
  int64_t timeout_;
  std::vector<Thread> threads_;
  int64_t dropped_ = 0;  // connections dropped: fresh ids are -1, -2, ...
};

}  // namespace faultline::sim
