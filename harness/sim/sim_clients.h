// SimClients: the workload's client threads in a simulation. Each op's
// request (the workload's KvOps) travels to a node of the SimCluster as a
// message, the RESP command RespKvSession would send (resp_kv_command); its
// end is sorted into the same outcome RespSession gives a real client
// (workloads/resp_session.h), read as RespKvSession reads it
// (resp_kv_outcome), which the workload's own KvOps::complete then turns
// into ok, fail or info:
//
//   - a thread starts on its own node (thread % nodes), as a real client;
//   - -NOTLEADER host:port: the command goes to the leader named, at most
//     RespSession::kMaxRedirects times; "-NOTLEADER unknown": not applied;
//   - a node that is down refuses the connection: not applied, and the
//     thread's home moves to the next node;
//   - a connection lost after sending (a crash) or no reply by the op's
//     timeout: unknown, and the home moves on;
//   - an error reply: not applied or unknown by error_means_not_applied.
//
// A new process (after an info) starts over at the thread's own node, as
// the runner's fresh Client would.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "harness/sim/event_loop.h"
#include "harness/sim/sim_cluster.h"
#include "workloads/workload.h"

namespace faultline::sim {

class SimClients {
 public:
  // `timeout`: the op timeout, ns. Everything outlives this object.
  SimClients(EventLoop& loop, SimCluster& cluster, KvOps ops, int64_t timeout, int concurrency);

  // Runs `invoke` on client `thread`; `done` gets its completion once.
  void invoke(int thread, const Op& invoke, std::function<void(Op)> done);

 private:
  struct Thread {
    int64_t process = -1;
    size_t home = 0;
  };
  struct Call;
  void attempt(const std::shared_ptr<Call>& call);
  void on_reply(const std::shared_ptr<Call>& call, SimReply reply);
  void finish(const std::shared_ptr<Call>& call, const RespOutcome& outcome);
  // After a refused, lost or timed-out connection to the home node: home
  // becomes the next node.
  void move_on(Call& call);

  EventLoop& loop_;
  SimCluster& cluster_;
  KvOps ops_;
  ClientProtocol protocol_;  // raftkv's: the default RESP commands
  int64_t timeout_;
  std::vector<Thread> threads_;
};

}  // namespace faultline::sim
