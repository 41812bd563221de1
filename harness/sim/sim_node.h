// SimNode: one simulated server of a SimCluster, whatever the target. This
// base is the process: its disk (common::FaultInjectionEnv, which survives
// crashes), its incarnations, its timer, its client connections, and the
// rules for what reaches it. Everything that reaches a node (messages,
// ticks, client requests, its own Ready processing) goes through input():
// dropped when the incarnation it was meant for crashed, held while the node
// is paused (SIGSTOP). Its timer is the server's (Ticker): a stopped
// server's timer catches up on its missed ticks when it resumes, or drops
// them; and a timer on the wall clock follows the node's own wall clock,
// which the clock nemesis offsets (SimCluster::set_wall_offset), as
// libfaketime offsets a real server's CLOCK_REALTIME and nothing else.
//
// A target (raftkv_sim_node.h, core_sim_node.h: paxos and dht) supplies the
// node itself: recover it from the disk, tick it, step a peer's message,
// hand it a client's RESP command, carry out its Ready, and say whether it
// considers itself primary, with the code its server runs.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "base/status.h"
#include "harness/sim/task.h"
#include "targets/common/fault_injection_env.h"
#include "targets/common/server_commands.h"
#include "targets/kvstate/kv_session.h"

namespace faultline::sim {

class SimCluster;
class SimNode;

// A message in flight between nodes: shared by every callback that carries
// it (the link's, a duplicate's, a paused receiver's backlog), never copied.
class Parcel {
 public:
  virtual ~Parcel() = default;
  // Runs on the receiving node.
  virtual void deliver(SimNode& to) const = 0;
};

class SimNode {
 public:
  SimNode(SimCluster& cluster, size_t index) : cluster_(cluster), index_(index) {}
  virtual ~SimNode() = default;
  SimNode(const SimNode&) = delete;
  SimNode& operator=(const SimNode&) = delete;

  // The server's data directory on its disk.
  static constexpr const char* kDataDir = "/data";

  // Creates the data directory on the empty disk.
  Status prepare_disk();
  // Brings the node up from its disk (recover()), its timer at a random phase.
  Status boot();
  // Loses the node's memory and its unsynced writes (keeping a random prefix
  // of them: a torn write); its clients' unanswered requests are lost.
  void crash();
  // A power cut (disk faults lose-unsynced and torn): the process dies if it
  // runs (as crash()), and the disk loses every unsynced write, or with
  // `torn` keeps a prefix of them drawn from it. Says what was lost.
  common::FaultInjectionEnv::Loss power_cut(std::optional<uint64_t> torn);
  // Disk faults slow and fail. Slow: each mutating disk operation (write,
  // sync, create, rename...) takes `ns` — a Ready's messages and replies
  // leave only after the operations before them, and the node does nothing
  // else until its Ready's operations are done (paused meanwhile, its missed
  // ticks caught up after). Fail: every mutating operation fails for `ns`
  // (a crash ends it: the restarted process gets a working disk). heal_disk()
  // ends both.
  void slow_disk(int64_t ns) { slow_ns_ = ns; }
  void fail_disk(int64_t ns);
  void heal_disk();
  // The disk itself (what corrupt damages while the node is down).
  common::FaultInjectionEnv& disk() { return env_; }
  void pause();
  void resume();
  bool up() const { return up_; }
  bool paused() const { return paused_; }
  // Runs and considers itself the primary (raftkv's leader).
  bool leads() const { return up_ && !paused_ && primary(); }
  uint64_t incarnation() const { return incarnation_; }
  // The node's wall clock is the virtual clock plus this offset (ns; the
  // machine's, so it survives crashes).
  void set_wall_offset(int64_t offset) { wall_offset_ = offset; }
  int64_t wall_now() const { return now() + wall_offset_; }

  // How the server's timer ticks (every tick period of the cluster).
  enum class Ticker {
    // On the steady clock from its last expiry: missed ticks (a stopped
    // process) come one after another when it resumes.
    kCatchUp,
    // On the steady clock, one period from each tick: a stopped process
    // resumes with one tick (Go's time.Ticker; asio's expires_after).
    kSkipMissed,
    // As kSkipMissed, but on the wall clock: a clock set back stalls it for
    // as long, one set forward fires it early (asio's system_timer, which
    // waits again while the clock is short of the expiry).
    kWallClock,
  };

  // Client request `id` (command `command` on connection `connection`): its
  // reply goes back through the cluster.
  void request(uint64_t id, int64_t connection, std::vector<std::string> command);
  // A peer's message arrives (SimCluster::transmit).
  void receive(std::shared_ptr<const Parcel> parcel) {
    input([this, parcel = std::move(parcel)] { parcel->deliver(*this); });
  }

