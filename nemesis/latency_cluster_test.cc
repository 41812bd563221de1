// The latency nemesis on a real local cluster: round trips between two
// nodes' peer ports rise by the delay under start-latency and come back
// after stop, the client port is left alone, and heal (and `faultline
// cluster heal`) leave no redirect and no proxy listener behind. Echo
// servers (perl) stand in for the target. Needs root (label: cluster).
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <sstream>

#include "harness/db/raftkv_db.h"
#include "harness/nodes/local_cluster.h"
#include "harness/nodes/process.h"
#include "harness/nodes/test_cluster.h"
#include "nemesis/nemesis.h"
#include "nemesis/nemesis_test_support.h"
#include "tests/support/require.h"

namespace faultline {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

constexpr int kPeerPort = 7100;
constexpr int kClientPort = 7000;

struct Rig {
  std::unique_ptr<TestCluster> cluster;
  std::unique_ptr<SshPool> pool;
  std::unique_ptr<RaftkvDb> db;  // never started: the nemesis only needs one
  std::vector<NemesisNode> nodes;
  NemesisOptions options;

  NemesisContext context(uint64_t seed) { return {*pool, *db, nodes, seed, options}; }

  std::string exec(const std::string& node, const std::string& command) {
    ExecResult r;
    Status st = pool->exec(node, command, seconds(30), &r);
    EXPECT_TRUE(st.is_ok()) << node << ": " << st.message();
    EXPECT_EQ(r.exit_status, 0) << node << ": `" << command << "`: " << r.stderr_text;
    return r.stdout_text;
  }

  std::string address(const std::string& node) const {
    for (const NemesisNode& n : nodes)
      if (n.name == node) return n.address;
    return "";
  }

  // The shortest of 3 round trips (ms) of one byte from `from` to an echo
  // server on `to`:port, on one new connection.
  int round_trip_ms(const std::string& from, const std::string& to, int port) {
    const std::string script = fmt::format(
        "use IO::Socket::INET; use Time::HiRes qw(time); "
        "my $c = IO::Socket::INET->new(PeerAddr => '{}:{}') or die \"connect: $!\"; "
        "my $min = 1e9; for (1..3) {{ my $t = time; syswrite($c, 'x'); "
        "sysread($c, my $b, 1) == 1 or die 'no echo'; my $d = time - $t; "
        "$min = $d if $d < $min }} printf \"%d\\n\", $min * 1000;",
        address(to), port);
    return std::stoi(exec(from, "perl -e " + shell_quote(script)));
  }

  // The rules in the node's nat chain (`-A` lines).
  size_t nat_rules(const std::string& node) {
    std::istringstream in(exec(node, "iptables -w 5 -t nat -S FAULTLINE 2>/dev/null || true"));
    size_t n = 0;
    for (std::string line; std::getline(in, line);) n += line.rfind("-A ", 0) == 0 ? 1 : 0;
    return n;
  }

