#include "targets/common/crash_points.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <csignal>

#include "targets/common/server_commands.h"
#include "targets/resp/resp_writer.h"

namespace faultline::common {

CrashPoints::CrashPoints(std::vector<std::string> names, bool allowed, uint64_t seed, Crash crash)
    : names_(std::move(names)), allowed_(allowed), rng_(seed), crash_(std::move(crash)) {}

std::string CrashPoints::debug_command(const std::vector<std::string>& request) {
  if (request.size() < 2 || upper(request[1]) != "CRASHPOINT")
    return error_reply(fmt::format("ERR unknown DEBUG subcommand '{}' (known: CRASHPOINT)",
                                   request.size() < 2 ? "" : request[1]));
  if (!allowed_)
    return error_reply("ERR crash points are disabled: start the server with --allow-crashpoints");
  std::string known;
  for (const std::string& n : names_) known += (known.empty() ? "" : ", ") + n;
  if (request.size() == 2) {
    std::string list;
    for (const std::string& n : names_) list += fmt::format("{}:{}\r\n", n, percent(n));
    std::string out;
    resp::append_bulk(&out, list);
    return out;
  }
  if (request.size() != 4) return error_reply("ERR expected DEBUG CRASHPOINT [NAME PERCENT|OFF]");
  const std::string& name = request[2];
  if (std::find(names_.begin(), names_.end(), name) == names_.end())
    return error_reply(fmt::format("ERR unknown crash point '{}' (known: {})", name, known));
  int value = 0;
  if (upper(request[3]) != "OFF") {
    size_t used = 0;
    try {
      value = std::stoi(request[3], &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (used == 0 || used != request[3].size() || value < 0 || value > 100)
      return error_reply(fmt::format(
          "ERR crash point {}: expected a percent 0-100 or OFF, got '{}'", name, request[3]));
  }
  // Logged on a change only: a nemesis re-sends the command as its probe.
  if (value != percent(name))
    spdlog::warn("crash point {}: {}", name,
                 value == 0 ? std::string("disarmed") : fmt::format("armed at {}%", value));
  if (value == 0) {
    armed_.erase(name);
  } else {
    armed_[name] = value;
  }
  std::string out;
  resp::append_simple_string(&out, "OK");
  return out;
}

std::function<void()> CrashPoints::after(std::string_view point) {
  const auto it = armed_.find(point);
  if (it == armed_.end()) return {};
  if (std::uniform_int_distribution<int>(1, 100)(rng_) > it->second) return {};
  return [crash = crash_, name = it->first] { crash(name); };
}

void CrashPoints::disarm_all() {
  if (!armed_.empty()) spdlog::warn("crash points: all disarmed");
  armed_.clear();
}

void CrashPoints::disarm_on_sigusr1(boost::asio::io_context& io) {
  signals_ = std::make_unique<boost::asio::signal_set>(io, SIGUSR1);
  // Re-armed after each signal: SIGUSR1 may come any number of times.
  struct Waiter {
    CrashPoints* self;
    void operator()(const boost::system::error_code& ec, int) const {
      if (ec) return;
      self->disarm_all();
      self->signals_->async_wait(*this);
    }
  };
  signals_->async_wait(Waiter{this});
}

int CrashPoints::percent(std::string_view point) const {
  const auto it = armed_.find(point);
  return it == armed_.end() ? 0 : it->second;
}

void CrashPoints::crash_process(std::string_view point) {
  // stderr is unbuffered: the line is written before the signal, and nothing
  // else is flushed or cleaned up.
  spdlog::critical("crash point {}: crashing (SIGKILL)", point);
  std::raise(SIGKILL);
}

}  // namespace faultline::common
