// NamedLock: a machine-wide mutex named by a string, held as a bound abstract
// Unix socket. It leaves no file behind, dies with its holders, and (its fd
// being close-on-exec) is also held by any child forked but not yet exec'd,
// so a lock taken after a holder died also waits out its half-started children.
#pragma once

#include <chrono>
#include <string>

namespace faultline {

class NamedLock {
 public:
  // Waits up to `timeout` for the lock; see held().
  NamedLock(const std::string& name, std::chrono::milliseconds timeout);
  ~NamedLock();
  NamedLock(const NamedLock&) = delete;
  NamedLock& operator=(const NamedLock&) = delete;

  bool held() const { return fd_ >= 0; }

 private:
  int fd_ = -1;
};

}  // namespace faultline
