#include "nemesis/aimed_kill.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <cmath>

#include "harness/nodes/process.h"
#include "nemesis/node_commands.h"
#include "targets/resp/resp_client.h"

namespace faultline {

using std::chrono::milliseconds;
using std::chrono::steady_clock;

namespace {

// Short: the command doubles as the liveness probe of a watch.
constexpr milliseconds kArmTimeout{500};
// How long a running server that does not answer yet (just restarted) is
// given to take the disarming command.
constexpr int kDisarmAttempts = 10;

double round_to_ms(double seconds) { return std::round(seconds * 1000) / 1000; }

}  // namespace

std::vector<std::string> crash_point_command(const std::string& point, int percent) {
  return {"DEBUG", "CRASHPOINT", point, percent == 0 ? "off" : std::to_string(percent)};
}

Status set_crash_point(const NemesisContext& context, const std::string& node, int percent) {
  const NemesisOptions& o = context.options;
  for (const NodeEndpoint& e : o.client_endpoints) {
    if (e.name != node) continue;
    RespReply reply;
    if (Status st = resp_command(e.host, e.port, crash_point_command(o.crash_point, percent),
                                 kArmTimeout, &reply);
        !st.is_ok())
      return st;
    if (reply.kind != RespReply::Kind::kString || reply.text != "OK")
      return Status::io_error(
          fmt::format("{}: DEBUG CRASHPOINT {} answered '{}'", node, o.crash_point, reply.text));
    return Status::ok();
  }
  return Status::invalid_argument(fmt::format("no client endpoint for node {}", node));
}

Status disarm_crash_points(const NemesisContext& context, const std::vector<std::string>& nodes,
                           std::vector<std::string>* disarmed) {
  std::vector<char> did(nodes.size(), 0);
  Status st = run_parallel(nodes.size(), [&](size_t i) {
    Status s;
    for (int attempt = 0; attempt < kDisarmAttempts; ++attempt) {
      bool running = false;
      if (s = context.db.running(nodes[i], &running); !s.is_ok() || !running) return s;
      if (s = set_crash_point(context, nodes[i], 0); s.is_ok()) {
        did[i] = 1;
        return s;
      }
      std::this_thread::sleep_for(kAimedPollInterval);
    }
    return s;
  });
  disarmed->clear();
  for (size_t i = 0; i < nodes.size(); ++i)
    if (did[i]) disarmed->push_back(nodes[i]);
  return st;
}

AimedKill::AimedKill(const NemesisContext& context, std::vector<std::string> victims,
                     nlohmann::json* done, Status* status)
    : context_(context), victims_(std::move(victims)), armed_at_(steady_clock::now()) {
  (*done)["spec"] = "aimed";
  (*done)["point"] = context_.options.crash_point;
  (*done)["percent"] = context_.options.crash_percent;
  (*done)["armed"] = victims_;
  *status = on_each(victims_, [&](const std::string& node) {
    return set_crash_point(context_, node, context_.options.crash_percent);
  });
  // A node that could not be armed now (down already) is armed by its watch.
  for (const std::string& node : victims_) threads_.emplace_back([this, node] { watch(node); });
}

AimedKill::~AimedKill() { end(nullptr); }

double AimedKill::seconds_since_armed() const {
  return std::chrono::duration<double>(steady_clock::now() - armed_at_).count();
}

bool AimedKill::sleep_for(milliseconds d) {
  std::unique_lock<std::mutex> lock(mutex_);
  return !wakeup_.wait_for(lock, d, [this] { return ending_; });
}

void AimedKill::watch(const std::string& node) {
  const int percent = context_.options.crash_percent;
  while (sleep_for(kAimedPollInterval)) {
    if (set_crash_point(context_, node, percent).is_ok()) continue;  // up, and armed
    bool running = true;
    if (!context_.db.running(node, &running).is_ok() || running) continue;  // slow, or paused
    nlohmann::json crash = {{"node", node}, {"seen_down_s", round_to_ms(seconds_since_armed())}};
    if (Status st = context_.db.start(node); st.is_ok()) {
      crash["restarted_s"] = round_to_ms(seconds_since_armed());
      spdlog::info("kill:aimed: {} crashed at its {} crash point; restarted", node,
                   context_.options.crash_point);
    } else {
      crash["start_error"] = st.message();
      spdlog::warn("kill:aimed: {} crashed; restarting it: {}", node, st.message());
    }
    std::lock_guard<std::mutex> lock(mutex_);
    crashes_.push_back(std::move(crash));
  }
}

Status AimedKill::end(nlohmann::json* done) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    ending_ = true;
  }
  wakeup_.notify_all();
  for (std::thread& t : threads_) t.join();
  threads_.clear();
  if (done == nullptr) return Status::ok();
  (*done)["crashes"] = std::move(crashes_);
  crashes_ = nlohmann::json::array();
  std::vector<std::string> disarmed;
  Status st = disarm_crash_points(context_, victims_, &disarmed);
  (*done)["disarmed"] = disarmed;
  return st;
}

}  // namespace faultline
