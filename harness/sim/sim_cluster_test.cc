// SimCluster and SimNode with probe nodes: the server tickers (catch up,
// skip missed, wall clock) across a pause and clock offsets, the clock
// nemesis's strobe, latency faults on links (delay, order along a link,
// ramp, a cut held until the faults change, a heal that delivers at once),
// and how long an aimed kill keeps its node down.
#include "harness/sim/sim_cluster.h"

#include <gtest/gtest.h>

#include <vector>

namespace faultline::sim {
namespace {

constexpr int64_t kMs = 1'000'000;
constexpr int64_t kTick = 100 * kMs;

// Records its ticks and the messages it receives (virtual times).
class ProbeNode : public SimNode {
 public:
  ProbeNode(SimCluster& cluster, size_t index, Ticker ticker)
      : SimNode(cluster, index), ticker_(ticker) {}
  // Sends a message to node `to`; it records its arrival there with `tag`.
  // `aimed`: the message aimed kills strike after (SimNode::send).
  // A negative `tag` crashes the node it arrives at, or pauses it (kPauseTag).
  void ping(size_t to, int tag, bool aimed = false) {
    send(
        to,
        [tag](SimNode& n) {
          static_cast<ProbeNode&>(n).arrived.push_back({n_now(n), tag});
          if (tag == kPauseTag) {
            n.pause();
          } else if (tag < 0) {
            n.crash();
          }
        },
        aimed);
  }
  static constexpr int kPauseTag = -2;
  bool idle = false;  // quiescent(): its timer may sleep
  std::vector<int64_t> ticks;
  std::vector<int64_t> skipped;                  // a tick handed over by skip_ticks(), when
  std::vector<std::pair<int64_t, int>> arrived;  // (time, tag)

 protected:
  Status recover(common::Env*, const std::string&, uint64_t) override { return Status::ok(); }
  void forget() override {}
  void tick() override { ticks.push_back(now()); }
  void handle(std::vector<std::string>, kv::Session&, common::SendReply) override {}
  Status process_ready() override { return Status::ok(); }
  bool primary() const override { return false; }
  Ticker ticker() const override { return ticker_; }
  bool quiescent() const override { return idle; }
  void skip_ticks(uint64_t n) override { skipped.insert(skipped.end(), n, now()); }

 private:
  static int64_t n_now(const SimNode& n) { return static_cast<const ProbeNode&>(n).now(); }
  Ticker ticker_;
};

class SimClusterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    SimClusterOptions o;
    o.tick = kTick;
    o.duplicate = 0;
    const SimNode::Ticker tickers[] = {SimNode::Ticker::kCatchUp, SimNode::Ticker::kSkipMissed,
                                       SimNode::Ticker::kWallClock};
    o.make_node = [this, tickers](SimCluster& c, size_t i) {
      auto node = std::make_unique<ProbeNode>(c, i, tickers[i]);
      probes_.push_back(node.get());
      return node;
    };
    cluster_ = std::make_unique<SimCluster>(loop_, 1, o);
    ASSERT_TRUE(cluster_->start().is_ok());
  }
  void run_until(int64_t time) {
    while (loop_.next_time() <= time) loop_.run_next();
    loop_.advance_to(time);
  }
  static int count_in(const std::vector<int64_t>& times, int64_t from, int64_t to) {
    int n = 0;
    for (int64_t t : times) n += t >= from && t < to;
    return n;
  }

  EventLoop loop_;
  std::unique_ptr<SimCluster> cluster_;
  std::vector<ProbeNode*> probes_;
};

TEST_F(SimClusterTest, APausedServerCatchesUpOrSkipsMissedTicksAsItsTickerDoes) {
  run_until(1000 * kMs);
  for (size_t i = 0; i < 3; ++i) cluster_->pause(i);
  run_until(2000 * kMs);
  for (size_t i = 0; i < 3; ++i) cluster_->resume(i);
  // At the resume: the catching-up timer's ten missed ticks, the others' one.
  EXPECT_EQ(count_in(probes_[0]->ticks, 2000 * kMs, 2001 * kMs), 10);
  EXPECT_EQ(count_in(probes_[1]->ticks, 2000 * kMs, 2001 * kMs), 1);
  EXPECT_EQ(count_in(probes_[2]->ticks, 2000 * kMs, 2001 * kMs), 1);
  // Then every period: from its phase (unmoved) or from the resume.
  run_until(3000 * kMs);
  EXPECT_EQ(count_in(probes_[0]->ticks, 2001 * kMs, 3000 * kMs), 10);
  EXPECT_EQ(count_in(probes_[1]->ticks, 2001 * kMs, 3000 * kMs), 9);
  EXPECT_EQ(count_in(probes_[2]->ticks, 2001 * kMs, 3000 * kMs), 9);
}

