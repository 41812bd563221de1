// HomeNode: which node a client sends each command to first — one policy
// for every client faultline has (RespSession, the NodeCursor of the etcd
// and HTTP sessions, and faultline sim's clients), so that a simulated
// client goes where a real one would.
//
//   - A client starts on its own node (its thread's: thread % nodes), so
//     that requests reach every node as they would from clients spread over
//     the cluster.
//   - When the node it sent to first fails (refuses, loses or times out a
//     connection), it moves on to the next node, so that a dead or cut-off
//     node does not hold it.
//   - It goes back to its own node once it has been away for a while: 1 s
//     at first, doubled each time its own node fails again (up to 16 s),
//     and 1 s again once its own node answers. Without the way back the
//     clients of a node that crashes now and then gather, for good, on the
//     nodes that crash least, and the contention between nodes that many
//     bugs need is gone (docs/workloads.md, "Clients").
//
// Times are nanoseconds on the caller's steady clock (the simulator's
// virtual time in faultline sim). Pure: no I/O, no clock of its own.
#pragma once

#include <cstddef>
#include <cstdint>

namespace faultline {

class HomeNode {
 public:
  static constexpr int64_t kFirstWaitNs = 1'000'000'000;
  static constexpr int64_t kMaxWaitNs = 16'000'000'000;

  // Own node `own` of `nodes` (> 0).
  HomeNode(size_t own, size_t nodes) : own_(own % nodes), nodes_(nodes), home_(own_) {}
  // The client's own node for thread `thread` of a cluster of `nodes`.
  static HomeNode for_thread(int thread, size_t nodes) {
    return HomeNode(static_cast<size_t>(thread), nodes);
  }

  // The node to send to first at `now`: the own node again once the wait
  // since it failed has passed.
  size_t at(int64_t now) {
    if (home_ != own_ && now >= back_at_) home_ = own_;
    return home_;
  }
  // `node` failed at `now`; if it is the home, the home moves on (a node
  // reached by a redirect is not the home unless it is the same node).
  void failed(size_t node, int64_t now) {
    if (node != home_) return;
    if (home_ == own_) {
      back_at_ = now + wait_;
      wait_ = wait_ >= kMaxWaitNs / 2 ? kMaxWaitNs : 2 * wait_;
    }
    home_ = (home_ + 1) % nodes_;
  }
  // `node` answered: if it is the home and the own node, its next wait is
  // the first.
  void answered(size_t node) {
    if (node == home_ && node == own_) wait_ = kFirstWaitNs;
  }

 private:
  size_t own_;
  size_t nodes_;
  size_t home_;
  int64_t back_at_ = 0;
  int64_t wait_ = kFirstWaitNs;
};

}  // namespace faultline
