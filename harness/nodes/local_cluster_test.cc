// Local clusters for real: namespaces, veths, a bridge and sshd per node.
// Needs root (CI has it): skipped with the reason otherwise, failed when CI is set.
#include "harness/nodes/local_cluster.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <random>

#include "harness/nodes/node_setup.h"
#include "harness/nodes/test_cluster.h"
#include "harness/ssh/sha256.h"
#include "harness/ssh/ssh_pool.h"
#include "spawn/spawn.h"
#include "tests/support/require.h"

namespace faultline {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

class LocalClusterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string why = cluster_tests_unavailable();
    FAULTLINE_REQUIRE(why.empty(), why);
  }

  // Runs `command` on `node` through a fresh pool and returns its stdout.
  static std::string run_on(SshPool& pool, const std::string& node, const std::string& command) {
    ExecResult r;
    Status st = pool.exec(node, command, seconds(10), &r);
    EXPECT_TRUE(st.is_ok()) << st.message();
    EXPECT_EQ(r.exit_status, 0) << command << ": " << r.stderr_text;
    return r.stdout_text;
  }

  static std::unique_ptr<SshPool> pool_for(const ClusterState& state) {
    auto pool = std::make_unique<SshPool>(cluster_ssh_options(state));
    for (const SshTarget& t : cluster_targets(state)) EXPECT_TRUE(pool->add(t).is_ok());
    return pool;
  }
};

std::string ip_output(const std::vector<std::string>& argv) {
  CommandResult r;
  EXPECT_TRUE(run_checked(argv, seconds(10), &r).is_ok());
  return r.stdout_text;
}

TEST_F(LocalClusterTest, UpExecTransferStatusDownLeavesNothing) {
  std::unique_ptr<TestCluster> cluster;
  Status st = TestCluster::start(3, 'a', &cluster);
  ASSERT_TRUE(st.is_ok()) << st.message();
  const ClusterState state = cluster->state();
  ASSERT_EQ(state.nodes.size(), 3u);
  auto pool = pool_for(state);

  for (const LocalNode& n : state.nodes)
    EXPECT_EQ(run_on(*pool, n.name, "hostname"), n.name + "\n");

  // A file of random bytes (the seed is printed on failure) goes up and comes back intact.
  const uint64_t seed = std::random_device{}();
  SCOPED_TRACE("seed " + std::to_string(seed));
  std::mt19937_64 rng(seed);
  std::string payload(3 * 1024 * 1024 + 17, '\0');
  for (char& c : payload) c = static_cast<char>(rng());
  const std::string local = cluster->root() + "/payload";
  std::ofstream(local, std::ios::binary) << payload;
  std::string local_sha;
  ASSERT_TRUE(sha256_file(local, &local_sha).is_ok());
  st = pool->upload("n2", local, "/root/payload", 0640, seconds(30));
  ASSERT_TRUE(st.is_ok()) << st.message();
  EXPECT_EQ(run_on(*pool, "n2", "sha256sum /root/payload | cut -c1-64"), local_sha + "\n");
  EXPECT_EQ(run_on(*pool, "n2", "stat -c %a /root/payload"), "640\n");
  // Each node has its own /root.
  EXPECT_EQ(run_on(*pool, "n1", "test -e /root/payload && echo shared || echo own"), "own\n");
  const std::string back = cluster->root() + "/payload.back";
  st = pool->download("n2", "/root/payload", back, seconds(30));
  ASSERT_TRUE(st.is_ok()) << st.message();
  std::string back_sha;
  ASSERT_TRUE(sha256_file(back, &back_sha).is_ok());
  EXPECT_EQ(back_sha, local_sha);

  for (const NodeHealth& h : cluster_status(state))
    EXPECT_TRUE(h.ok()) << h.node << ": " << h.error;

  pool.reset();  // close the sessions first, as a controller would
  std::vector<pid_t> pids;
  for (const LocalNode& n : state.nodes) {
    pids.push_back(n.launcher_pid);
    pids.push_back(n.sshd_pid);
  }
  for (pid_t p : pids) EXPECT_TRUE(process_alive(p)) << p;
  st = cluster_down(cluster->root(), state.name);
  ASSERT_TRUE(st.is_ok()) << st.message();

  const std::string netns = ip_output({"ip", "netns", "list"});
  const std::string links = ip_output({"ip", "-o", "link", "show"});
  EXPECT_EQ(netns.find(netns_prefix(state.name)), std::string::npos) << netns;
  EXPECT_EQ(links.find(link_prefix(state.name)), std::string::npos) << links;
  for (pid_t p : pids) EXPECT_FALSE(process_alive(p)) << "pid " << p << " survived down";
  EXPECT_FALSE(std::filesystem::exists(state.dir));
  for (const LocalNode& n : state.nodes)
    EXPECT_FALSE(std::filesystem::exists(netns_etc_dir(n.netns))) << n.netns;
  // A second down finds nothing and is fine.
  std::vector<std::string> removed;
  EXPECT_TRUE(cluster_down(cluster->root(), state.name, &removed).is_ok());
  EXPECT_TRUE(removed.empty());
}

