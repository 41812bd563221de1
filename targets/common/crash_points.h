// CrashPoints: named places in a server shell where the process ends
// abruptly (SIGKILL to itself: no flush, no destructors, no cleanup) with a
// probability armed at run time. They let a test crash a node within a round
// trip of one message — right after it sent a granted vote (raftkv) or a
// promise (paxos) — which kills from outside every few seconds never hit
// (docs/nemesis.md, "kill:aimed").
//
// Armed by the admin command DEBUG CRASHPOINT (debug_command), and only when
// the server was started with --allow-crashpoints: without it every DEBUG
// CRASHPOINT is refused, so no client can crash a production-like server.
// A new process starts disarmed; SIGUSR1 disarms every point (what `faultline
// cluster heal` sends). Single-threaded: everything runs on the server's one
// io_context.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "targets/common/asio.h"

namespace faultline::common {

class CrashPoints {
 public:
  // What ends the process at a point; by default raise(SIGKILL) after one
  // log line (tests pass their own).
  using Crash = std::function<void(std::string_view point)>;

  // `names`: the points this server has; `allowed`: --allow-crashpoints.
  CrashPoints(std::vector<std::string> names, bool allowed, uint64_t seed,
              Crash crash = crash_process);

  // The RESP reply to DEBUG (request[0] is "DEBUG", any case):
  //   DEBUG CRASHPOINT NAME PERCENT   arms NAME (PERCENT 0-100, 0 disarms): +OK
  //   DEBUG CRASHPOINT NAME OFF       disarms NAME: +OK
  //   DEBUG CRASHPOINT                every point as "name:percent" lines (bulk)
  // An error without --allow-crashpoints, for an unknown point, a bad
  // percent, or another DEBUG subcommand.
  std::string debug_command(const std::vector<std::string>& request);

  // The action to run once the message that passes `point` has been handed to
  // the kernel: the crash, when `point` is armed and its dice say so now;
  // else empty (nothing to do). Called once per pass.
  std::function<void()> after(std::string_view point);

  void disarm_all();
  // Disarms every point on SIGUSR1, for as long as `io` runs.
  void disarm_on_sigusr1(boost::asio::io_context& io);

  // The armed percent of `point` (0: disarmed or unknown).
  int percent(std::string_view point) const;

  // Logs "crash point NAME: crashing" and raises SIGKILL.
  static void crash_process(std::string_view point);

 private:
  std::vector<std::string> names_;
  bool allowed_;
  std::mt19937_64 rng_;
  Crash crash_;
  std::map<std::string, int, std::less<>> armed_;  // name -> percent, 1..100
  std::unique_ptr<boost::asio::signal_set> signals_;
};

}  // namespace faultline::common
