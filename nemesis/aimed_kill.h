// kill:aimed — crashes timed within a round trip of one message, which kills
// from outside every few seconds never hit (docs/nemesis.md, "kill:aimed").
// The target's servers have a crash point (NemesisOptions::crash_point: raftkv
// `vote`, right after a granted vote left; paxos `promise`, after a promise),
// where an armed server kills itself with a given probability
// (targets/common/crash_points.h). AimedKill arms it on some nodes over RESP
// (DEBUG CRASHPOINT NAME PERCENT) and, on a thread per node, watches them:
// every `kAimedPollInterval` it re-sends the arming command, which doubles as
// the liveness probe; a node that does not answer and whose server no longer
// runs (Db::running) crashed, and is started again at once (Db::start) and
// re-armed, so the cluster keeps its quorum. Internal to nemesis/.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "base/status.h"
#include "nemesis/nemesis.h"

namespace faultline {

inline constexpr std::chrono::milliseconds kAimedPollInterval{200};

// The RESP command that arms (percent > 0) or disarms (0) `point`.
std::vector<std::string> crash_point_command(const std::string& point, int percent);

// Sends crash_point_command(options.crash_point, percent) to `node`'s client
// endpoint; an error if it does not answer +OK.
Status set_crash_point(const NemesisContext& context, const std::string& node, int percent);

// Disarms the crash point on every node of `nodes` whose server runs (a
// stopped one starts disarmed); `disarmed` gets those nodes, in order.
Status disarm_crash_points(const NemesisContext& context, const std::vector<std::string>& nodes,
                           std::vector<std::string>* disarmed);

class AimedKill {
 public:
  // Arms the crash point on `victims` (into done: spec "aimed", point,
  // percent, armed) and starts watching them. A node that cannot be armed
  // makes the error; the others are armed and watched regardless.
  AimedKill(const NemesisContext& context, std::vector<std::string> victims, nlohmann::json* done,
            Status* status);
  ~AimedKill();  // end()
  AimedKill(const AimedKill&) = delete;
  AimedKill& operator=(const AimedKill&) = delete;

  // Stops watching (joins the threads); with `done`, also disarms the
  // victims that run (done["disarmed"]) and lists every crash seen in
  // done["crashes"]: node, seen_down_s and restarted_s (seconds after the
  // arming), or start_error. Idempotent.
  Status end(nlohmann::json* done);

 private:
  void watch(const std::string& node);
  // Waits `d` or until end(); false once ending.
  bool sleep_for(std::chrono::milliseconds d);
  double seconds_since_armed() const;

  const NemesisContext& context_;
  std::vector<std::string> victims_;
  std::chrono::steady_clock::time_point armed_at_;
  std::mutex mutex_;
  std::condition_variable wakeup_;
  bool ending_ = false;
  nlohmann::json crashes_ = nlohmann::json::array();  // guarded by mutex_
  std::vector<std::thread> threads_;
};

}  // namespace faultline
