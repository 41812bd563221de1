// SIGINT and SIGTERM, for commands that stop cleanly (`faultline run`,
// `faultline suite`): one thread waits for them and calls interrupt() on
// the command's runner, which then heals, tears down and ends with 130.
// The signals are blocked in every thread (set before any is created) so
// that no other thread is interrupted.
#pragma once

#include <pthread.h>
#include <signal.h>

#include <iostream>
#include <string>
#include <thread>

namespace faultline {

template <class Interruptible>
class SignalWatcher {
 public:
  SignalWatcher(Interruptible& target, std::string command) {
    sigemptyset(&set_);
    sigaddset(&set_, SIGINT);
    sigaddset(&set_, SIGTERM);
    sigaddset(&set_, SIGUSR1);  // our own wake-up at the end
    pthread_sigmask(SIG_BLOCK, &set_, &previous_);
    thread_ = std::thread([this, &target, command = std::move(command)] {
      for (;;) {
        int sig = 0;
        if (sigwait(&set_, &sig) != 0 || sig == SIGUSR1) return;
        std::cerr << "\n"
                  << command << ": " << (sig == SIGINT ? "interrupted" : "terminated")
                  << ": stopping, healing and tearing down (the history is kept)\n";
        target.interrupt();
      }
    });
  }
  ~SignalWatcher() {
    pthread_kill(thread_.native_handle(), SIGUSR1);
    thread_.join();
    pthread_sigmask(SIG_SETMASK, &previous_, nullptr);
  }
  SignalWatcher(const SignalWatcher&) = delete;
  SignalWatcher& operator=(const SignalWatcher&) = delete;

 private:
  sigset_t set_, previous_;
  std::thread thread_;
};

}  // namespace faultline
