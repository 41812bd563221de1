// The lease of the raftkv failpoints lease-read and lease-from-ack
// (deliberately unsafe; server/README.md, "Failpoints"). A ReadIndex round
// that a quorum confirmed proves this node was leader when the round
// *started*: the followers heard it then, and none of them campaigns before
// an election timeout of its own has passed since. So reads may be served
// locally for a while after the start of the last confirmed round (the
// leader starts one every tick: KvNode::tick), a little less than an
// election timeout. The lease keeps no clock: the caller gives the time of
// every event in a unit of its choice (raft ticks, or ms), and the length in
// the same unit.
//
// That much would be a sound lease on a steady clock that never skips. Each
// failpoint adds mistakes a real server could make:
// - lease-read counts in raft ticks from a ticker on the wall clock that
//   drops missed ticks, as Go's time.Ticker does (a process paused for
//   seconds gets one tick when it resumes: RaftNode::schedule_tick; a clock
//   set back stalls it), and keeps the lease when the node steps down. Ticks
//   that do not advance while time does then keep a deposed leader answering
//   reads from its old state. Under partitions, loss or crashes alone it
//   stays safe.
// - lease-from-ack counts on the steady clock and drops the lease when the
//   node steps down, and makes the classic mistake instead: its lease runs
//   from when the quorum's acknowledgments *arrive* (kFromAck). A follower's
//   election timer ran from when the round reached it, so acknowledgments
//   that were delayed, and then read by a leader that had stopped sending
//   (a pause), stretch the lease past the followers' timeouts, and a new
//   leader may commit writes while this one still reads locally. Message
//   delay exposes it (nemesis kind latency); docs/nemesis.md says which
//   schedule.
#pragma once

#include <cstdint>
#include <map>

namespace faultline::raftkv {

class ReadLease {
 public:
  enum class Start {
    kFromRoundStart,  // sound: from when the confirmed round started
    kFromAck,         // lease-from-ack: from when its confirmation arrived
  };
  // length: in the caller's unit; no lease at all when 0. When the node
  // steps down, keep_on_step_down keeps the lease (lease-read's mistake).
  ReadLease(int64_t length, Start start, bool keep_on_step_down)
      : length_(length), start_from_(start), keep_on_step_down_(keep_on_step_down) {}

  // A ReadIndex round with this context starts at `now`.
  void round_started(uint64_t context, int64_t now) { started_[context] = now; }
  // The round was confirmed by a quorum at `now`. Rounds started before it
  // are confirmed by it too, and forgotten.
  void round_confirmed(uint64_t context, int64_t now);
  // The node stepped down: rounds in flight will never be confirmed.
  void stepped_down() {
    started_.clear();
    if (!keep_on_step_down_) confirmed_ = false;
  }
  // Whether reads may be served locally at `now`.
  bool holds(int64_t now) const { return confirmed_ && now - start_ < length_; }

 private:
  int64_t length_;
  Start start_from_;
  bool keep_on_step_down_;
  bool confirmed_ = false;
  int64_t start_ = 0;                    // when the lease runs from
  std::map<uint64_t, int64_t> started_;  // context -> when it started
};

}  // namespace faultline::raftkv