TEST_F(LocalClusterTest, NodesReachEachOtherByNameButHaveNoRouteOut) {
  std::unique_ptr<TestCluster> cluster;
  Status st = TestCluster::start(2, 'b', &cluster);
  ASSERT_TRUE(st.is_ok()) << st.message();
  auto pool = pool_for(cluster->state());
  EXPECT_EQ(run_on(*pool, "n1", "ip route | grep -c default || true"), "0\n");
  // n2 resolves through the node's /etc/hosts; its sshd answers.
  EXPECT_EQ(run_on(*pool, "n1", "getent hosts n2 | cut -d' ' -f1"),
            cluster->state().nodes[1].address + "\n");
  EXPECT_EQ(run_on(*pool, "n1", "timeout 2 bash -c 'echo > /dev/tcp/n2/22' && echo open"),
            "open\n");
  EXPECT_EQ(run_on(*pool, "n1", "echo $FAULTLINE_NODE"), "n1\n");
}

TEST_F(LocalClusterTest, HealFlushesNemesisChainAndResumesStoppedProcesses) {
  std::unique_ptr<TestCluster> cluster;
  Status st = TestCluster::start(2, 'c', &cluster);
  ASSERT_TRUE(st.is_ok()) << st.message();
  const ClusterState& state = cluster->state();
  auto pool = pool_for(state);
  const std::string n2 = state.nodes[1].address;
  run_on(*pool, "n1", "iptables -A FAULTLINE -s " + n2 + " -j DROP");
  EXPECT_NE(run_on(*pool, "n1", "iptables -S FAULTLINE").find(n2), std::string::npos);
  const std::string pid = run_on(*pool, "n1", "sleep 300 >/dev/null 2>&1 </dev/null & echo $!");
  ASSERT_FALSE(pid.empty());
  const std::string state_of = "awk '{print $3}' /proc/" + pid.substr(0, pid.size() - 1) + "/stat";
  run_on(*pool, "n1", "kill -STOP " + pid);
  EXPECT_EQ(run_on(*pool, "n1", state_of), "T\n");

  st = cluster_heal(state);
  ASSERT_TRUE(st.is_ok()) << st.message();
  EXPECT_EQ(run_on(*pool, "n1", "iptables -S FAULTLINE"), "-N FAULTLINE\n");
  EXPECT_EQ(run_on(*pool, "n1", state_of), "S\n");
}

TEST_F(LocalClusterTest, DownWorksFromNamingConventionsWithoutStateFile) {
  std::unique_ptr<TestCluster> cluster;
  Status st = TestCluster::start(2, 'd', &cluster);
  ASSERT_TRUE(st.is_ok()) << st.message();
  const ClusterState state = cluster->state();
  // As if the controller had died before recording anything.
  ASSERT_TRUE(std::filesystem::remove(state_path(state.dir)));
  ASSERT_TRUE(cluster_down(cluster->root(), state.name).is_ok());
  EXPECT_TRUE(list_netns(netns_prefix(state.name)).empty());
  EXPECT_TRUE(list_links(link_prefix(state.name)).empty());
  for (const LocalNode& n : state.nodes) EXPECT_FALSE(process_alive(n.sshd_pid)) << n.name;
  EXPECT_FALSE(std::filesystem::exists(state.dir));
}

TEST_F(LocalClusterTest, UpRefusesAnExistingNameAndAnOverlappingSubnet) {
  std::unique_ptr<TestCluster> cluster;
  Status st = TestCluster::start(1, 'e', &cluster);
  ASSERT_TRUE(st.is_ok()) << st.message();
  const ClusterState& state = cluster->state();

  ClusterUpOptions again;
  again.root = cluster->root();
  again.name = state.name;
  again.nodes = 1;
  ClusterState ignored;
  st = cluster_up(again, &ignored);
  EXPECT_EQ(st.code(), Status::Code::kInvalidArgument);
  EXPECT_NE(st.message().find("already exists"), std::string::npos) << st.message();

  ClusterUpOptions overlapping = again;
  overlapping.name = test_cluster_name('f');
  overlapping.subnet = state.subnet;
  st = cluster_up(overlapping, &ignored);
  EXPECT_EQ(st.code(), Status::Code::kInvalidArgument);
  EXPECT_NE(st.message().find("overlaps"), std::string::npos) << st.message();
  EXPECT_TRUE(list_netns(netns_prefix(overlapping.name)).empty());
  EXPECT_FALSE(std::filesystem::exists(cluster_dir(cluster->root(), overlapping.name)));
  // The first cluster is untouched.
  for (const NodeHealth& h : cluster_status(state)) EXPECT_TRUE(h.ok()) << h.error;
}

}  // namespace
}  // namespace faultline