 protected:
  // The target's node. recover() builds it from `dir` on `env` (what its
  // earlier incarnations synced; an error is a node that cannot restart),
  // `seed` drawing its randomness; forget() drops it (a crash).
  virtual Status recover(common::Env* env, const std::string& dir, uint64_t seed) = 0;
  virtual void forget() = 0;
  virtual void tick() = 0;
  // A client's command; `session` is its connection's MULTI/EXEC state.
  virtual void handle(std::vector<std::string> command, kv::Session& session,
                      common::SendReply reply) = 0;
  // Carries out the node's Ready; an error stops the process (a crash), as
  // it stops the server.
  virtual Status process_ready() = 0;
  virtual bool primary() const = 0;
  // How the server's timer ticks (Ticker).
  virtual Ticker ticker() const { return Ticker::kCatchUp; }
  // A tick now would only count time (the cores' quiescent()): a kCatchUp
  // timer then sleeps until the node's next input, which first hands over
  // the ticks left out with skip_ticks(n). An idle node costs no events,
  // and does what n ticks would have done. Default: never quiescent.
  virtual bool quiescent() const { return false; }
  virtual void skip_ticks(uint64_t) {}

  // For the target: process_ready() soon, once for the inputs queued now.
  void schedule_ready();
  // Sends a message to node `to`: `step` runs on that node when (if) it
  // arrives. `aimed`: it is the target's aimed message, aim(Aim::kKill).
  template <typename Step>
  void send(size_t to, Step step, bool aimed) {
    struct Held final : Parcel {
      explicit Held(Step s) : step(std::move(s)) {}
      void deliver(SimNode& node) const override { step(node); }
      Step step;
    };
    send_parcel(to, std::make_shared<const Held>(std::move(step)), aimed);
  }
  // Aimed faults: the target names a moment at which a fault does the most
  // harm, and the fault follows with its kind's probability
  // (SimCluster::set_aimed_faults; none while the probability is 0).
  enum class Aim {
    // It crashes once the Ready in progress is done (what that Ready sent
    // leaves first) and restarts from its disk at once: what it said but did
    // not sync is forgotten (a vote, a promise).
    kKill,
    // What it sends from now to the end of its next Ready is lost, and then
    // it stops (SIGSTOP) for the stall time: the others go on without it,
    // having heard nothing of that Ready (a new entry, a new commit index),
    // while it keeps its memory and its clients wait.
    kStall,
  };
  void aim(Aim aim);
  // Runs `input` on this node now, later (paused) or never (crashed).
  template <typename F>
  void input(F&& input) {
    run(incarnation_, std::forward<F>(input));
  }
  // The virtual clock, ns.
  int64_t now() const;
  size_t index() const { return index_; }
  SimCluster& cluster() { return cluster_; }

 private:
  // Templates, so that what runs at once (most inputs and outputs) is never
  // made a std::function (an allocation each, for a message several).
  template <typename F>
  void run(uint64_t incarnation, F&& input) {
    if (!up_ || incarnation != incarnation_) return;
    if (paused_) {
      backlog_.emplace_back(std::forward<F>(input));
      return;
    }
    if (dormant_) skip_missed_ticks();
    input();
    // Its timer sleeps on while the input left it idle (an acceptor's reply).
    if (dormant_ && up_ && incarnation == incarnation_ && !quiescent()) wake();
  }
  void schedule_tick(uint64_t incarnation);
  // While the timer sleeps (quiescent()): hands over the ticks due before
  // now (skip_ticks()). wake() ends the sleep: those, then the next tick
  // scheduled at its time.
  void skip_missed_ticks();
  void wake();
  // Ticks once the wall clock reaches `deadline` (kWallClock).
  void wait_wall(uint64_t incarnation, int64_t deadline);
  void send_parcel(size_t to, std::shared_ptr<const Parcel> parcel, bool aimed);
  void aimed_kill();
  void aimed_stall();
  // The process dies: memory, held inputs and unanswered requests go.
  void stop_process();
  // What the Ready in progress has spent on a slow disk so far, ns.
  int64_t disk_busy() const;
  // Runs `output` (a message, a reply) once the Ready's disk operations so
  // far are done: now on a healthy disk; never if the process dies first.
  template <typename F>
  void after_disk(F&& output) {
    const int64_t busy = in_ready_ ? disk_busy() : 0;
    if (busy == 0) {
      output();
      return;
    }
    after_disk_later(busy, Task(std::forward<F>(output)));
  }
  void after_disk_later(int64_t busy, Task output);

  SimCluster& cluster_;
  size_t index_;
  common::FaultInjectionEnv env_;  // the disk: survives crashes
  bool up_ = false;
  bool paused_ = false;
  uint64_t incarnation_ = 0;
  int64_t wall_offset_ = 0;
  bool ready_scheduled_ = false;
  bool dormant_ = false;      // its timer sleeps (quiescent())
  int64_t dormant_next_ = 0;  // when it would have ticked next
  bool stalling_ = false;     // aim(kStall): its sends are lost until its next Ready ends
  std::vector<Task> backlog_;  // inputs held while paused
  std::map<int64_t, kv::Session> sessions_;     // by client connection
  std::set<uint64_t> requests_;                 // client requests unanswered here
  int64_t slow_ns_ = 0;                         // slow_disk()
  uint64_t disk_fault_ = 0;                     // fail_disk()'s: a later fault or heal ends it
  bool in_ready_ = false;
  uint64_t ready_mutations_ = 0;  // the disk's mutation count when the Ready began
};

}  // namespace faultline::sim
