#include "harness/run/progress.h"

#include <fmt/format.h>
#include <unistd.h>

namespace faultline {

using std::chrono::duration;
using std::chrono::steady_clock;

Progress::Progress(const Recorder& recorder, double time_limit_s, Verbosity verbosity, FILE* out)
    : recorder_(recorder),
      time_limit_s_(time_limit_s),
      out_(out),
      tty_(isatty(fileno(out)) != 0),
      start_(steady_clock::now()) {
  if (verbosity != Verbosity::kQuiet) thread_ = std::thread([this] { loop(); });
}

Progress::~Progress() { stop(); }

void Progress::stop() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_one();
  if (thread_.joinable()) thread_.join();
}

std::string Progress::line(const RecorderCounts& c, double elapsed_s, double time_limit_s,
                           double ops_per_s) {
  std::string faults;
  for (const std::string& f : c.active_faults) faults += (faults.empty() ? "" : ",") + f;
  return fmt::format("{:.1f}/{:.0f} s  {:.0f} ops/s  ok {} fail {} info {}  faults: {}", elapsed_s,
                     time_limit_s, ops_per_s, c.ok, c.fail, c.info,
                     faults.empty() ? "none" : faults);
}

void Progress::loop() {
  // A terminal gets a fresh line 4 times a second; a log one every 10 s.
  const auto interval = tty_ ? std::chrono::milliseconds(250) : std::chrono::milliseconds(10000);
  int64_t last_completions = 0;
  steady_clock::time_point last = start_;
  std::unique_lock<std::mutex> lock(mutex_);
  while (!wake_.wait_for(lock, interval, [&] { return stopping_; })) {
    const RecorderCounts c = recorder_.counts();
    const steady_clock::time_point now = steady_clock::now();
    const int64_t completions = c.ok + c.fail + c.info;
    const double rate =
        (completions - last_completions) / std::max(1e-9, duration<double>(now - last).count());
    last_completions = completions;
    last = now;
    const std::string text = line(c, duration<double>(now - start_).count(), time_limit_s_, rate);
    if (tty_) {
      fmt::print(out_, "\r\033[K{}", text);
    } else {
      fmt::print(out_, "progress: {}\n", text);
    }
    std::fflush(out_);
  }
  if (tty_) fmt::print(out_, "\r\033[K");
}

}  // namespace faultline
