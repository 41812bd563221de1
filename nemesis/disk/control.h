// faultline-diskfs's control language and fault state (pure). A command is
// one line on the control socket; the answer is one line of JSON.
//   lose-unsynced | torn SEED | slow MS | fail SECS | heal | status
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>

#include "base/status.h"

namespace faultline::diskfs {

struct ControlCommand {
  enum class Kind { kLoseUnsynced, kTorn, kSlow, kFail, kHeal, kStatus };
  Kind kind = Kind::kStatus;
  uint64_t arg = 0;  // torn: the seed; slow: ms; fail: seconds
};

// An unknown command, a missing, extra or non-numeric argument is
// invalid_argument saying what was expected.
Status parse_control(const std::string& line, ControlCommand* out);

// The slow and fail faults: what an operation that writes must do. Atomic,
// so that a signal handler may heal() it.
class FaultState {
 public:
  using Clock = std::chrono::steady_clock;
  void set_slow(std::chrono::milliseconds delay) { slow_ms_ = delay.count(); }
  void set_fail_until(Clock::time_point until) {
    fail_until_ns_ = until.time_since_epoch().count();
  }
  void heal() {
    slow_ms_ = 0;
    fail_until_ns_ = 0;
  }
  std::chrono::milliseconds delay() const { return std::chrono::milliseconds(slow_ms_.load()); }
  bool failing(Clock::time_point now) const {
    return now.time_since_epoch().count() < fail_until_ns_.load();
  }

 private:
  std::atomic<int64_t> slow_ms_{0};
  std::atomic<int64_t> fail_until_ns_{0};
};

// Client side: sends `line` to the socket at `path` and returns the answer.
Status send_control(const std::string& path, const std::string& line, std::string* reply);

// Whether `dir` is a mount point of this process's mount namespace (its line
// in /proc/self/mounts): how a client of a local diskfs waits for it.
bool mounted(const std::string& dir);

}  // namespace faultline::diskfs
