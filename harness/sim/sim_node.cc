#include "harness/sim/sim_node.h"

#include <algorithm>
#include <memory>

#include "harness/sim/sim_cluster.h"

namespace faultline::sim {

Status SimNode::prepare_disk() { return env_.create_dir(kDataDir); }

Status SimNode::boot() {
  SplitMix64 rng = cluster_.draws(SimCluster::Stream::kBoot, index_);
  const uint64_t seed = rng();
  const auto phase = static_cast<int64_t>(rng() % static_cast<uint64_t>(cluster_.options_.tick));
  if (Status s = recover(&env_, kDataDir, seed); !s.is_ok()) return s;
  up_ = true;
  const uint64_t incarnation = incarnation_;
  // A random phase, so that the nodes' timers do not tick in lockstep.
  cluster_.loop_.after(phase, [this, incarnation] { schedule_tick(incarnation); });
  return Status::ok();
}

void SimNode::crash() {
  if (!up_) return;
  stop_process();
  env_.crash_keeping_unsynced_prefix(cluster_.draws(SimCluster::Stream::kDisk, index_)());
}

common::FaultInjectionEnv::Loss SimNode::power_cut(std::optional<uint64_t> torn) {
  if (up_) stop_process();
  return torn ? env_.crash_keeping_unsynced_prefix(*torn) : env_.crash();
}

void SimNode::fail_disk(int64_t ns) {
  env_.fail_after(0);
  const uint64_t fault = ++disk_fault_;
  cluster_.loop_.after(ns, [this, fault] {
    if (fault == disk_fault_) env_.stop_failing();
  });
}

void SimNode::heal_disk() {
  ++disk_fault_;
  env_.stop_failing();
  slow_ns_ = 0;
}

int64_t SimNode::disk_busy() const {
  return slow_ns_ * static_cast<int64_t>(env_.mutation_count() - ready_mutations_);
}

void SimNode::after_disk_later(int64_t busy, Task output) {
  const uint64_t incarnation = incarnation_;
  cluster_.loop_.after(busy, [this, incarnation, output = std::move(output)]() mutable {
    if (up_ && incarnation == incarnation_) output();
  });
}

void SimNode::stop_process() {
  up_ = false;
  paused_ = false;
  dormant_ = false;
  ++incarnation_;
  backlog_.clear();
  ready_scheduled_ = false;
  stalling_ = false;
  forget();
  sessions_.clear();
  for (uint64_t id : requests_) cluster_.answer(id, SimReply{SimReply::Kind::kLost, ""});
  requests_.clear();
}

void SimNode::pause() {
  if (dormant_) wake();  // a stopped process's timer catches up (kCatchUp)
  paused_ = up_;
}

void SimNode::resume() {
  if (!paused_) return;
  paused_ = false;
  std::vector<Task> held;
  held.swap(backlog_);
  const uint64_t incarnation = incarnation_;
  for (size_t i = 0; i < held.size(); ++i) {
    // An input may crash the node (a failed sync exits the server: the rest
    // die with it) or pause it again (a slow disk: the rest wait, first in
    // line, for the next resume), as they would have on a running server.
    if (!up_ || incarnation != incarnation_) return;
    if (paused_) {
      backlog_.insert(backlog_.begin(), std::make_move_iterator(held.begin() + i),
                      std::make_move_iterator(held.end()));
      return;
    }
    held[i]();
  }
}

void SimNode::request(uint64_t id, int64_t connection, std::vector<std::string> command) {
  requests_.insert(id);
  input([this, id, connection, command = std::move(command)]() mutable {
    auto reply = [this, id](std::string text) {
      after_disk([this, id, text = std::move(text)] {
        if (requests_.erase(id) == 0) return;
        cluster_.answer(id, SimReply{SimReply::Kind::kReply, text});
      });
    };
    handle(std::move(command), sessions_[connection], reply);
  });
}

void SimNode::schedule_ready() {
  if (ready_scheduled_) return;
  ready_scheduled_ = true;
  const uint64_t incarnation = incarnation_;
  cluster_.loop_.after(0, [this, incarnation] {
    run(incarnation, [this, incarnation] {
      ready_scheduled_ = false;
      in_ready_ = true;
      ready_mutations_ = env_.mutation_count();
      const Status s = process_ready();
      in_ready_ = false;
      if (!s.is_ok()) {
        crash();  // as the server exits
      } else if (stalling_) {
        aimed_stall();
      } else if (const int64_t busy = disk_busy(); busy > 0) {
        pause();  // the server's thread waits for its disk
        cluster_.loop_.after(busy, [this, incarnation] {
          if (incarnation == incarnation_) resume();
        });
      }
    });
  });
}

void SimNode::send_parcel(size_t to, std::shared_ptr<const Parcel> parcel, bool aimed) {
  if (stalling_) return;
  after_disk([this, to, parcel = std::move(parcel)] { cluster_.transmit(index_, to, parcel); });
  if (aimed) aim(Aim::kKill);
}

void SimNode::aim(Aim aim) {
  const double probability = aim == Aim::kKill ? cluster_.aimed_kill_ : cluster_.aimed_stall_;
  if (probability <= 0 || stalling_ ||
      static_cast<double>(cluster_.draws(SimCluster::Stream::kAim, index_)() % 1'000'000) >=
          probability * 1e6)
    return;
  if (aim == Aim::kKill) {
    aimed_kill();
    return;
  }
  stalling_ = true;
  schedule_ready();  // the Ready that ends the stall
}

// After the Ready that sent the aimed message: the node is in the middle of it now.
void SimNode::aimed_kill() {
  const uint64_t incarnation = incarnation_;
  cluster_.loop_.after(0, [this, incarnation] {
    if (!up_ || incarnation != incarnation_) return;
    ++cluster_.aimed_kills_;
    crash();
    auto restart = [this] {
      if (Status s = cluster_.restart(index_); !s.is_ok() && cluster_.recovery_error_.empty())
        cluster_.recovery_error_ = s.message();
    };
    if (cluster_.aimed_restart_ns_ == 0) return restart();
    // Unless something else (stop-kill, heal) restarted it meanwhile.
    const uint64_t crashed = incarnation_;
    cluster_.loop_.after(cluster_.aimed_restart_ns_, [this, crashed, restart] {
      if (!up_ && incarnation_ == crashed) restart();
    });
  });
}

// At the end of the Ready whose messages were lost. A nemesis resume (or
// heal) may end the pause earlier.
void SimNode::aimed_stall() {
  stalling_ = false;
  ++cluster_.aimed_stalls_;
  pause();
  const uint64_t incarnation = incarnation_;
  cluster_.loop_.after(cluster_.aimed_stall_ns_, [this, incarnation] {
    if (incarnation == incarnation_) resume();
  });
}

int64_t SimNode::now() const { return cluster_.loop_.now(); }

void SimNode::schedule_tick(uint64_t incarnation) {
  if (incarnation != incarnation_) return;
  const int64_t period = cluster_.options_.tick;
  switch (ticker()) {
    case Ticker::kCatchUp:
      run(incarnation, [this] { tick(); });
      if (up_ && incarnation == incarnation_ && !paused_ && quiescent()) {
        dormant_ = true;  // until an input leaves it busy, or a pause
        dormant_next_ = now() + period;
        return;
      }
      cluster_.loop_.after(period, [this, incarnation] { schedule_tick(incarnation); });
      return;
    case Ticker::kSkipMissed:  // the next from when this one runs (after a pause: one)
      run(incarnation, [this, incarnation, period] {
        tick();
        cluster_.loop_.after(period, [this, incarnation] { schedule_tick(incarnation); });
      });
      return;
    case Ticker::kWallClock:
      run(incarnation, [this, incarnation, period] {
        tick();
        wait_wall(incarnation, wall_now() + period);
      });
      return;
  }
}

void SimNode::skip_missed_ticks() {
  const int64_t period = cluster_.options_.tick;
  if (now() <= dormant_next_) return;
  const int64_t missed = (now() - dormant_next_ + period - 1) / period;
  skip_ticks(static_cast<uint64_t>(missed));
  dormant_next_ += missed * period;
}

void SimNode::wake() {
  skip_missed_ticks();
  dormant_ = false;
  const uint64_t incarnation = incarnation_;
  cluster_.loop_.at(dormant_next_, [this, incarnation] { schedule_tick(incarnation); });
}

void SimNode::wait_wall(uint64_t incarnation, int64_t deadline) {
  cluster_.loop_.after(std::max<int64_t>(0, deadline - wall_now()), [this, incarnation, deadline] {
    if (incarnation != incarnation_) return;
    if (wall_now() < deadline) {  // set back meanwhile
      wait_wall(incarnation, deadline);
      return;
    }
    schedule_tick(incarnation);
  });
}

}  // namespace faultline::sim
