// The pure plans that the real latency and clock nemeses and the simulator
// share: which links a latency spec faults and how, when a chunk leaves a
// faulted link, and the offsets of a clock spec.
#include "nemesis/link_fault.h"

#include <gtest/gtest.h>

#include "nemesis/clock_plan.h"

namespace faultline {
namespace {

using std::chrono::milliseconds;
constexpr int64_t kMs = 1'000'000;

const std::vector<std::string> kNodes = {"n1", "n2", "n3"};

PrimariesFn leader(const std::string& name) {
  return [name](std::vector<std::string>* out) {
    *out = {name};
    return Status::ok();
  };
}

TEST(LinkFaultTest, OneWayLeaderRampsTheLinksToTheLeaderAndCutsThoseFromIt) {
  NemesisOptions o;
  o.latency = milliseconds(1050);
  std::mt19937_64 rng(1);
  std::map<Link, LinkFault> faults;
  nlohmann::json done;
  ASSERT_TRUE(
      plan_latency_fault("one-way-leader", kNodes, leader("n2"), o, rng, &faults, &done).is_ok());
  ASSERT_EQ(faults.size(), 4u);  // the leader's four links; n1<->n3 untouched
  for (const std::string other : {"n1", "n3"}) {
    const LinkFault& to = faults.at({other, "n2"});
    EXPECT_TRUE(to.ramp);
    EXPECT_EQ(to.delay, milliseconds(1050));
    EXPECT_FALSE(to.cut_after.has_value());
    const LinkFault& from = faults.at({"n2", other});
    EXPECT_EQ(from.cut_after, milliseconds(2100));
    EXPECT_EQ(from.delay, milliseconds(0));
  }
  EXPECT_EQ(done["nodes"], nlohmann::json({"n2"}));
  EXPECT_EQ(done["cut"], nlohmann::json({"n2->n1", "n2->n3"}));
  EXPECT_EQ(done["delay_ms"], 1050);
}

TEST(LinkFaultTest, OneWaySlowsOneDirectionOfOneLinkOnly) {
  NemesisOptions o;
  o.latency = milliseconds(1500);
  std::map<std::string, int> drawn;
  for (uint64_t seed = 1; seed <= 60; ++seed) {
    std::mt19937_64 rng(seed);
    std::map<Link, LinkFault> faults;
    nlohmann::json done;
    ASSERT_TRUE(
        plan_latency_fault("one-way", kNodes, leader("n1"), o, rng, &faults, &done).is_ok());
    ASSERT_EQ(faults.size(), 1u);
    const auto& [link, fault] = *faults.begin();
    EXPECT_NE(link.first, link.second);
    EXPECT_EQ(fault.delay, milliseconds(1500));
    EXPECT_FALSE(fault.ramp);
    EXPECT_EQ(done["links"], nlohmann::json({link.first + "->" + link.second}));
    EXPECT_EQ(done["nodes"], nlohmann::json({link.first, link.second}));  // from, to
    ++drawn[link.first + "->" + link.second];
  }
  EXPECT_EQ(drawn.size(), 6u);  // every direction of every pair, in 60 draws
}

TEST(LinkFaultTest, SpecsChooseTheirLinksAndUnknownOnesAreRefused) {
  NemesisOptions o;
  std::mt19937_64 rng(1);
  std::map<Link, LinkFault> faults;
  nlohmann::json done;
  ASSERT_TRUE(plan_latency_fault("delay", kNodes, leader("n1"), o, rng, &faults, &done).is_ok());
  EXPECT_EQ(faults.size(), 6u);
  ASSERT_TRUE(plan_latency_fault("reorder", kNodes, leader("n1"), o, rng, &faults, &done).is_ok());
  EXPECT_TRUE(faults.begin()->second.reorder);
  EXPECT_EQ(done["delay_ms"], nlohmann::json({0, 400}));
  auto none = [](std::vector<std::string>* out) {
    out->clear();
    return Status::ok();
  };
  EXPECT_EQ(plan_latency_fault("slow-leader", kNodes, none, o, rng, &faults, &done).code(),
            Status::Code::kInvalidArgument);
  const Status st = plan_latency_fault("sideways", kNodes, none, o, rng, &faults, &done);
  EXPECT_NE(st.message().find("unknown latency spec 'sideways'"), std::string::npos);
}

TEST(LinkFaultTest, ReleaseTimeAddsDelayJitterRampAndBandwidthAndHoldsACut) {
  std::mt19937_64 rng(7);
  auto draw = [&rng] { return rng(); };
  int64_t free = 0;
  LinkFault f;
  f.delay = milliseconds(200);
  f.jitter = milliseconds(20);
  for (int i = 0; i < 50; ++i) {
    const int64_t at = *link_release_ns(f, 1000 * kMs, 0, f.delay, 100, &free, draw);
    EXPECT_GE(at, 1200 * kMs);
    EXPECT_LE(at, 1220 * kMs);
  }
  f.jitter = milliseconds(0);
  f.ramp = true;  // half the time since the faults were set, up to the delay
  EXPECT_EQ(*link_release_ns(f, 1100 * kMs, 1000 * kMs, f.delay, 1, &free, draw), 1150 * kMs);
  EXPECT_EQ(*link_release_ns(f, 9000 * kMs, 1000 * kMs, f.delay, 1, &free, draw), 9200 * kMs);
  LinkFault bw;
  bw.bytes_per_s = 1000;  // 500 bytes: half a second each, one after the other
  EXPECT_EQ(*link_release_ns(bw, 0, 0, milliseconds(0), 500, &free, draw), 500 * kMs);
  EXPECT_EQ(*link_release_ns(bw, 0, 0, milliseconds(0), 500, &free, draw), 1000 * kMs);
  LinkFault cut;
  cut.cut_after = milliseconds(100);
  EXPECT_TRUE(link_release_ns(cut, 99 * kMs, 0, milliseconds(0), 1, &free, draw).has_value());
  EXPECT_FALSE(link_release_ns(cut, 100 * kMs, 0, milliseconds(0), 1, &free, draw).has_value());
  LinkFault reorder;
  reorder.delay = milliseconds(10);
  reorder.reorder = true;
  for (int i = 0; i < 50; ++i) EXPECT_LE(link_pipe_delay(reorder, draw).count(), 20'000);
}

TEST(ClockPlanTest, SpecsGiveOffsetsAsTheRealNemesisRecordsThem) {
  NemesisOptions o;
  o.skew_max_s = 3;
  o.bump_s = 5;
  std::mt19937_64 rng(3);
  std::mt19937_64 same(3);
  ClockPlan plan, again;
  nlohmann::json done, done_again;
  ASSERT_TRUE(plan_clock_fault("skew", kNodes, leader("n1"), o, rng, &plan, &done).is_ok());
  ASSERT_TRUE(plan_clock_fault("skew", kNodes, leader("n1"), o, same, &again, &done_again).is_ok());
  EXPECT_EQ(plan.offsets_s, again.offsets_s);  // a seed means the same offsets
  ASSERT_EQ(plan.offsets_s.size(), 3u);
  for (const auto& [node, offset] : plan.offsets_s) EXPECT_LE(std::abs(offset), 3) << node;
  EXPECT_EQ(done["offsets_s"], nlohmann::json(plan.offsets_s));
  ASSERT_TRUE(plan_clock_fault("bump-leader", kNodes, leader("n3"), o, rng, &plan, &done).is_ok());
  ASSERT_EQ(plan.offsets_s.size(), 1u);
  EXPECT_EQ(std::abs(plan.offsets_s.at("n3")), 5);
  ASSERT_TRUE(plan_clock_fault("strobe", kNodes, leader("n3"), o, rng, &plan, &done).is_ok());
  EXPECT_TRUE(plan.offsets_s.empty());
  EXPECT_EQ(done["node"], plan.strobe_node);
  EXPECT_EQ(done["period_ms"], 500);
  EXPECT_EQ(plan_clock_fault("wobble", kNodes, leader("n3"), o, rng, &plan, &done).code(),
            Status::Code::kInvalidArgument);
}

}  // namespace
}  // namespace faultline
