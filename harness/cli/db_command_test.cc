// `faultline db start|status|stop` end to end: the real binary on a real
// local cluster. Needs root (CI has it): skipped with the reason otherwise,
// failed when CI is set.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "base/exit_codes.h"
#include "harness/nodes/process.h"
#include "harness/nodes/test_cluster.h"
#include "spawn/spawn.h"
#include "targets/resp/resp_client.h"
#include "tests/support/require.h"

namespace faultline {
namespace {

CommandResult faultline_db(const TestCluster& cluster, std::vector<std::string> args) {
  args.insert(args.begin(), {FAULTLINE_BIN, "db"});
  args.insert(args.end(), {"--name", cluster.state().name, "--root", cluster.root()});
  CommandResult r;
  Status st = run_command(args, std::chrono::seconds(60), &r);
  EXPECT_TRUE(st.is_ok()) << st.message();
  return r;
}

size_t count(const std::string& text, const std::string& part) {
  size_t n = 0;
  for (size_t at = text.find(part); at != std::string::npos; at = text.find(part, at + 1)) ++n;
  return n;
}

TEST(DbCommandTest, StartStatusWriteStopStatus) {
  const std::string why = cluster_tests_unavailable();
  FAULTLINE_REQUIRE(why.empty(), why);
  std::unique_ptr<TestCluster> cluster;
  Status st = TestCluster::start(3, 'h', &cluster);
  ASSERT_TRUE(st.is_ok()) << st.message();

  CommandResult r = faultline_db(*cluster, {"start", "--client-port", "7100"});
  EXPECT_EQ(r.exit_status, exit_code::kUsage) << r.stderr_text;
  EXPECT_NE(r.stderr_text.find("must differ"), std::string::npos) << r.stderr_text;

  // The binary is found in faultline's build tree (no --binary).
  r = faultline_db(*cluster, {"start", "--target", "raftkv"});
  ASSERT_EQ(r.exit_status, exit_code::kValid) << r.stdout_text << r.stderr_text;
  EXPECT_NE(r.stdout_text.find("redis-cli -h " + cluster->state().nodes[0].address + " -p 7000"),
            std::string::npos)
      << r.stdout_text;

  r = faultline_db(*cluster, {"status"});
  ASSERT_EQ(r.exit_status, exit_code::kValid) << r.stdout_text << r.stderr_text;
  EXPECT_EQ(count(r.stdout_text, "follower"), 2u) << r.stdout_text;
  // The leader is the node whose status line says so; a write through it commits.
  std::string leader_address;
  int leaders = 0;
  std::istringstream lines(r.stdout_text);
  for (std::string node, where, role; lines >> node >> where >> role;) {
    if (role == "leader") {
      ++leaders;
      leader_address = where.substr(0, where.find(':'));
    }
    std::getline(lines, role);  // the rest of the line
  }
  ASSERT_EQ(leaders, 1) << r.stdout_text;
  RespReply reply;
  ASSERT_TRUE(resp_command(leader_address, 7000, {"SET", "k", "v"}, std::chrono::seconds(2), &reply)
                  .is_ok());
  EXPECT_EQ(reply.text, "OK");

  r = faultline_db(*cluster, {"stop"});
  ASSERT_EQ(r.exit_status, exit_code::kValid) << r.stdout_text << r.stderr_text;
  r = faultline_db(*cluster, {"status"});
  EXPECT_EQ(r.exit_status, exit_code::kInfrastructure) << r.stdout_text;
  EXPECT_EQ(count(r.stdout_text, "DOWN"), 3u) << r.stdout_text;
  for (const LocalNode& n : cluster->state().nodes)
    EXPECT_TRUE(pids_with_cmdline_containing({"faultline-raftkv", n.address}).empty()) << n.name;
}

// The same commands on real hosts listed in a nodes file take the same SSH
// path; here the "hosts" are a local cluster's nodes, described in a file.
TEST(DbCommandTest, NodesFileStartStatusStop) {
  const std::string why = cluster_tests_unavailable();
  FAULTLINE_REQUIRE(why.empty(), why);
  std::unique_ptr<TestCluster> cluster;
  Status st = TestCluster::start(3, 'f', &cluster);
  ASSERT_TRUE(st.is_ok()) << st.message();
  const std::string nodes_file = cluster->root() + "/nodes.toml";
  {
    std::ofstream f(nodes_file);
    f << "known_hosts = \"" << cluster->state().known_hosts << "\"\n";
    for (const LocalNode& n : cluster->state().nodes)
      f << "[[node]]\nname = \"" << n.name << "\"\nhost = \"" << n.address << "\"\nkey = \""
        << cluster->state().client_key << "\"\n";
  }
  auto db = [&](std::vector<std::string> args) {
    args.insert(args.begin(), {FAULTLINE_BIN, "db"});
    args.insert(args.end(), {"--nodes-file", nodes_file});
    CommandResult r;
    Status s = run_command(args, std::chrono::seconds(60), &r);
    EXPECT_TRUE(s.is_ok()) << s.message();
    return r;
  };
  CommandResult r = db({"start"});
  ASSERT_EQ(r.exit_status, exit_code::kValid) << r.stdout_text << r.stderr_text;
  EXPECT_NE(r.stdout_text.find("nodes file " + nodes_file + " (3 nodes)"), std::string::npos)
      << r.stdout_text;
  r = db({"status"});
  EXPECT_EQ(r.exit_status, exit_code::kValid) << r.stdout_text << r.stderr_text;
  EXPECT_EQ(count(r.stdout_text, "follower"), 2u) << r.stdout_text;
  r = db({"stop"});
  EXPECT_EQ(r.exit_status, exit_code::kValid) << r.stdout_text << r.stderr_text;
  // A broken nodes file is a clear error naming its line.
  std::ofstream(nodes_file) << "[[node]]\nname = \"n1\"\n";
  r = db({"status"});
  EXPECT_EQ(r.exit_status, exit_code::kMalformed) << r.stdout_text << r.stderr_text;
  EXPECT_NE(r.stderr_text.find(nodes_file + ":1:"), std::string::npos) << r.stderr_text;
}

}  // namespace
}  // namespace faultline
