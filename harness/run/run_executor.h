// RunExecutor: the Executor of a test run. Client threads run the workload's
// client — one per process: when the scheduler retires a process (after an
// info) the thread gets a fresh client, so a new connection — and the
// nemesis thread runs the nemesis, plus the final-phase op "heal": undo every
// fault, then wait until the cluster serves again.
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "harness/db/db.h"
#include "harness/generator/interpreter.h"
#include "nemesis/nemesis.h"
#include "workloads/client.h"

namespace faultline {

// The op that ends the faults: {process nemesis, f "heal"}; its completion's
// value is {"recovered": bool, "ms": time to recover} and what
// Nemesis::heal did (restarted, resumed, disarmed, kill:aimed's crashes).
inline constexpr const char* kHealOp = "heal";

class RunExecutor : public Executor {
 public:
  // `nemesis` may be null (no faults); `db` too (heal then does not wait
  // for the cluster: benchmarks against a bare endpoint). Everything must
  // outlive the executor.
  RunExecutor(ClientFactory client_factory, ClientContext client_context, Nemesis* nemesis, Db* db,
              bool has_leader, std::chrono::milliseconds recovery_timeout, int concurrency);

  Op execute(int thread, const Op& invoke) override;

  // Whether a heal op ran and the cluster then failed to recover.
  bool recovery_failed() const { return recovery_failed_; }

 private:
  Op heal(const Op& invoke);

  struct ThreadClient {
    int64_t process = -1;
    std::unique_ptr<Client> client;
  };

  ClientFactory client_factory_;
  ClientContext client_context_;
  Nemesis* nemesis_;
  Db* db_;
  bool has_leader_;
  std::chrono::milliseconds recovery_timeout_;
  std::vector<ThreadClient> clients_;  // by client thread
  std::atomic<bool> recovery_failed_{false};
};

// Waits until every node of `db` serves and (if it has one) a leader is
// elected, at most `timeout`.
Status wait_for_cluster(Db& db, bool has_leader, std::chrono::milliseconds timeout);

}  // namespace faultline