// An idle node's timer sleeps; each input first gets the ticks due before
// it, and one that leaves the node busy wakes the timer on its old phase.
TEST_F(SimClusterTest, AnIdleNodesTimerSleepsAndItsInputsFindEveryTickCounted) {
  ProbeNode& n = *probes_[0];  // kCatchUp
  run_until(350 * kMs);
  const int64_t phase = n.ticks.at(0);
  // The ticks of a timer that never slept, before `time`.
  auto due = [phase](int64_t time) {
    return static_cast<size_t>((time - phase + kTick - 1) / kTick);
  };
  n.idle = true;
  run_until(1000 * kMs);
  EXPECT_EQ(n.ticks.size(), due(450 * kMs));  // the first tick to find it idle was the last
  EXPECT_TRUE(n.skipped.empty());
  probes_[1]->ping(0, 1);
  run_until(1100 * kMs);
  ASSERT_EQ(n.arrived.size(), 1u);
  const int64_t arrival = n.arrived[0].first;
  EXPECT_EQ(n.ticks.size() + n.skipped.size(), due(arrival));
  for (int64_t t : n.skipped) EXPECT_EQ(t, arrival);
  EXPECT_EQ(n.ticks.size(), due(450 * kMs));  // an input that leaves it idle: asleep still
  n.idle = false;
  probes_[1]->ping(0, 2);  // this one leaves it busy
  run_until(2000 * kMs);
  ASSERT_EQ(n.arrived.size(), 2u);
  EXPECT_EQ(n.ticks.size() + n.skipped.size(), due(2000 * kMs));
  EXPECT_GT(n.ticks.back(), n.arrived[1].first);
  for (int64_t t : n.ticks) EXPECT_EQ((t - phase) % kTick, 0) << t;  // on its phase
}

TEST_F(SimClusterTest, AWallClockSetBackStallsOnlyTheWallClockTicker) {
  run_until(1000 * kMs);
  for (size_t i = 0; i < 3; ++i) cluster_->set_wall_offset(i, -5000 * kMs);
  run_until(6000 * kMs);
  EXPECT_EQ(count_in(probes_[0]->ticks, 1000 * kMs, 6000 * kMs), 50);
  EXPECT_EQ(count_in(probes_[1]->ticks, 1000 * kMs, 6000 * kMs), 50);
  // Its pending tick (due within 100 ms) waits for the wall clock: 5 s more.
  EXPECT_EQ(count_in(probes_[2]->ticks, 1100 * kMs, 6000 * kMs), 0);
  run_until(7000 * kMs);
  EXPECT_EQ(count_in(probes_[2]->ticks, 6000 * kMs, 7000 * kMs), 10);
  // Set forward: it ticks when its pending wait ends, then every period.
  cluster_->set_wall_offset(2, 0);
  run_until(8000 * kMs);
  EXPECT_EQ(count_in(probes_[2]->ticks, 7000 * kMs, 8000 * kMs), 10);
  EXPECT_EQ(probes_[2]->wall_now(), 8000 * kMs);
}

