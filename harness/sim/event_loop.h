// EventLoop: the one clock and event queue of a simulation. Events run in
// time order, and events at the same time in the order they were scheduled,
// so a simulation that draws every random choice from one seeded source runs
// the same way every time. Single-threaded; time is in ns of virtual time.
#pragma once

#include <cstdint>
#include <queue>
#include <vector>

#include "harness/generator/generator.h"  // kNever
#include "harness/sim/task.h"

namespace faultline::sim {

class EventLoop {
 public:
  int64_t now() const { return now_; }
  // Runs `event` at `time` (not before now).
  void at(int64_t time, Task event) {
    uint32_t slot;
    if (free_.empty()) {
      slot = static_cast<uint32_t>(events_.size());
      events_.push_back(std::move(event));
    } else {
      slot = free_.back();
      free_.pop_back();
      events_[slot] = std::move(event);
    }
    queue_.push(Entry{time < now_ ? now_ : time, seq_++, slot});
  }
  void after(int64_t delay, Task event) { at(now_ + delay, std::move(event)); }
  // Time passes with nothing happening (the driver waited until `time`).
  void advance_to(int64_t time) { now_ = time > now_ ? time : now_; }
  int64_t next_time() const { return queue_.empty() ? kNever : queue_.top().time; }
  // Runs the earliest event.
  void run_next() {
    const Entry e = queue_.top();
    queue_.pop();
    now_ = e.time;
    Task event = std::move(events_[e.slot]);  // leaves the slot empty
    free_.push_back(e.slot);  // the event may schedule others into its slot
    event();
  }

 private:
  // The heap holds small plain entries; the functions stay in their slots
  // (sifting them was a tenth of a simulation's instructions).
  struct Entry {
    int64_t time;
    uint64_t seq;
    uint32_t slot;  // in events_
    bool operator>(const Entry& other) const {
      return time != other.time ? time > other.time : seq > other.seq;
    }
  };
  int64_t now_ = 0;
  uint64_t seq_ = 0;
  std::priority_queue<Entry, std::vector<Entry>, std::greater<>> queue_;
  std::vector<Task> events_;   // by slot; empty when free
  std::vector<uint32_t> free_;  // slots to reuse
};

}  // namespace faultline::sim