  // Listening sockets on 127.0.0.1 in the node (only the proxy listens there).
  std::string loopback_listeners(const std::string& node) {
    return exec(node, "ss -Hltn src 127.0.0.1");
  }
};

void bring_up(Rig* rig) {
  Status st = TestCluster::start(3, 'y', &rig->cluster);
  ASSERT_TRUE(st.is_ok()) << st.message();
  const ClusterState& state = rig->cluster->state();
  rig->pool = std::make_unique<SshPool>(cluster_ssh_options(state));
  for (const SshTarget& t : cluster_targets(state)) ASSERT_TRUE(rig->pool->add(t).is_ok());
  for (const LocalNode& node : state.nodes) {
    NemesisNode n{node.name, node.address};
    n.client_port = kClientPort;
    n.netns = node.netns;
    rig->nodes.push_back(n);
  }
  RaftkvOptions options;
  rig->db = std::make_unique<RaftkvDb>(*rig->pool, cluster_targets(state), options);
  rig->options.latency = milliseconds(300);
  rig->options.jitter = milliseconds(0);
  // Echo servers on every node, on a peer port and the client port (they die
  // with the node's PID namespace).
  const std::string echo =
      "use IO::Socket::INET; my $s = IO::Socket::INET->new(LocalPort => $ARGV[0], Listen => 16, "
      "ReuseAddr => 1) or die $!; $SIG{CHLD} = 'IGNORE'; while (my $c = $s->accept) { "
      "next if fork; while (sysread($c, my $b, 4096)) { syswrite($c, $b) } exit }";
  for (const NemesisNode& n : rig->nodes)
    for (int port : {kPeerPort, kClientPort})
      rig->exec(n.name, fmt::format("nohup perl -e {} {} </dev/null >/dev/null 2>&1 &",
                                    shell_quote(echo), port));
}

TEST(LatencyClusterTest, RoundTripsRiseByTheDelayUntilStoppedAndHealLeavesNothing) {
  const std::string why = cluster_tests_unavailable();
  FAULTLINE_REQUIRE(why.empty(), why);
  Rig rig;
  ASSERT_NO_FATAL_FAILURE(bring_up(&rig));
  std::unique_ptr<Nemesis> nemesis;
  Status st = make_nemesis({"latency"}, rig.context(4), &nemesis);
  ASSERT_TRUE(st.is_ok()) << st.message();
  for (const NemesisNode& n : rig.nodes) {
    EXPECT_EQ(rig.nat_rules(n.name), 3u) << n.name;  // the mark's RETURN, one per other node
    EXPECT_FALSE(rig.loopback_listeners(n.name).empty()) << n.name;
  }
  // No fault: the proxy forwards at once (well under the delay, even loaded).
  EXPECT_LT(rig.round_trip_ms("n1", "n2", kPeerPort), 300);

  Op done = run(*nemesis, "start-latency", "delay");
  EXPECT_EQ(done.value["links"].size(), 6u) << done.value.dump();
  EXPECT_EQ(done.value["delay_ms"], 300);
  // Both directions are delayed: a round trip takes at least twice the delay.
  EXPECT_GE(rig.round_trip_ms("n1", "n2", kPeerPort), 600);
  EXPECT_GE(rig.round_trip_ms("n3", "n1", kPeerPort), 600);
  // Clients' traffic is left alone.
  EXPECT_LT(rig.round_trip_ms("n1", "n2", kClientPort), 300);
  run(*nemesis, "stop-latency");
  EXPECT_LT(rig.round_trip_ms("n1", "n2", kPeerPort), 300);

  // One node's links only.
  done = run(*nemesis, "start-latency", "one");
  ASSERT_EQ(done.value["nodes"].size(), 1u) << done.value.dump();
  const std::string slow = done.value["nodes"][0];
  std::vector<std::string> others;
  for (const NemesisNode& n : rig.nodes)
    if (n.name != slow) others.push_back(n.name);
  EXPECT_EQ(done.value["links"].size(), 4u);
  EXPECT_GE(rig.round_trip_ms(others[0], slow, kPeerPort), 600);
  EXPECT_LT(rig.round_trip_ms(others[0], others[1], kPeerPort), 300);

  // Heal: no redirect, no listener, direct connections. (Its last part,
  // starting the servers that do not run, fails here: no raftkv is installed.)
  st = nemesis->heal();
  EXPECT_NE(st.message().find("can't cd to"), std::string::npos) << st.message();
  for (const NemesisNode& n : rig.nodes) {
    EXPECT_EQ(rig.nat_rules(n.name), 0u) << n.name;
    EXPECT_EQ(rig.loopback_listeners(n.name), "") << n.name;
  }
  EXPECT_LT(rig.round_trip_ms(others[0], slow, kPeerPort), 300);
  nemesis.reset();

  // `faultline cluster heal` removes the redirect of a controller that died.
  ASSERT_TRUE(make_nemesis({"latency"}, rig.context(5), &nemesis).is_ok());
  nemesis.reset();  // its proxy is gone, its rules are not
  EXPECT_EQ(rig.nat_rules("n1"), 3u);
  ASSERT_TRUE(cluster_heal(rig.cluster->state()).is_ok());
  for (const NemesisNode& n : rig.nodes) EXPECT_EQ(rig.nat_rules(n.name), 0u) << n.name;
  EXPECT_LT(rig.round_trip_ms("n2", "n3", kPeerPort), 300);
}

}  // namespace
}  // namespace faultline