TEST_F(SimClusterTest, StrobeAlternatesTheOffsetAndEndsAtZero) {
  EXPECT_EQ(cluster_->strobe_wall_clock(1, 10'000 * kMs, 500 * kMs, 5000 * kMs), 10);
  auto offset = [this] { return probes_[1]->wall_now() - loop_.now(); };
  EXPECT_EQ(offset(), 10'000 * kMs);
  run_until(750 * kMs);
  EXPECT_EQ(offset(), 0);
  run_until(1250 * kMs);
  EXPECT_EQ(offset(), 10'000 * kMs);
  run_until(5250 * kMs);
  EXPECT_EQ(offset(), 0);
  // A later change (stop-clock) ends the strobe.
  cluster_->strobe_wall_clock(1, 10'000 * kMs, 500 * kMs, 5000 * kMs);
  cluster_->set_wall_offset(1, 0);
  run_until(6250 * kMs);
  EXPECT_EQ(offset(), 0);
}

TEST_F(SimClusterTest, ALatencyFaultDelaysItsLinkInOrder) {
  LinkFault slow;
  slow.delay = std::chrono::milliseconds(500);
  slow.jitter = std::chrono::milliseconds(50);
  cluster_->set_link_faults({{{"n1", "n2"}, slow}});
  const int64_t sent = loop_.now();
  for (int tag = 0; tag < 20; ++tag) probes_[0]->ping(1, tag);
  probes_[1]->ping(0, 100);  // the other direction is not faulted
  run_until(sent + 1000 * kMs);
  ASSERT_EQ(probes_[1]->arrived.size(), 20u);
  for (size_t i = 0; i < 20; ++i) {
    EXPECT_EQ(probes_[1]->arrived[i].second, static_cast<int>(i));  // in order
    EXPECT_GE(probes_[1]->arrived[i].first - sent, 500 * kMs);
    EXPECT_LE(probes_[1]->arrived[i].first - sent, 552 * kMs);
  }
  ASSERT_EQ(probes_[0]->arrived.size(), 1u);
  EXPECT_LE(probes_[0]->arrived[0].first - sent, 2 * kMs);
}

TEST_F(SimClusterTest, ARampGrowsTheDelayAtHalfTheSpeedOfTime) {
  LinkFault ramp;
  ramp.delay = std::chrono::milliseconds(1000);
  ramp.ramp = true;
  cluster_->set_link_faults({{{"n1", "n2"}, ramp}});
  run_until(600 * kMs);
  probes_[0]->ping(1, 1);  // 300 ms of delay by now
  run_until(5000 * kMs);
  probes_[0]->ping(1, 2);  // the whole 1000 ms
  run_until(7000 * kMs);
  ASSERT_EQ(probes_[1]->arrived.size(), 2u);
  EXPECT_NEAR(probes_[1]->arrived[0].first, 900 * kMs, 2 * kMs);
  EXPECT_NEAR(probes_[1]->arrived[1].first, 6000 * kMs, 2 * kMs);
}

TEST_F(SimClusterTest, ACutHoldsUntilTheFaultsChangeAndAHealDeliversAtOnce) {
  LinkFault cut;
  cut.cut_after = std::chrono::milliseconds(100);
  LinkFault slow;
  slow.delay = std::chrono::milliseconds(3000);
  cluster_->set_link_faults({{{"n1", "n2"}, cut}, {{"n2", "n1"}, slow}});
  probes_[0]->ping(1, 1);  // before the cut: at once
  run_until(200 * kMs);
  probes_[0]->ping(1, 2);  // held
  probes_[1]->ping(0, 3);  // 3 s late
  run_until(2000 * kMs);
  ASSERT_EQ(probes_[1]->arrived.size(), 1u);
  EXPECT_TRUE(probes_[0]->arrived.empty());
  cluster_->set_link_faults({});  // stop-latency, heal
  run_until(2010 * kMs);
  ASSERT_EQ(probes_[1]->arrived.size(), 2u);
  EXPECT_EQ(probes_[1]->arrived[1].second, 2);
  ASSERT_EQ(probes_[0]->arrived.size(), 1u);
  EXPECT_EQ(probes_[0]->arrived[0].second, 3);
  run_until(5000 * kMs);
  EXPECT_EQ(probes_[0]->arrived.size(), 1u);  // delivered once
}

TEST_F(SimClusterTest, AnAimedKillRestartsItsNodeAfterTheAimedRestartTime) {
  for (int64_t restart : {int64_t{0}, 300 * kMs}) {
    cluster_->set_aimed_faults(1.0, 0, 0, restart);
    const int64_t at = loop_.now();
    probes_[0]->ping(1, 1, /*aimed=*/true);
    run_until(at + 1);
    if (restart == 0) {
      EXPECT_TRUE(cluster_->up(0));  // crashed and restarted at once
    } else {
      EXPECT_FALSE(cluster_->up(0));
      run_until(at + restart - 1);
      EXPECT_FALSE(cluster_->up(0));
      run_until(at + restart + 1);
      EXPECT_TRUE(cluster_->up(0));
    }
    EXPECT_EQ(cluster_->aimed_kills(), restart == 0 ? 1 : 2);
  }
}

// A paused node's held inputs run at its resume in order, but not past one
// that crashes it (its process is gone), and the ones after an input that
// pauses it again wait for the next resume, still first in line.
TEST_F(SimClusterTest, HeldInputsStopAtACrashAndWaitAgainAtAPause) {
  cluster_->pause(1);
  probes_[0]->ping(1, 1);
  probes_[0]->ping(1, ProbeNode::kPauseTag);
  probes_[0]->ping(1, 3);
  run_until(loop_.now() + 100 * kMs);
  EXPECT_TRUE(probes_[1]->arrived.empty());
  cluster_->resume(1);
  ASSERT_EQ(probes_[1]->arrived.size(), 2u);  // 1, then the pause: 3 waits
  probes_[0]->ping(1, 4);
  run_until(loop_.now() + 100 * kMs);
  cluster_->resume(1);
  ASSERT_EQ(probes_[1]->arrived.size(), 4u);
  EXPECT_EQ(probes_[1]->arrived[2].second, 3);
  EXPECT_EQ(probes_[1]->arrived[3].second, 4);

  probes_[1]->arrived.clear();
  cluster_->pause(1);
  probes_[0]->ping(1, 5);
  probes_[0]->ping(1, -1);  // crashes n2
  probes_[0]->ping(1, 7);
  run_until(loop_.now() + 100 * kMs);
  cluster_->resume(1);
  EXPECT_FALSE(cluster_->up(1));
  ASSERT_EQ(probes_[1]->arrived.size(), 2u);  // 5 and the crash; 7 died with it
  EXPECT_EQ(probes_[1]->arrived[1].second, -1);
}

}  // namespace
}  // namespace faultline::sim
