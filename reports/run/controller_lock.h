// A test run's controller lock, <store dir>/controller.lock: `faultline run`
// holds an exclusive flock(2) on it for as long as it runs. The kernel drops
// the lock when the process ends, however it ends (SIGKILL, a crash, a
// reboot), so a run whose status still says "running" while nobody holds its
// lock has lost its controller: nothing will ever finish it.
#pragma once

#include <memory>
#include <string>

#include "base/status.h"

namespace faultline {

class ControllerLock {
 public:
  // Creates <dir>/controller.lock if needed and locks it; an error if another
  // process holds it.
  static Status acquire(const std::string& dir, std::unique_ptr<ControllerLock>* out);
  ~ControllerLock();
  ControllerLock(const ControllerLock&) = delete;
  ControllerLock& operator=(const ControllerLock&) = delete;

 private:
  explicit ControllerLock(int fd) : fd_(fd) {}
  int fd_;
};

// Whether the run in `dir` lost its controller: its lock file exists and no
// process holds it. False when there is no lock file (a run recorded before
// the lock existed, a directory that is not here): unknown is not lost.
bool controller_gone(const std::string& dir);

}  // namespace faultline
