// RaftkvDb end to end on a real local cluster (namespaces, sshd): deploy,
// elect, write, kill the leader over SSH, re-elect, read, logs, stop, down.
// Needs root (CI has it): skipped with the reason otherwise, failed when CI is set.
#include "harness/db/raftkv_db.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "harness/db/db_testing.h"
#include "harness/nodes/local_cluster.h"
#include "harness/nodes/node_setup.h"
#include "harness/nodes/process.h"
#include "harness/nodes/test_cluster.h"
#include "spawn/spawn.h"
#include "tests/support/require.h"

namespace faultline {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

TEST(RespClientTest, ParseInfoSkipsHeadersAndBlankLines) {
  const auto fields =
      parse_info("# Raft\r\nrole:leader\r\nterm:3\r\n\r\nleader_client_addr:h:1\r\n");
  ASSERT_EQ(fields.size(), 3u);
  EXPECT_EQ(fields.at("role"), "leader");
  EXPECT_EQ(fields.at("term"), "3");
  EXPECT_EQ(fields.at("leader_client_addr"), "h:1");  // only the first colon splits
}

TEST(RespClientTest, EncodeCommandIsAnArrayOfBulkStrings) {
  using namespace std::string_literals;  // the bulk string holds a NUL and a CRLF
  EXPECT_EQ(encode_command({"SET", "k", "a\0b\r\n"s}),
            "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$5\r\na\0b\r\n\r\n"s);
  EXPECT_EQ(encode_command({}), "*0\r\n");
}

std::string read_text(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

TEST(RaftkvDbTest, DeployElectKillLeaderReelectLogsStopDown) {
  const std::string why = cluster_tests_unavailable();
  FAULTLINE_REQUIRE(why.empty(), why);
  // Declared in this order so that they go in reverse: the DB handle, the SSH
  // sessions, then the cluster (down, even when an assertion returns early).
  std::unique_ptr<TestCluster> cluster;
  Status st = TestCluster::start(3, 'g', &cluster);
  ASSERT_TRUE(st.is_ok()) << st.message();
  const ClusterState state = cluster->state();
  auto pool = std::make_unique<SshPool>(cluster_ssh_options(state));
  for (const SshTarget& t : cluster_targets(state)) ASSERT_TRUE(pool->add(t).is_ok());
  RaftkvOptions options;
  options.binary = FAULTLINE_RAFTKV_BINARY;
  options.election_ms = 500;
  options.heartbeat_ms = 50;
  auto db = std::make_unique<RaftkvDb>(*pool, cluster_targets(state), options);

  st = deploy(*db);
  ASSERT_TRUE(st.is_ok()) << st.message();
  // A second start is refused: the pidfile names a live server.
  st = db->start("n1");
  EXPECT_FALSE(st.is_ok());
  EXPECT_NE(st.message().find("already running"), std::string::npos) << st.message();
  // So is wiping a running node's data.
  st = db->wipe("n1");
  EXPECT_EQ(st.code(), Status::Code::kInvalidArgument) << st.message();

  std::string leader;
  st = wait_for_primary(*db, seconds(10), &leader);
  ASSERT_TRUE(st.is_ok()) << st.message();
  std::map<std::string, std::string> info;
  ASSERT_TRUE(db->info(leader, &info).is_ok());
  EXPECT_EQ(info["role"], "leader");
  EXPECT_EQ(info["leader_client_addr"], db->client_host(leader) + ":7000");

  EXPECT_EQ(command(*db, leader, {"SET", "k", "v1"}).text, "OK");
  EXPECT_EQ(command(*db, leader, {"GET", "k"}).text, "v1");
  for (const std::string& n : db->nodes()) {
    if (n == leader) continue;
    const RespReply r = command(*db, n, {"GET", "k"});
    EXPECT_EQ(r.kind, RespReply::Kind::kError);
    EXPECT_EQ(r.text, "NOTLEADER " + db->client_host(leader) + ":7000");
  }

  ASSERT_TRUE(db->kill(leader).is_ok());
  bool running = true;
  ASSERT_TRUE(daemon_running(*pool, leader, db->daemon(), &running).is_ok());
  EXPECT_FALSE(running);
  const auto killed_at = std::chrono::steady_clock::now();
  std::string next;
  st = wait_for_primary(*db, seconds(10), &next);
  ASSERT_TRUE(st.is_ok()) << st.message();
  EXPECT_NE(next, leader);
  EXPECT_LT(std::chrono::steady_clock::now() - killed_at, seconds(10));
  EXPECT_EQ(command(*db, next, {"GET", "k"}).text, "v1");

  // Pause and resume the surviving follower: its process is stopped (T), then
  // runs again, and the two survivors commit a write.
  const std::string proc_state =
      "p=$(cat " + db->daemon().pidfile + ") && cut -d' ' -f3 /proc/$p/stat";
  for (const std::string& n : db->nodes()) {
    if (n == leader || n == next) continue;
    std::string out;
    ASSERT_TRUE(db->pause(n).is_ok());
    ASSERT_TRUE(exec_checked(*pool, n, proc_state, seconds(5), &out).is_ok());
    EXPECT_EQ(out, "T\n");
    ASSERT_TRUE(db->resume(n).is_ok());
    ASSERT_TRUE(exec_checked(*pool, n, proc_state, seconds(5), &out).is_ok());
    EXPECT_NE(out, "T\n");
  }
  EXPECT_EQ(command(*db, next, {"SET", "k", "v2"}).text, "OK");

  const std::string logs = cluster->root() + "/logs";
  for (const std::string& n : db->nodes()) {
    st = db->download_logs(n, logs + "/" + n);
    ASSERT_TRUE(st.is_ok()) << st.message();
    const std::string text = read_text(logs + "/" + n + "/raftkv.log");
    EXPECT_NE(text.find("serving clients on " + db->client_host(n) + ":7000"), std::string::npos)
        << n << ": " << text;
  }

  ASSERT_NO_FATAL_FAILURE(stop_and_wipe(*db, *pool));

  db.reset();
  pool.reset();
  st = cluster_down(cluster->root(), state.name);
  ASSERT_TRUE(st.is_ok()) << st.message();
  EXPECT_TRUE(list_netns(netns_prefix(state.name)).empty());
  EXPECT_TRUE(list_links(link_prefix(state.name)).empty());
  for (const LocalNode& n : state.nodes) {
    EXPECT_FALSE(process_alive(n.sshd_pid)) << n.name;
    EXPECT_TRUE(pids_with_cmdline_containing({"faultline-raftkv", n.address}).empty()) << n.name;
  }
  EXPECT_FALSE(std::filesystem::exists(state.dir));
}

}  // namespace
}  // namespace faultline
