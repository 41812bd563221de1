// The nemesis on a real local cluster (namespaces, sshd, iptables, raftkv):
// each fault is checked by what it does to the nodes — TCP connects between
// namespaces, process states, the clock a faketime'd process sees, whether a
// corrupted server recovers — and heal (and `faultline cluster heal`) must
// undo it. Needs root (label: cluster): skipped with the reason otherwise,
// failed when CI is set.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>

#include "harness/db/raftkv_db.h"
#include "harness/nodes/local_cluster.h"
#include "harness/nodes/process.h"
#include "harness/nodes/test_cluster.h"
#include "nemesis/grudge.h"
#include "nemesis/nemesis.h"
#include "nemesis/nemesis_test_support.h"
#include "targets/resp/resp_client.h"
#include "tests/support/require.h"

namespace faultline {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using Reach = std::map<std::string, std::set<std::string>>;  // node -> nodes it can connect to

// A cluster, an SSH pool and a raftkv Db on it, torn down in reverse order.
struct Rig {
  std::unique_ptr<TestCluster> cluster;
  std::unique_ptr<SshPool> pool;
  std::unique_ptr<RaftkvDb> db;
  std::vector<NemesisNode> nodes;
  NemesisOptions options;

  NemesisContext context(uint64_t seed) { return {*pool, *db, nodes, seed, options}; }

  std::string address(const std::string& node) const {
    for (const NemesisNode& n : nodes)
      if (n.name == node) return n.address;
    return "";
  }

  std::string exec(const std::string& node, const std::string& command) {
    ExecResult r;
    Status st = pool->exec(node, command, seconds(15), &r);
    EXPECT_TRUE(st.is_ok()) << node << ": " << st.message();
    EXPECT_EQ(r.exit_status, 0) << node << ": `" << command << "`: " << r.stderr_text;
    return r.stdout_text;
  }

  // From `node`, a TCP connect to port 22 (sshd) of each address, all at
  // once; the addresses (with repeats) whose connect completed within
  // `window_s`. The connects are forked subshells of one bash, timed by
  // that bash, so that neither SSH latency nor a loaded machine's slow
  // process start counts against the window.
  std::vector<std::string> connects(const std::string& node,
                                    const std::vector<std::string>& addresses, double window_s) {
    std::string script = "pids=; for t in";
    for (const std::string& a : addresses) script += " " + a;
    script += fmt::format(
        "; do (exec 3<>/dev/tcp/$t/22 && echo $t) 2>/dev/null & pids=\"$pids $!\"; done; "
        "for i in $(seq {}); do [ -z \"$(jobs -r)\" ] && break; sleep 0.1; done; "
        "kill $pids 2>/dev/null; wait",
        static_cast<int>(window_s * 10));
    std::istringstream in(exec(node, "bash -c " + shell_quote(script)));
    std::vector<std::string> out;
    for (std::string a; in >> a;) out.push_back(a);
    return out;
  }

  // For each node, the nodes it can connect to (itself included), probing all
  // others at once for a second (a dropped SYN is only retried after that).
  Reach reachability() {
    Reach reach;
    std::mutex mu;
    Status st = run_parallel(nodes.size(), [&](size_t i) {
      std::vector<std::string> others;
      for (const NemesisNode& to : nodes)
        if (to.name != nodes[i].name) others.push_back(to.address);
      const std::vector<std::string> reached = connects(nodes[i].name, others, 1.0);
      std::lock_guard<std::mutex> lock(mu);
      std::set<std::string>& mine = reach[nodes[i].name];
      mine.insert(nodes[i].name);
      for (const NemesisNode& to : nodes)
        if (std::find(reached.begin(), reached.end(), to.address) != reached.end())
          mine.insert(to.name);
      return Status::ok();
    });
    EXPECT_TRUE(st.is_ok()) << st.message();
    return reach;
  }

  Reach full_reach() const {
    Reach r;
    for (const NemesisNode& a : nodes)
      for (const NemesisNode& b : nodes) r[a.name].insert(b.name);
    return r;
  }

  // The rules in the node's nemesis chain (`iptables -S` lines but the -N).
  std::vector<std::string> chain_rules(const std::string& node) {
    std::istringstream in(exec(node, "iptables -w 5 -S FAULTLINE"));
    std::vector<std::string> rules;
    for (std::string line; std::getline(in, line);)
      if (line.rfind("-A ", 0) == 0) rules.push_back(line);
    return rules;
  }

