// The live status of a run: on a terminal one line redrawn in place
// ("12.0/60 s  1803 ops/s  ok 21000 fail 12 info 3  faults: partition"),
// otherwise a plain line every `log_interval`, so CI logs stay readable.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

#include "harness/run/recorder.h"

namespace faultline {

enum class Verbosity { kQuiet, kNormal, kVerbose };

class Progress {
 public:
  // Reads counts() of `recorder` from its own thread until stop().
  Progress(const Recorder& recorder, double time_limit_s, Verbosity verbosity, FILE* out);
  ~Progress();
  void stop();

  // The status text for the given counts (pure: tested on its own).
  static std::string line(const RecorderCounts& counts, double elapsed_s, double time_limit_s,
                          double ops_per_s);

 private:
  void loop();

  const Recorder& recorder_;
  double time_limit_s_;
  FILE* out_;
  bool tty_;
  std::chrono::steady_clock::time_point start_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace faultline
