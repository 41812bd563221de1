// EventLoop: the one clock and event queue of a simulation. Events run in
// time order, and events at the same time in the order they were scheduled,
// so a simulation that draws every random choice from one seeded source runs
// the same way every time. Single-threaded; time is in ns of virtual time.
#pragma once

#include <cstdint>
#include <functional>
#include <queue>
#include <vector>

#include "harness/generator/generator.h"  // kNever

namespace faultline::sim {

class EventLoop {
 public:
  int64_t now() const { return now_; }
  // Runs `event` at `time` (not before now).
  void at(int64_t time, std::function<void()> event) {
    queue_.push(Entry{time < now_ ? now_ : time, seq_++, std::move(event)});
  }
  void after(int64_t delay, std::function<void()> event) { at(now_ + delay, std::move(event)); }
  // Time passes with nothing happening (the driver waited until `time`).
  void advance_to(int64_t time) { now_ = time > now_ ? time : now_; }
  int64_t next_time() const { return queue_.empty() ? kNever : queue_.top().time; }
  // Runs the earliest event.
  void run_next() {
    Entry e = std::move(const_cast<Entry&>(queue_.top()));  // popped next: moving is safe
    queue_.pop();
    now_ = e.time;
    e.event();
  }

 private:
  struct Entry {
    int64_t time;
    uint64_t seq;
    std::function<void()> event;
    bool operator>(const Entry& other) const {
      return time != other.time ? time > other.time : seq > other.seq;
    }
  };
  int64_t now_ = 0;
  uint64_t seq_ = 0;
  std::priority_queue<Entry, std::vector<Entry>, std::greater<>> queue_;
};

}  // namespace faultline::sim
