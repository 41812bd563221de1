// `faultline cluster ...` end to end: the real binary, real namespaces, real
// sshd. Needs root (CI has it): skipped with the reason otherwise, failed when
// CI is set. The usage tests (ClusterCommandUsageTest) need neither.
#include <gtest/gtest.h>
#include <signal.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include "base/exit_codes.h"
#include "harness/nodes/local_cluster.h"
#include "harness/nodes/node_setup.h"
#include "harness/nodes/test_cluster.h"
#include "spawn/spawn.h"
#include "tests/support/require.h"

namespace faultline {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

CommandResult faultline_cli(std::vector<std::string> args) {
  args.insert(args.begin(), FAULTLINE_BIN);
  CommandResult r;
  Status st = run_command(args, std::chrono::seconds(60), &r);
  EXPECT_TRUE(st.is_ok()) << st.message();
  return r;
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// A root directory and cluster name whose cluster is removed when the test
// ends, however it ends.
struct ClusterGuard {
  std::string root = make_test_root();
  std::string name;
  explicit ClusterGuard(char tag) : name(test_cluster_name(tag)) { become_subreaper(); }
  ~ClusterGuard() {
    Status st = cluster_down(root, name);
    if (!st.is_ok()) ADD_FAILURE() << "cleanup: " << st.message();
    std::error_code ec;
    std::filesystem::remove_all(root, ec);
    reap_zombies();
  }
  void expect_nothing_left() const {
    EXPECT_TRUE(list_netns(netns_prefix(name)).empty());
    EXPECT_TRUE(list_links(link_prefix(name)).empty());
    EXPECT_FALSE(std::filesystem::exists(cluster_dir(root, name)));
  }
};

class ClusterCommandTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string why = cluster_tests_unavailable();
    FAULTLINE_REQUIRE(why.empty(), why);
  }
};

TEST_F(ClusterCommandTest, UpStatusDownOfFiveNodes) {
  ClusterGuard g('u');
  auto start = Clock::now();
  CommandResult r =
      faultline_cli({"cluster", "up", "--nodes", "5", "--name", g.name, "--root", g.root});
  const double up_s = seconds_since(start);
  ASSERT_EQ(r.exit_status, exit_code::kValid) << r.stderr_text;
  EXPECT_TRUE(contains(r.stdout_text, "5 nodes on 10.")) << r.stdout_text;

  r = faultline_cli({"cluster", "status", "--name", g.name, "--root", g.root});
  EXPECT_EQ(r.exit_status, exit_code::kValid) << r.stdout_text << r.stderr_text;
  EXPECT_TRUE(contains(r.stdout_text, "n5    ")) << r.stdout_text;
  EXPECT_TRUE(contains(r.stdout_text, "5 of 5 nodes ok")) << r.stdout_text;

  start = Clock::now();
  r = faultline_cli({"cluster", "down", "--name", g.name, "--root", g.root});
  const double down_s = seconds_since(start);
  EXPECT_EQ(r.exit_status, exit_code::kValid) << r.stderr_text;
  g.expect_nothing_left();
  std::cout << "cluster up of 5 nodes: " << up_s << " s, down: " << down_s << " s\n";
  // Goals: up < 3 s, down < 2 s; the bounds leave room for a loaded CI machine.
  EXPECT_LT(up_s, 10.0);
  EXPECT_LT(down_s, 6.0);

  r = faultline_cli({"cluster", "status", "--name", g.name, "--root", g.root});
  EXPECT_EQ(r.exit_status, exit_code::kInfrastructure);
  EXPECT_TRUE(contains(r.stderr_text, "no cluster '" + g.name + "'")) << r.stderr_text;
}

TEST_F(ClusterCommandTest, DownCleansUpAfterUpWasKilledMidway) {
  ClusterGuard g('k');
  const std::vector<std::string> args = {FAULTLINE_BIN, "cluster", "up",     "--nodes", "4",
                                         "--name",      g.name,    "--root", g.root};
  for (int delay_ms : {30, 120}) {
    SCOPED_TRACE("killed after " + std::to_string(delay_ms) + " ms");
    pid_t pid = 0;
    Status st = spawn_child(args, {"/dev/null", "/dev/null"}, &pid);
    ASSERT_TRUE(st.is_ok()) << st.message();
    std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms));
    kill_child(pid, SIGKILL);
    CommandResult r = faultline_cli({"cluster", "down", "--name", g.name, "--root", g.root});
    EXPECT_EQ(r.exit_status, exit_code::kValid) << r.stderr_text;
    g.expect_nothing_left();
  }
}