  // The state letter (R, S, T, ...) of the node's raftkv, "" if none runs.
  std::string server_state(const std::string& node) {
    return exec(node, fmt::format("p=$(cat {}) 2>/dev/null && cut -d' ' -f3 /proc/$p/stat || true",
                                  db->daemon().pidfile))
        .substr(0, 1);
  }
};

// Brings up `n` nodes; with `raftkv`, starts the servers (under libfaketime
// when `faketime`) and waits for a leader.
void bring_up(int n, char tag, bool raftkv, bool faketime, Rig* rig) {
  Status st = TestCluster::start(n, tag, &rig->cluster);
  ASSERT_TRUE(st.is_ok()) << st.message();
  const ClusterState& state = rig->cluster->state();
  rig->pool = std::make_unique<SshPool>(cluster_ssh_options(state));
  for (const SshTarget& t : cluster_targets(state)) ASSERT_TRUE(rig->pool->add(t).is_ok());
  for (const LocalNode& node : state.nodes) rig->nodes.push_back({node.name, node.address});
  RaftkvOptions options;
  options.binary = FAULTLINE_RAFTKV_BINARY;
  options.election_ms = 500;
  options.heartbeat_ms = 50;
  options.faketime = faketime;
  rig->db = std::make_unique<RaftkvDb>(*rig->pool, cluster_targets(state), options);
  if (faketime) rig->options.faketime_file = rig->db->faketime_file();
  if (!raftkv) return;
  RaftkvDb& db = *rig->db;
  st = for_each_node(db, [&](const std::string& node) {
    if (Status s = db.setup(node); !s.is_ok()) return s;
    if (Status s = db.start(node); !s.is_ok()) return s;
    return db.wait_ready(node, seconds(10));
  });
  ASSERT_TRUE(st.is_ok()) << st.message();
  std::string leader;
  st = wait_for_primary(db, seconds(10), &leader);
  ASSERT_TRUE(st.is_ok()) << st.message();
}

#define REQUIRE_CLUSTER()                              \
  const std::string why = cluster_tests_unavailable(); \
  FAULTLINE_REQUIRE(why.empty(), why)

TEST(NemesisClusterTest, EveryPartitionSpecCutsExactlyItsGrudgeAndStopHeals) {
  REQUIRE_CLUSTER();
  Rig rig;
  ASSERT_NO_FATAL_FAILURE(bring_up(5, 'p', false, false, &rig));
  std::unique_ptr<Nemesis> nemesis;
  ASSERT_TRUE(make_nemesis({"partition"}, rig.context(11), &nemesis).is_ok());
  ASSERT_EQ(rig.reachability(), rig.full_reach());
  for (const std::string spec :
       {"isolate-one", "halves", "random-halves", "majorities-ring", "bridge"}) {
    const Op done = run(*nemesis, "start-partition", spec);
    ASSERT_TRUE(done.value.contains("grudge")) << done.value.dump();
    Grudge grudge;
    for (const auto& [node, cut] : done.value["grudge"].items())
      grudge[node] = cut.get<std::set<std::string>>();
    EXPECT_FALSE(grudge.empty()) << spec;
    Reach expected;
    for (const NemesisNode& a : rig.nodes)
      for (const NemesisNode& b : rig.nodes)
        if (can_talk(grudge, a.name, b.name)) expected[a.name].insert(b.name);
    EXPECT_EQ(rig.reachability(), expected) << spec << ": " << done.value.dump();
    if (spec == std::string("isolate-one")) {
      ASSERT_EQ(done.value["isolated"].size(), 1u);
      EXPECT_EQ(done.value["from"].size(), 4u);
    }
    run(*nemesis, "stop-partition");
    EXPECT_EQ(rig.reachability(), rig.full_reach()) << "after stop-partition " << spec;
    for (const NemesisNode& n : rig.nodes) EXPECT_TRUE(rig.chain_rules(n.name).empty());
  }
}

TEST(NemesisClusterTest, LossDropsSomePacketsUntilStopped) {
  REQUIRE_CLUSTER();
  Rig rig;
  ASSERT_NO_FATAL_FAILURE(bring_up(3, 'l', false, false, &rig));
  rig.options.loss_percent = 50;
  std::unique_ptr<Nemesis> nemesis;
  ASSERT_TRUE(make_nemesis({"loss", "partition"}, rig.context(5), &nemesis).is_ok());
  const Op done = run(*nemesis, "start-loss", "one");
  ASSERT_EQ(done.value["nodes"].size(), 1u) << done.value.dump();
  EXPECT_EQ(done.value["percent"], 50.0);
  const std::string lossy = done.value["nodes"][0];
  const std::string other = lossy == "n1" ? "n2" : "n1";
  // 40 connects from another node at once. Within 0.9 s (before the first
  // SYN retransmission, at 1 s) one succeeds if its SYN passes the lossy
  // node's INPUT and its SYN-ACK its OUTPUT: about a quarter do, and outside
  // [1, 30] has odds < 1e-4. Within 5 s (three tries), all 40 succeed without
  // loss, while under it each one still fails with odds 0.75^3 = 0.42.
  auto successes = [&](double window_s) {
    return rig.connects(other, std::vector<std::string>(40, rig.address(lossy)), window_s).size();
  };
  const size_t lossy_successes = successes(0.9);
  EXPECT_GE(lossy_successes, 1u);
  EXPECT_LE(lossy_successes, 30u);
  // Loss rules and partition rules share the chain; stop-partition leaves loss alone.
  run(*nemesis, "start-partition", "halves");
  run(*nemesis, "stop-partition");
  const std::vector<std::string> rules = rig.chain_rules(lossy);
  EXPECT_EQ(rules.size(), 4u);  // -s and -d for each of the two other nodes
  for (const std::string& r : rules) EXPECT_NE(r.find("--probability 0.5"), std::string::npos) << r;
  run(*nemesis, "stop-loss");
  EXPECT_TRUE(rig.chain_rules(lossy).empty());
  EXPECT_EQ(successes(5), 40u);
}

TEST(NemesisClusterTest, KillPauseAndIsolateLeaderActOnRaftkv) {
  REQUIRE_CLUSTER();
  Rig rig;
  ASSERT_NO_FATAL_FAILURE(bring_up(3, 'k', true, false, &rig));
  std::unique_ptr<Nemesis> nemesis;
  ASSERT_TRUE(make_nemesis({"kill", "pause", "partition"}, rig.context(3), &nemesis).is_ok());
  std::vector<std::string> primaries;
  ASSERT_TRUE(rig.db->primaries(&primaries).is_ok());
  ASSERT_EQ(primaries.size(), 1u);

  Op done = run(*nemesis, "start-kill", "leader");
  EXPECT_EQ(done.value["killed"], nlohmann::json::array({primaries[0]}));
  bool running = true;
  ASSERT_TRUE(rig.db->running(primaries[0], &running).is_ok());
  EXPECT_FALSE(running);
  done = run(*nemesis, "stop-kill");
  EXPECT_EQ(done.value["restarted"], nlohmann::json::array({primaries[0]}));
  ASSERT_TRUE(rig.db->wait_ready(primaries[0], seconds(10)).is_ok());

  done = run(*nemesis, "start-pause", "one");
  ASSERT_EQ(done.value["paused"].size(), 1u);
  const std::string paused = done.value["paused"][0];
  EXPECT_EQ(rig.server_state(paused), "T");
  done = run(*nemesis, "stop-pause");
  EXPECT_EQ(done.value["resumed"].size(), 3u);
  EXPECT_NE(rig.server_state(paused), "T");

  std::string leader;
  ASSERT_TRUE(wait_for_primary(*rig.db, seconds(10), &leader).is_ok());
  done = run(*nemesis, "start-partition", "isolate-leader");
  EXPECT_EQ(done.value["isolated"], nlohmann::json::array({leader}));
  // The other two elect a leader of their own.
  std::string new_leader;
  const auto deadline = std::chrono::steady_clock::now() + seconds(10);
  while (std::chrono::steady_clock::now() < deadline && new_leader.empty()) {
    ASSERT_TRUE(rig.db->primaries(&primaries).is_ok());
    for (const std::string& p : primaries)
      if (p != leader) new_leader = p;
    std::this_thread::sleep_for(milliseconds(100));
  }
  EXPECT_FALSE(new_leader.empty()) << "no new leader while " << leader << " was isolated";
  run(*nemesis, "stop-partition");
}

TEST(NemesisClusterTest, ClockOffsetsReachProcessesUnderFaketime) {
  REQUIRE_CLUSTER();
  Rig rig;
  ASSERT_NO_FATAL_FAILURE(bring_up(3, 'c', true, true, &rig));
  rig.options.bump_s = 3600;
  rig.options.strobe_s = 30;
  rig.options.strobe_period = milliseconds(300);
  rig.options.strobe_duration = milliseconds(900);
  std::unique_ptr<Nemesis> nemesis;
  ASSERT_TRUE(make_nemesis({"clock"}, rig.context(9), &nemesis).is_ok());
  const std::string file = rig.db->faketime_file();
  // The server itself runs under libfaketime with this file.
  const std::string environ = rig.exec(
      "n1", fmt::format("tr '\\0' '\\n' </proc/$(cat {})/environ", rig.db->daemon().pidfile));
  EXPECT_NE(environ.find(std::string("LD_PRELOAD=") + kLibfaketimePath), std::string::npos);
  EXPECT_NE(environ.find("FAKETIME_TIMESTAMP_FILE=" + file), std::string::npos);
  EXPECT_NE(environ.find("FAKETIME_DONT_FAKE_MONOTONIC=1"), std::string::npos);
  // The offset a process started like the server sees: faked minus real time.
  auto offset = [&](const std::string& node) {
    const std::string out =
        rig.exec(node, fmt::format("date +%s; LD_PRELOAD={} FAKETIME_TIMESTAMP_FILE={} date +%s",
                                   kLibfaketimePath, file));
    std::istringstream in(out);
    long real = 0, faked = 0;
    in >> real >> faked;
    return faked - real;
  };
  Op done = run(*nemesis, "start-clock", "bump");
  ASSERT_EQ(done.value["offsets_s"].size(), 1u) << done.value.dump();
  const auto [bumped, seconds_off] = *done.value["offsets_s"].items().begin();
  EXPECT_EQ(std::abs(seconds_off.get<int>()), 3600);
  EXPECT_NEAR(offset(bumped), seconds_off.get<int>(), 1);
  done = run(*nemesis, "start-clock", "skew");
  for (const auto& [node, s] : done.value["offsets_s"].items()) {
    EXPECT_LE(std::abs(s.get<int>()), rig.options.skew_max_s);
    EXPECT_NEAR(offset(node), s.get<int>(), 1) << node;
  }
  // Strobe flips one node's offset every period, and leaves it at +0.
  done = run(*nemesis, "start-clock", "strobe");
  EXPECT_EQ(done.value["changes"], 3) << done.value.dump();
  EXPECT_EQ(rig.exec(done.value["node"], "cat " + file), "+0\n");
  // The servers keep serving under skewed clocks.
  for (const NemesisNode& n : rig.nodes)
    EXPECT_TRUE(rig.db->wait_ready(n.name, seconds(5)).is_ok()) << n.name;
  ASSERT_TRUE(nemesis->heal().is_ok());
  for (const NemesisNode& n : rig.nodes) {
    EXPECT_NEAR(offset(n.name), 0, 1) << n.name;
    EXPECT_EQ(rig.exec(n.name, "cat " + file), "+0\n");
  }
}

TEST(NemesisClusterTest, CorruptedServersRecoverOrRefuseByWhatWasDamaged) {
  REQUIRE_CLUSTER();
  Rig rig;
  ASSERT_NO_FATAL_FAILURE(bring_up(3, 'd', true, false, &rig));
  // Some writes, so that the WAL holds more than its first record.
  std::string leader;
  ASSERT_TRUE(wait_for_primary(*rig.db, seconds(10), &leader).is_ok());
  for (int i = 0; i < 20; ++i) {
    RespReply reply;
    ASSERT_TRUE(resp_command(rig.db->client_host(leader), rig.db->client_port(),
                             {"SET", "k" + std::to_string(i), "v"}, seconds(2), &reply)
                    .is_ok());
  }
  std::unique_ptr<Nemesis> nemesis;
  ASSERT_TRUE(make_nemesis({"corrupt"}, rig.context(21), &nemesis).is_ok());

  // A cut tail is a torn write: repaired, the server comes back.
  Op done = run(*nemesis, "start-corrupt", "truncate-wal");
  ASSERT_TRUE(done.error.empty());
  EXPECT_LT(done.value["size_after"].get<uint64_t>(), done.value["size_before"].get<uint64_t>());
  EXPECT_NE(done.value["file"].get<std::string>().find("/data/wal-"), std::string::npos);
  EXPECT_EQ(done.value["restarted"], true) << done.value.dump();
  std::string node = done.value["node"];
  EXPECT_TRUE(rig.db->wait_ready(node, seconds(10)).is_ok()) << done.value.dump();

  // A flipped bit in a complete record is corruption: refused, naming the file.
  done = run(*nemesis, "start-corrupt", "flip-bits");
  ASSERT_TRUE(done.error.empty());
  node = done.value["node"];
  const std::string file = done.value["file"];
  const std::string name = file.substr(file.rfind('/') + 1);
  bool running = false;
  std::string said;
  if (done.value["restarted"] == false) {
    said = done.value["start_error"];
  } else {  // it got past the start check and exited during recovery
    EXPECT_FALSE(rig.db->wait_ready(node, seconds(3)).is_ok());
    said = rig.exec(node, "cat " + rig.db->daemon().logfile);
  }
  ASSERT_TRUE(rig.db->running(node, &running).is_ok());
  EXPECT_FALSE(running) << done.value.dump();
  EXPECT_NE(said.find(name), std::string::npos) << done.value.dump() << "\n" << said;
  EXPECT_NE(said.find("corrupt"), std::string::npos) << said;
  // heal cannot start it either, and says so; wiped, it comes back.
  Status st = nemesis->heal();
  EXPECT_FALSE(st.is_ok());
  EXPECT_NE(st.message().find(name), std::string::npos) << st.message();
  ASSERT_TRUE(rig.db->wipe(node).is_ok());
  EXPECT_TRUE(nemesis->heal().is_ok());
  EXPECT_TRUE(rig.db->wait_ready(node, seconds(10)).is_ok());

  // No data at all: a new, empty node that starts.
  done = run(*nemesis, "start-corrupt", "delete-data");
  ASSERT_TRUE(done.error.empty());
  EXPECT_EQ(done.value["restarted"], true) << done.value.dump();
  EXPECT_TRUE(rig.db->wait_ready(done.value["node"], seconds(10)).is_ok());
}

TEST(NemesisClusterTest, HealAndClusterHealUndoEverything) {
  REQUIRE_CLUSTER();
  Rig rig;
  ASSERT_NO_FATAL_FAILURE(bring_up(3, 'h', true, true, &rig));
  const std::string file = rig.db->faketime_file();
  {
    std::unique_ptr<Nemesis> nemesis;
    ASSERT_TRUE(make_nemesis({"partition", "loss", "kill", "pause", "clock", "corrupt"},
                             rig.context(1), &nemesis)
                    .is_ok());
    run(*nemesis, "start-partition", "halves");
    run(*nemesis, "start-loss", "all");
    run(*nemesis, "start-clock", "skew");
    run(*nemesis, "start-pause", "one");
    run(*nemesis, "start-kill", "one");
  }
  // A node without an offset file (a server not under libfaketime) is fine.
  rig.exec("n3", "rm " + file);
  // A fresh nemesis (the controller crashed) heals from what is on the nodes.
  std::unique_ptr<Nemesis> nemesis;
  ASSERT_TRUE(make_nemesis({"partition", "clock"}, rig.context(2), &nemesis).is_ok());
  for (int round = 0; round < 2; ++round) {  // idempotent
    Status st = nemesis->heal();
    ASSERT_TRUE(st.is_ok()) << st.message();
    for (const NemesisNode& n : rig.nodes) {
      EXPECT_TRUE(rig.chain_rules(n.name).empty()) << n.name;
      const std::string state = rig.server_state(n.name);
      EXPECT_TRUE(state == "S" || state == "R") << n.name << ": " << state;
      EXPECT_EQ(rig.exec(n.name, "cat " + file + " 2>/dev/null || echo none"),
                n.name == "n3" ? "none\n" : "+0\n");
    }
    EXPECT_EQ(rig.reachability(), rig.full_reach());
  }
  for (const NemesisNode& n : rig.nodes)
    EXPECT_TRUE(rig.db->wait_ready(n.name, seconds(10)).is_ok()) << n.name;

  // `faultline cluster heal` flushes the same chain and resumes paused servers.
  run(*nemesis, "start-partition", "isolate-one");
  ASSERT_TRUE(rig.db->pause("n2").is_ok());
  EXPECT_NE(rig.reachability(), rig.full_reach());
  ASSERT_TRUE(cluster_heal(rig.cluster->state()).is_ok());
  EXPECT_EQ(rig.reachability(), rig.full_reach());
  EXPECT_NE(rig.server_state("n2"), "T");
}

}  // namespace
}  // namespace faultline
