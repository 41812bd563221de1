// Pure tests of the nemesis: grudges, victims and spec errors, make_nemesis's
// kind list, and the schedule on virtual time. No nodes are touched.
#include "nemesis/nemesis.h"

#include <gtest/gtest.h>

#include <map>
#include <set>

#include "harness/db/raftkv_db.h"
#include "harness/generator/simulate.h"
#include "nemesis/grudge.h"
#include "nemesis/node_commands.h"
#include "nemesis/schedule.h"

namespace faultline {
namespace {

std::vector<std::string> names(int n) {
  std::vector<std::string> out;
  for (int i = 1; i <= n; ++i) out.push_back("n" + std::to_string(i));
  return out;
}

// The nodes `a` can talk to, itself included.
std::set<std::string> sees(const Grudge& g, const std::vector<std::string>& nodes,
                           const std::string& a) {
  std::set<std::string> out;
  for (const std::string& b : nodes)
    if (can_talk(g, a, b)) out.insert(b);
  return out;
}

void expect_symmetric(const Grudge& g) {
  for (const auto& [a, cut] : g)
    for (const std::string& b : cut) EXPECT_TRUE(g.count(b) && g.at(b).count(a)) << a << "-" << b;
}

TEST(GrudgeTest, HalvesCutsTheFirstHalfFromTheRest) {
  std::mt19937_64 rng(1);
  Grudge g;
  ASSERT_TRUE(partition_grudge("halves", names(5), {}, rng, &g).is_ok());
  const std::vector<std::string> n = names(5);
  EXPECT_EQ(sees(g, n, "n1"), (std::set<std::string>{"n1", "n2"}));
  EXPECT_EQ(sees(g, n, "n3"), (std::set<std::string>{"n3", "n4", "n5"}));
  expect_symmetric(g);
}

TEST(GrudgeTest, IsolateOneAndIsolateLeaderCutOneNodeFromAll) {
  for (uint64_t seed = 0; seed < 20; ++seed) {
    std::mt19937_64 rng(seed);
    Grudge g;
    std::vector<std::string> isolated;
    ASSERT_TRUE(partition_grudge("isolate-one", names(4), {}, rng, &g, &isolated).is_ok());
    ASSERT_EQ(isolated.size(), 1u) << "seed " << seed;
    EXPECT_EQ(sees(g, names(4), isolated[0]), std::set<std::string>{isolated[0]})
        << "seed " << seed;
    EXPECT_EQ(g.size(), 4u) << "seed " << seed;  // everyone drops the isolated node
    expect_symmetric(g);
  }
  std::mt19937_64 rng(0);
  Grudge g;
  std::vector<std::string> isolated;
  ASSERT_TRUE(partition_grudge("isolate-leader", names(3), {"n2"}, rng, &g, &isolated).is_ok());
  EXPECT_EQ(isolated, std::vector<std::string>{"n2"});
  EXPECT_EQ(sees(g, names(3), "n1"), (std::set<std::string>{"n1", "n3"}));
  Status st = partition_grudge("isolate-leader", names(3), {}, rng, &g);
  EXPECT_EQ(st.code(), Status::Code::kInvalidArgument);
  EXPECT_NE(st.message().find("no node considers itself leader"), std::string::npos);
}

TEST(GrudgeTest, MajoritiesRingGivesEveryNodeADifferentMajority) {
  for (int n = 3; n <= 9; ++n) {
    const std::vector<std::string> nodes = names(n);
    for (uint64_t seed = 0; seed < 10; ++seed) {
      std::mt19937_64 rng(seed);
      Grudge g;
      ASSERT_TRUE(partition_grudge("majorities-ring", nodes, {}, rng, &g).is_ok());
      expect_symmetric(g);
      std::set<std::set<std::string>> views;
      for (const std::string& a : nodes) {
        const std::set<std::string> v = sees(g, nodes, a);
        EXPECT_GE(v.size(), static_cast<size_t>(n / 2 + 1)) << "n=" << n << " seed " << seed;
        views.insert(v);
      }
      // Three nodes all see each other (nothing to cut); beyond, all views differ.
      EXPECT_EQ(views.size(), n == 3 ? 1u : static_cast<size_t>(n)) << "n=" << n;
      if (n >= 4) {
        EXPECT_LT(sees(g, nodes, nodes[0]).size(), static_cast<size_t>(n));
      }
    }
  }
}

TEST(GrudgeTest, BridgeNodeTalksToBothHalvesThatCannotTalk) {
  const Grudge g = bridge_grudge(names(5));  // n1 n2 | n3 | n4 n5
  const std::vector<std::string> n = names(5);
  EXPECT_EQ(sees(g, n, "n3").size(), 5u);
  EXPECT_EQ(sees(g, n, "n1"), (std::set<std::string>{"n1", "n2", "n3"}));
  EXPECT_EQ(sees(g, n, "n5"), (std::set<std::string>{"n3", "n4", "n5"}));
  expect_symmetric(g);
}

TEST(GrudgeTest, RandomSpecsDependOnlyOnTheSeed) {
  for (const std::string spec : {"random-halves", "bridge", "majorities-ring", "isolate-one"}) {
    std::set<Grudge> seen;
    for (uint64_t seed = 0; seed < 30; ++seed) {
      std::mt19937_64 a(seed), b(seed);
      Grudge ga, gb;
      ASSERT_TRUE(partition_grudge(spec, names(5), {}, a, &ga).is_ok());
      ASSERT_TRUE(partition_grudge(spec, names(5), {}, b, &gb).is_ok());
      EXPECT_EQ(ga, gb) << spec << " seed " << seed;
      seen.insert(ga);
    }
    EXPECT_GT(seen.size(), 1u) << spec << ": the seed should change the partition";
  }
}

TEST(GrudgeTest, BadSpecsAndTooFewNodesAreRefused) {
  std::mt19937_64 rng(0);
  Grudge g;
  Status st = partition_grudge("thirds", names(3), {}, rng, &g);
  EXPECT_EQ(st.code(), Status::Code::kInvalidArgument);
  EXPECT_NE(st.message().find("known: isolate-one, halves"), std::string::npos) << st.message();
  st = partition_grudge("bridge", names(2), {}, rng, &g);
  EXPECT_EQ(st.code(), Status::Code::kInvalidArgument);
  EXPECT_NE(st.message().find("at least 3 nodes"), std::string::npos) << st.message();
  EXPECT_FALSE(partition_grudge("halves", names(1), {}, rng, &g).is_ok());
}

// A context whose nodes are never contacted: the pool never connects.
struct OfflineContext {
  SshPool pool{SshOptions{}};
  RaftkvDb db{pool, {}, RaftkvOptions{}};
  NemesisContext context{pool, db, {{"n1", "10.0.0.1"}, {"n2", "10.0.0.2"}}, 7, {}};
};

// The specs 40 invokes of `f` with a null spec drew, on an offline nemesis
// of `plans` (its pool fails every command, after the fault chose its spec).
std::set<std::string> drawn_by(const std::vector<std::string>& plans, const std::string& f) {
  OfflineContext offline;
  std::unique_ptr<Nemesis> nemesis;
  EXPECT_TRUE(make_nemesis(plans, offline.context, &nemesis).is_ok());
  Op invoke;
  invoke.process = kNemesisProcess;
  invoke.f = f;
  std::set<std::string> seen;
  for (int i = 0; i < 40; ++i) seen.insert(nemesis->invoke(invoke).value.value("spec", ""));
  return seen;
}

TEST(MakeNemesisTest, UnknownKindListsTheKnownOnes) {
  OfflineContext offline;
  std::unique_ptr<Nemesis> nemesis;
  Status st = make_nemesis({"partition", "meteor"}, offline.context, &nemesis);
  EXPECT_EQ(st.code(), Status::Code::kInvalidArgument);
  EXPECT_NE(st.message().find("unknown nemesis 'meteor' (known: partition, loss, kill, "
                              "pause, clock, corrupt, disk, latency, all)"),
            std::string::npos)
      << st.message();
  EXPECT_FALSE(make_nemesis({}, offline.context, &nemesis).is_ok());
  // The clock kind needs servers running under libfaketime.
  st = make_nemesis({"all"}, offline.context, &nemesis);
  EXPECT_NE(st.message().find("libfaketime"), std::string::npos) << st.message();
  offline.context.options.faketime_file = "/root/raftkv/faketime.rc";
  // The disk kind needs the data directories mounted through diskfs.
  st = make_nemesis({"all"}, offline.context, &nemesis);
  EXPECT_NE(st.message().find("faultline-diskfs"), std::string::npos) << st.message();
  offline.context.options.diskfs_ctl = "/root/raftkv/faultline-diskfs ctl /root/raftkv/diskfs.sock";
  EXPECT_TRUE(make_nemesis({"all"}, offline.context, &nemesis).is_ok());
  // Latency needs nodes in network namespaces the controller can enter.
  st = make_nemesis({"latency"}, offline.context, &nemesis);
  EXPECT_EQ(st.code(), Status::Code::kInvalidArgument);
  EXPECT_NE(st.message().find("needs a local cluster"), std::string::npos) << st.message();
}

TEST(FaultPlanTest, ParsesKindsSpecsAndAll) {
  std::vector<FaultPlan> plans;
  ASSERT_TRUE(
      parse_fault_plans({"partition:isolate-leader+halves", "kill", "partition"}, &plans).is_ok());
  ASSERT_EQ(plans.size(), 2u);  // a kind named twice keeps its first item
  EXPECT_EQ(plans[0].kind, "partition");
  EXPECT_EQ(plans[0].specs, (std::vector<std::string>{"isolate-leader", "halves"}));
  EXPECT_EQ(plans[1].kind, "kill");
  EXPECT_TRUE(plans[1].specs.empty());
  ASSERT_TRUE(parse_fault_plans({"clock:strobe", "all"}, &plans).is_ok());
  ASSERT_EQ(plans.size(), nemesis_kinds().size() - 1);  // all but latency
  EXPECT_EQ(nemesis_kinds().back(), "latency");
  EXPECT_EQ(plans[0].kind, "clock");
  EXPECT_EQ(plans[0].specs, std::vector<std::string>{"strobe"});
  EXPECT_EQ(fault_specs("pause"), (std::vector<std::string>{"one", "leader", "minority"}));
  EXPECT_TRUE(fault_specs("meteor").empty());
}

// kill:aimed needs servers with crash points, so it is taken only when
// named: neither a plain kill nor all draws it.
TEST(FaultPlanTest, AimedKillIsTakenOnlyWhenNamed) {
  std::vector<FaultPlan> plans;
  ASSERT_TRUE(parse_fault_plans({"kill:aimed+leader", "partition"}, &plans).is_ok());
  EXPECT_EQ(plans[0].specs, (std::vector<std::string>{"aimed", "leader"}));
  EXPECT_EQ(fault_specs("kill"),
            (std::vector<std::string>{"one", "minority", "majority", "leader", "all", "aimed"}));
  EXPECT_EQ(drawn_specs("kill"),
            (std::vector<std::string>{"one", "minority", "majority", "leader", "all"}));
  EXPECT_EQ(drawn_specs("pause"), fault_specs("pause"));
  EXPECT_EQ(drawn_by({"kill"}, "start-kill").count("aimed"), 0u);
}

TEST(MakeNemesisTest, AimedKillNeedsServersWithCrashPoints) {
  OfflineContext offline;
  std::unique_ptr<Nemesis> nemesis;
  const Status st = make_nemesis({"kill:aimed"}, offline.context, &nemesis);
  EXPECT_EQ(st.code(), Status::Code::kInvalidArgument);
  EXPECT_NE(st.message().find("kill:aimed needs servers with a crash point"), std::string::npos)
      << st.message();
  EXPECT_NE(st.message().find("crashpoints=true"), std::string::npos) << st.message();
  offline.context.options.crash_point = "vote";
  EXPECT_TRUE(make_nemesis({"kill:aimed"}, offline.context, &nemesis).is_ok());
}

TEST(NemesisOptionsTest, SetsKnownKeysAndRefusesTheRest) {
  NemesisOptions o;
  ASSERT_TRUE(apply_nemesis_options({{"bump-s", "5"}, {"strobe-period-ms", "2000"}}, &o).is_ok());
  EXPECT_EQ(o.bump_s, 5);
  EXPECT_EQ(o.strobe_period, std::chrono::milliseconds(2000));
  ASSERT_TRUE(apply_nemesis_options({{"crash-percent", "100"}, {"crash-nodes", "3"}}, &o).is_ok());
  EXPECT_EQ(o.crash_percent, 100);
  EXPECT_EQ(o.crash_nodes, 3);
  for (const auto& [key, value, expected] :
       {std::tuple<std::string, std::string, std::string>{
            "bump", "5", "unknown nemesis option 'bump' (known: loss-percent, skew-max-s"},
        {"bump-s", "0", "bump-s: expected an integer in [1, 86400], got '0'"},
        {"flip-bits", "4x", "got '4x'"},
        {"loss-percent", "", "got ''"},
        {"loss-percent", "101", "[1, 100]"},
        {"crash-percent", "0", "crash-percent: expected an integer in [1, 100], got '0'"}}) {
    const Status st = apply_nemesis_options({{key, value}}, &o);
    EXPECT_EQ(st.code(), Status::Code::kInvalidArgument) << key << "=" << value;
    EXPECT_NE(st.message().find(expected), std::string::npos) << st.message();
  }
}

TEST(FaultPlanTest, RefusesUnknownKindsAndSpecs) {
  std::vector<FaultPlan> plans;
  for (const auto& [item, expected] :
       {std::pair<std::string, std::string>{
            "kill:leader+everyone",
            "unknown kill spec 'everyone' in 'kill:leader+everyone' "
            "(known: one, minority, majority, leader, all, aimed)"},
        {"kill:", "unknown kill spec ''"},
        {"pause:leader+", "unknown pause spec ''"},
        {"all:one", "unknown nemesis 'all'"},
        {"", "unknown nemesis ''"},
        {"flood:one", "unknown nemesis 'flood' (known: partition, loss"}}) {
    const Status st = parse_fault_plans({"partition", item}, &plans);
    EXPECT_EQ(st.code(), Status::Code::kInvalidArgument) << item;
    EXPECT_NE(st.message().find(expected), std::string::npos) << item << ": " << st.message();
  }
}

// A null spec is drawn from the plan's specs only.
TEST(MakeNemesisTest, NullSpecsComeFromThePlan) {
  EXPECT_EQ(drawn_by({"partition:halves+isolate-one"}, "start-partition"),
            (std::set<std::string>{"halves", "isolate-one"}));
}

TEST(MakeNemesisTest, BadOpsCompleteAsInfoWithAnError) {
  OfflineContext offline;
  std::unique_ptr<Nemesis> nemesis;
  ASSERT_TRUE(make_nemesis({"partition", "kill"}, offline.context, &nemesis).is_ok());
  Op invoke;
  invoke.process = kNemesisProcess;
  for (const auto& [f, value, expected] :
       {std::tuple<std::string, nlohmann::json, std::string>{"start-loss", nullptr,
                                                             "unknown f 'start-loss'"},
        {"partition", nullptr, "expected start-X or stop-X"},
        {"start-partition", "thirds", "unknown partition spec 'thirds'"},
        {"start-partition", 3, "takes a spec string, null, or {\"spec\": ..., \"grudge\""},
        {"start-kill", nlohmann::json{{"spec", "one"}}, "takes a spec string, null, or"},
        {"start-kill", nlohmann::json{{"spec", "one"}, {"killed", {"n9"}}},
         "'n9' is not a node of this cluster"},
        {"start-kill", "most", "unknown victim spec 'most'"}}) {
    invoke.f = f;
    invoke.value = value;
    const Op done = nemesis->invoke(invoke);
    EXPECT_EQ(done.type, EventType::kInfo) << f;
    EXPECT_EQ(done.process, kNemesisProcess);
    EXPECT_EQ(done.f, f);
    EXPECT_NE(done.error.find(expected), std::string::npos) << f << ": " << done.error;
  }
}

// A start whose value carries an earlier start's choice makes that choice
// again (the offline pool fails the command after the fault chose).
TEST(MakeNemesisTest, RecordedChoicesAreMadeAgain) {
  OfflineContext offline;
  std::unique_ptr<Nemesis> nemesis;
  ASSERT_TRUE(make_nemesis({"partition", "kill", "loss"}, offline.context, &nemesis).is_ok());
  Op invoke;
  invoke.process = kNemesisProcess;
  for (const auto& [f, value, field] :
       {std::tuple<std::string, nlohmann::json, std::string>{
            "start-kill", {{"spec", "minority"}, {"killed", {"n2"}}}, "killed"},
        {"start-loss", {{"spec", "one"}, {"nodes", {"n1"}}}, "nodes"},
        {"start-partition",
         {{"spec", "halves"}, {"grudge", {{"n1", {"n2"}}, {"n2", {"n1"}}}}},
         "grudge"}}) {
    invoke.f = f;
    invoke.value = value;
    const Op done = nemesis->invoke(invoke);
    EXPECT_EQ(done.value["spec"], value["spec"]) << f;
    EXPECT_EQ(done.value[field], value[field]) << f << ": " << done.value << " " << done.error;
    // What the completion records replays it.
    EXPECT_EQ(fault_replay_value(f.substr(6), done.value), value) << f;
  }
}

TEST(FaultStartTest, ValuesAreNullASpecOrASpecWithItsChoice) {
  std::mt19937_64 rng(3);
  FaultStart start;
  ASSERT_TRUE(parse_fault_start("kill", nullptr, {"leader"}, rng, &start).is_ok());
  EXPECT_EQ(start.spec, "leader");
  EXPECT_TRUE(start.chosen.is_null());
  ASSERT_TRUE(parse_fault_start("kill", "one", {"leader"}, rng, &start).is_ok());
  EXPECT_EQ(start.spec, "one");
  const nlohmann::json recorded = {{"spec", "one"}, {"killed", {"n3"}}};
  ASSERT_TRUE(parse_fault_start("kill", recorded, {"leader"}, rng, &start).is_ok());
  EXPECT_EQ(start.spec, "one");
  EXPECT_EQ(start.chosen, nlohmann::json({"n3"}));
  for (const nlohmann::json& bad :
       {nlohmann::json(3), nlohmann::json{{"spec", "one"}},
        nlohmann::json{{"spec", "one"}, {"killed", {"n3"}}, {"extra", 1}},
        nlohmann::json{{"spec", 1}, {"killed", {"n3"}}}})
    EXPECT_EQ(parse_fault_start("kill", bad, {"one"}, rng, &start).code(),
              Status::Code::kInvalidArgument)
        << bad;
  // clock records no choice: only its spec replays.
  EXPECT_FALSE(
      parse_fault_start("clock", {{"spec", "skew"}, {"nodes", {"n1"}}}, {"skew"}, rng, &start)
          .is_ok());
  EXPECT_EQ(fault_replay_value("clock", {{"spec", "skew"}, {"nodes", {"n1"}}}), "skew");
  EXPECT_TRUE(fault_replay_value("kill", {{"restarted", {"n1"}}}).is_null());
  EXPECT_EQ(fault_choice_field("pause"), "paused");
  EXPECT_EQ(fault_choice_field("corrupt"), "");
}

TEST(GrudgeTest, RecordedGrudgesAreCheckedAndSayWhoIsIsolated) {
  Grudge g;
  std::vector<std::string> isolated;
  const nlohmann::json cut = {{"n1", {"n2", "n3"}}, {"n2", {"n1"}}, {"n3", {"n1"}}};
  ASSERT_TRUE(recorded_grudge(cut, "isolate-one", names(3), &g, &isolated).is_ok());
  EXPECT_EQ(g, components_grudge({{"n1"}, {"n2", "n3"}}));
  EXPECT_EQ(isolated, std::vector<std::string>{"n1"});
  ASSERT_TRUE(recorded_grudge(cut, "halves", names(3), &g, &isolated).is_ok());
  EXPECT_TRUE(isolated.empty());  // as partition_grudge reports halves
  for (const auto& [bad, spec] :
       std::vector<std::pair<nlohmann::json, std::string>>{{{{"n1", {"n9"}}}, "halves"},
                                                           {{{"n9", {"n1"}}}, "halves"},
                                                           {{{"n1", "n2"}}, "halves"},
                                                           {nlohmann::json::array(), "halves"},
                                                           {cut, "thirds"}})
    EXPECT_EQ(recorded_grudge(bad, spec, names(3), &g).code(), Status::Code::kInvalidArgument)
        << bad << " " << spec;
}

TEST(VictimsTest, RecordedVictimsAreCheckedAgainstTheNodesAndTheSpecs) {
  std::vector<std::string> victims;
  const std::vector<std::string> specs = fault_specs("kill");
  ASSERT_TRUE(recorded_victims("minority", specs, {"n2", "n4"}, names(5), &victims).is_ok());
  EXPECT_EQ(victims, (std::vector<std::string>{"n2", "n4"}));
  EXPECT_FALSE(recorded_victims("most", specs, {"n2"}, names(5), &victims).is_ok());
  EXPECT_FALSE(recorded_victims("one", specs, {"n6"}, names(5), &victims).is_ok());
  EXPECT_FALSE(recorded_victims("one", specs, {"n1", "n1"}, names(5), &victims).is_ok());
  EXPECT_FALSE(recorded_victims("one", specs, "n1", names(5), &victims).is_ok());
}

SimRun simulate_schedule(uint64_t seed) {
  SimOptions options;
  options.concurrency = 1;
  options.nemesis = true;
  options.seed = seed;
  options.stop_at = 600'000'000'000;  // 10 virtual minutes
  return simulate(nemesis_generator({{"partition", {}}, {"kill", {}}, {"clock", {}}},
                                    std::chrono::seconds(10), seed),
                  options);
}

TEST(NemesisScheduleTest, PairsStartsAndStopsAndReplaysBySeed) {
  for (uint64_t seed : {1u, 2u, 3u}) {
    const SimRun run = simulate_schedule(seed);
    std::set<std::string> active;
    int invokes = 0;
    int64_t last = 0;
    for (const Op& e : run.events) {
      if (e.type != EventType::kInvoke) continue;
      ++invokes;
      last = e.time;
      EXPECT_EQ(e.process, kNemesisProcess) << "seed " << seed;
      EXPECT_TRUE(e.value.is_null());
      if (e.f.rfind("start-", 0) == 0) {
        EXPECT_TRUE(active.insert(e.f.substr(6)).second) << "seed " << seed << ": twice " << e.f;
      } else {
        ASSERT_EQ(e.f.rfind("stop-", 0), 0u) << e.f;
        EXPECT_EQ(active.erase(e.f.substr(5)), 1u) << "seed " << seed << ": " << e.f;
      }
      EXPECT_TRUE(e.f.find("partition") != std::string::npos ||
                  e.f.find("kill") != std::string::npos || e.f.find("clock") != std::string::npos)
          << e.f;
    }
    // A mean of 10 s over 600 s: about 60 ops.
    EXPECT_GT(invokes, 35) << "seed " << seed;
    EXPECT_LT(invokes, 90) << "seed " << seed;
    EXPECT_GT(last, 500'000'000'000) << "seed " << seed;
    const SimRun again = simulate_schedule(seed);
    ASSERT_EQ(again.events.size(), run.events.size()) << "seed " << seed;
    for (size_t i = 0; i < run.events.size(); ++i) {
      EXPECT_EQ(again.events[i].f, run.events[i].f) << "seed " << seed << " event " << i;
      EXPECT_EQ(again.events[i].time, run.events[i].time) << "seed " << seed << " event " << i;
    }
  }
  const SimRun a = simulate_schedule(1), b = simulate_schedule(2);
  std::vector<std::string> fa, fb;
  for (const Op& e : a.events) fa.push_back(e.f);
  for (const Op& e : b.events) fb.push_back(e.f);
  EXPECT_NE(fa, fb);
}

// Held plans start first, in their order, and never stop; the rest take
// turns after them; with only held plans the schedule ends once they are on.
TEST(NemesisScheduleTest, HeldKindsStartFirstAndNeverStop) {
  std::vector<FaultPlan> plans = {{"partition", {}}, {"kill", {"aimed"}}, {"pause", {}}};
  ASSERT_TRUE(hold_fault_plans({"kill", "partition"}, &plans).is_ok());
  ASSERT_EQ(plans.size(), 3u);
  EXPECT_EQ(plans[0].kind, "kill");
  EXPECT_EQ(plans[0].specs, std::vector<std::string>{"aimed"});
  EXPECT_EQ(plans[1].kind, "partition");
  EXPECT_TRUE(plans[0].held && plans[1].held && !plans[2].held);
  SimOptions options;
  options.concurrency = 1;
  options.nemesis = true;
  options.stop_at = 600'000'000'000;
  std::vector<std::string> fs;
  for (const Op& e :
       simulate(nemesis_generator(plans, std::chrono::seconds(10), 7), options).events)
    if (e.type == EventType::kInvoke) fs.push_back(e.f);
  ASSERT_GT(fs.size(), 10u);
  EXPECT_EQ(fs[0], "start-kill");
  EXPECT_EQ(fs[1], "start-partition");
  for (size_t i = 2; i < fs.size(); ++i)
    EXPECT_TRUE(fs[i] == (i % 2 == 0 ? "start-pause" : "stop-pause")) << i << ": " << fs[i];

  plans.pop_back();
  fs.clear();
  for (const Op& e :
       simulate(nemesis_generator(plans, std::chrono::seconds(10), 7), options).events)
    if (e.type == EventType::kInvoke) fs.push_back(e.f);
  EXPECT_EQ(fs, (std::vector<std::string>{"start-kill", "start-partition"}));

  std::vector<FaultPlan> unplanned = {{"partition", {}}};
  const Status st = hold_fault_plans({"kill"}, &unplanned);
  EXPECT_EQ(st.message(),
            "nemesis-hold: 'kill' is not a planned nemesis kind (planned: partition)");
}

TEST(NemesisScheduleTest, NoKindsMeansNoOps) {
  SimOptions options;
  options.concurrency = 1;
  options.nemesis = true;
  options.stop_at = 60'000'000'000;
  EXPECT_TRUE(simulate(nemesis_generator({}, std::chrono::seconds(1), 1), options).events.empty());
}

}  // namespace
}  // namespace faultline