TEST_F(ClusterCommandTest, NodesFileChecksRealHostsAndFailsFast) {
  std::unique_ptr<TestCluster> cluster;
  Status st = TestCluster::start(1, 'n', &cluster);
  ASSERT_TRUE(st.is_ok()) << st.message();
  const ClusterState& state = cluster->state();
  const std::string file = cluster->root() + "/nodes.toml";
  auto write_nodes = [&](int port, const std::string& key) {
    std::ofstream(file) << "known_hosts = \"" << state.known_hosts << "\"\n[[node]]\n"
                        << "name = \"db1\"\nhost = \"" << state.nodes[0].address << "\"\n"
                        << "port = " << port << "\nkey = \"" << key << "\"\n";
  };

  write_nodes(22, state.client_key);
  CommandResult r = faultline_cli({"cluster", "status", "--nodes-file", file});
  EXPECT_EQ(r.exit_status, exit_code::kValid) << r.stdout_text << r.stderr_text;
  EXPECT_TRUE(contains(r.stdout_text, "ok (hostname n1)")) << r.stdout_text;
  if (!std::filesystem::exists("/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1")) {
    r = faultline_cli({"cluster", "status", "--nodes-file", file, "--require-faketime"});
    EXPECT_EQ(r.exit_status, exit_code::kInfrastructure);
    EXPECT_TRUE(contains(r.stdout_text, "missing: libfaketime")) << r.stdout_text;
  }

  // Nothing listens on port 2222 inside the node: refused at once.
  write_nodes(2222, state.client_key);
  auto start = Clock::now();
  r = faultline_cli({"cluster", "status", "--nodes-file", file});
  EXPECT_EQ(r.exit_status, exit_code::kInfrastructure);
  EXPECT_TRUE(contains(r.stdout_text, "db1")) << r.stdout_text;
  EXPECT_TRUE(contains(r.stdout_text, "cannot connect to port 2222")) << r.stdout_text;
  EXPECT_LT(seconds_since(start), 3.0);

  const std::string other_key = cluster->root() + "/other_key";
  ASSERT_TRUE(run_checked({"ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", other_key},
                          std::chrono::seconds(10))
                  .is_ok());
  write_nodes(22, other_key);
  start = Clock::now();
  r = faultline_cli({"cluster", "status", "--nodes-file", file});
  EXPECT_EQ(r.exit_status, exit_code::kInfrastructure);
  EXPECT_TRUE(contains(r.stdout_text, "authentication as root with key " + other_key))
      << r.stdout_text;
  EXPECT_LT(seconds_since(start), 3.0);
}

// Pure: usage errors need no cluster and no root.
TEST(ClusterCommandUsageTest, BadNodesFilesAreUsageErrors) {
  const std::string dir = make_test_root();
  const std::string file = dir + "/nodes.toml";
  std::ofstream(file) << "[[node]]\nname = \"db1\"\nkey = \"k\"\n";
  CommandResult r = faultline_cli({"cluster", "status", "--nodes-file", file});
  EXPECT_EQ(r.exit_status, exit_code::kUsage);
  EXPECT_TRUE(contains(r.stderr_text, file + ":1: node 'db1' has no 'host'")) << r.stderr_text;
  std::ofstream(file) << "[[node]]\nname = \"db1\"\nhost = \"h\"\nkey = \"k\"\nport = \"22\"\n";
  r = faultline_cli({"cluster", "status", "--nodes-file", file});
  EXPECT_EQ(r.exit_status, exit_code::kUsage);
  EXPECT_TRUE(contains(r.stderr_text, file + ":5: ")) << r.stderr_text;
  r = faultline_cli({"cluster", "status", "--nodes-file", dir + "/absent.toml"});
  EXPECT_EQ(r.exit_status, exit_code::kNoInput);
  r = faultline_cli({"cluster", "up", "--nodes-file", file});
  EXPECT_EQ(r.exit_status, exit_code::kUsage);
  std::filesystem::remove_all(dir);
}

TEST(ClusterCommandUsageTest, BadArgumentsAreUsageErrors) {
  CommandResult r = faultline_cli({"cluster", "up", "--nodes", "0"});
  EXPECT_EQ(r.exit_status, exit_code::kUsage);
  r = faultline_cli({"cluster", "up", "--name", "Bad_Name", "--root", "/nonexistent-root"});
  EXPECT_EQ(r.exit_status, exit_code::kUsage);
  EXPECT_TRUE(contains(r.stderr_text, "bad cluster name 'Bad_Name'")) << r.stderr_text;
  r = faultline_cli({"cluster", "down", "--subnet", "10.77.0.0/24"});
  EXPECT_EQ(r.exit_status, exit_code::kUsage);
}

// As nobody (setpriv needs root to switch): no capabilities. Nothing may be
// created, and the message says why.
TEST_F(ClusterCommandTest, MissingPrivilegesAreExplained) {
  const std::string root = make_test_root();
  CommandResult nobody;
  ASSERT_TRUE(run_command({"setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                           FAULTLINE_BIN, "cluster", "up", "--name", "nopriv", "--root", root},
                          std::chrono::seconds(30), &nobody)
                  .is_ok());
  EXPECT_EQ(nobody.exit_status, exit_code::kInfrastructure) << nobody.stderr_text;
  EXPECT_TRUE(contains(nobody.stderr_text, "CAP_NET_ADMIN")) << nobody.stderr_text;
  EXPECT_TRUE(contains(nobody.stderr_text, "Run as root")) << nobody.stderr_text;
  EXPECT_TRUE(std::filesystem::is_empty(root));
  std::filesystem::remove_all(root);
}

}  // namespace
}  // namespace faultline
