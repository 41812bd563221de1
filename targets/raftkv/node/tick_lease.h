// The lease-read failpoint's lease (deliberately unsafe; README,
// "Failpoints"). A ReadIndex round that a quorum confirmed proves this node
// was leader when the round *started*: the followers heard it then, and none
// of them campaigns before an election timeout of its own ticks has passed
// since. So reads may be served locally for a while after the start of the
// last confirmed round (the leader starts one every tick: KvNode::tick) —
// measured here in this node's raft ticks, two short
// of the election timeout (a follower's first tick may come right after the
// heartbeat, and the rounding of the start to a tick costs one more).
//
// That much would be a sound lease on a steady clock that never skips. The
// failpoint adds mistakes a real server could make: its ticker runs on the
// wall clock (a clock set back stalls it) and drops missed ticks, as Go's
// time.Ticker does (a process paused for seconds gets one tick when it
// resumes: RaftNode::schedule_tick), and the lease is not dropped when the
// node stops being leader. Ticks that do not advance while time does then
// keep a deposed leader answering reads from its old state. Under
// partitions, message loss or crashes alone it stays safe.
//
// The lease-from-ack failpoint keeps the ticker and drops the lease when the
// node steps down, and makes one other mistake, the classic one: its lease
// runs from when the quorum's acknowledgments *arrive*. A follower's
// election timer ran from when the round reached it, so a round whose
// messages were delayed stretches the lease past the followers' timeouts,
// and a new leader may commit writes while this one still reads locally.
// Only message delay exposes it (nemesis kind latency).
#pragma once

#include <cstdint>
#include <map>

namespace faultline::raftkv {

class TickLease {
 public:
  // election_ticks: raft's election timeout in ticks; the lease lasts two
  // ticks less (none at all below three).
  // from_ack: the lease-from-ack failpoint (above).
  explicit TickLease(uint64_t election_ticks, bool from_ack = false)
      : length_(election_ticks > 2 ? election_ticks - 2 : 0), from_ack_(from_ack) {}

  void tick() { ++ticks_; }
  // A ReadIndex round with this context starts now.
  void round_started(uint64_t context) { started_[context] = ticks_; }
  // The round was confirmed by a quorum: the lease runs from its start.
  // Rounds started before it are confirmed by it too, and forgotten.
  void round_confirmed(uint64_t context);
  // Rounds in flight will never be confirmed (the node stepped down). The
  // lease itself stays (lease-read's second mistake), but for lease-from-ack.
  void rounds_dropped() {
    started_.clear();
    if (from_ack_) confirmed_ = false;
  }
  // Whether reads may be served locally now.
  bool holds() const { return confirmed_ && ticks_ - start_ < length_; }

 private:
  uint64_t length_;
  bool from_ack_;
  uint64_t ticks_ = 0;
  bool confirmed_ = false;
  uint64_t start_ = 0;                    // tick of the last confirmed round's start
  std::map<uint64_t, uint64_t> started_;  // context -> tick it started at
};

}  // namespace faultline::raftkv
