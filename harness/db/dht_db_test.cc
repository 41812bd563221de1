// DhtDb: option parsing, and end to end on a real local cluster (namespaces,
// sshd): deploy 3 nodes (N = 3, abd, under libfaketime), write and read
// through different nodes, kill one over SSH and keep being served, stop,
// wipe, down. The cluster test needs root (CI has it): it is skipped with the
// reason otherwise, failed when CI is set.
#include "harness/db/dht_db.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "harness/db/db_testing.h"
#include "harness/nodes/local_cluster.h"
#include "harness/nodes/node_setup.h"
#include "harness/nodes/process.h"
#include "harness/nodes/test_cluster.h"
#include "tests/support/require.h"

namespace faultline {
namespace {

using std::chrono::seconds;
using testing::HasSubstr;

TEST(DhtOptionsTest, ParsesEveryKeyAndRefusesUnknownOnes) {
  DhtOptions o;
  Status st = parse_dht_options({{"mode", "eventual"},
                                 {"r", "1"},
                                 {"w", "1"},
                                 {"replicas", "3"},
                                 {"vnodes", "64"},
                                 {"timeout-ms", "300"},
                                 {"faketime", "true"},
                                 {"diskfs", "true"}},
                                &o);
  ASSERT_TRUE(st.is_ok()) << st.message();
  EXPECT_TRUE(o.faketime);
  EXPECT_EQ(o.diskfs, "strict");
  EXPECT_EQ(o.mode, "eventual");
  EXPECT_EQ(o.r, 1);
  EXPECT_EQ(o.w, 1);
  EXPECT_EQ(o.vnodes, 64);
  EXPECT_EQ(o.timeout_ms, 300);
  SshPool pool{SshOptions{}};  // never connects: server_args needs no node
  std::vector<SshTarget> targets(2);
  targets[0].node = "n1";
  targets[0].host = "10.0.0.1";
  targets[1].node = "n2";
  targets[1].host = "10.0.0.2";
  DhtDb db(pool, targets, o);
  const std::vector<std::string> args = db.server_args("n2");
  const std::vector<std::string> expected = {"--id",          "2",
                                             "--nodes",       "1=10.0.0.1:7200,2=10.0.0.2:7200",
                                             "--client-addr", "10.0.0.2:7000",
                                             "--data-dir",    "/root/dht/data",
                                             "--mode",        "eventual",
                                             "--replicas",    "3",
                                             "--vnodes",      "64",
                                             "--timeout-ms",  "300",
                                             "--r",           "1",
                                             "--w",           "1"};
  EXPECT_EQ(args, expected);
  EXPECT_EQ(db.faketime_file(), "/root/dht/faketime.rc");
  EXPECT_EQ(db.daemon().env.at(0), std::string("LD_PRELOAD=") + kLibfaketimePath);
  // An unknown node is refused before anything is sent to it.
  EXPECT_EQ(db.client_host("n9"), "");
  st = db.start("n9");
  EXPECT_EQ(st.code(), Status::Code::kInvalidArgument);
  EXPECT_THAT(st.message(), HasSubstr("dht: unknown node 'n9'"));

  DhtOptions d;
  EXPECT_THAT(parse_dht_options({{"quorum", "2"}}, &d).message(),
              HasSubstr("--opt quorum: unknown option for target dht (known: mode, r, w"));
  EXPECT_THAT(parse_dht_options({{"mode", "raft"}}, &d).message(),
              HasSubstr("expected abd or eventual"));
  EXPECT_THAT(parse_dht_options({{"r", "1"}}, &d).message(), HasSubstr("mode abd always"));
  EXPECT_THAT(parse_dht_options({{"mode", "eventual"}, {"w", "4"}}, &d).message(),
              HasSubstr("expected at most replicas (3)"));
  EXPECT_THAT(parse_dht_options({{"vnodes", "x"}}, &d).message(),
              HasSubstr("--opt vnodes=x: expected an integer"));
  EXPECT_THAT(parse_dht_options({{"faketime", "yes"}}, &d).message(),
              HasSubstr("--opt faketime=yes: expected true or false"));
  EXPECT_THAT(parse_dht_options({{"diskfs", "1"}}, &d).message(),
              HasSubstr("--opt diskfs=1: expected false or true or strict or ext4 for target dht"));
  EXPECT_EQ(d.mode, "abd");  // a failed parse leaves the options as they were
}

TEST(DhtDbTest, DeployWriteReadThroughEveryNodeKillOneStopWipeDown) {
  const std::string why = cluster_tests_unavailable();
  FAULTLINE_REQUIRE(why.empty(), why);
  // Declared in this order so that they go in reverse: the DB handle, the SSH
  // sessions, then the cluster (down, even when an assertion returns early).
  std::unique_ptr<TestCluster> cluster;
  Status st = TestCluster::start(3, 'q', &cluster);
  ASSERT_TRUE(st.is_ok()) << st.message();
  const ClusterState state = cluster->state();
  auto pool = std::make_unique<SshPool>(cluster_ssh_options(state));
  for (const SshTarget& t : cluster_targets(state)) ASSERT_TRUE(pool->add(t).is_ok());
  DhtOptions options;
  options.binary = FAULTLINE_DHT_BINARY;
  options.timeout_ms = 500;
  options.faketime = true;  // clock faults apply to dht too
  auto db = std::make_unique<DhtDb>(*pool, cluster_targets(state), options);

  st = deploy(*db);
  ASSERT_TRUE(st.is_ok()) << st.message();
  // Each server runs under libfaketime, reading the "+0" offset setup wrote.
  for (const std::string& n : db->nodes()) {
    std::string out;
    ASSERT_TRUE(exec_checked(*pool, n,
                             "cat " + db->faketime_file() + "; tr '\\0' '\\n' </proc/$(cat " +
                                 db->daemon().pidfile + ")/environ",
                             seconds(5), &out)
                    .is_ok());
    EXPECT_EQ(out.substr(0, 3), "+0\n") << n;
    EXPECT_THAT(out, HasSubstr(std::string("LD_PRELOAD=") + kLibfaketimePath)) << n;
    EXPECT_THAT(out, HasSubstr("FAKETIME_TIMESTAMP_FILE=" + db->faketime_file())) << n;
  }
  std::vector<std::string> primaries = {"stale"};
  ASSERT_TRUE(db->primaries(&primaries).is_ok());
  EXPECT_TRUE(primaries.empty());  // no leader: every node coordinates
  std::map<std::string, std::string> info;
  ASSERT_TRUE(db->info("n2", &info).is_ok());
  EXPECT_EQ(info["mode"], "abd");
  EXPECT_EQ(info["ring_size"], "3");

  const std::vector<std::string> nodes = db->nodes();
  for (size_t i = 0; i < 9; ++i) {
    const std::string key = "k" + std::to_string(i);
    EXPECT_EQ(command(*db, nodes[i % 3], {"SET", key, "v" + std::to_string(i)}).text, "OK");
    EXPECT_EQ(command(*db, nodes[(i + 1) % 3], {"GET", key}).text, "v" + std::to_string(i));
  }

  ASSERT_TRUE(db->kill("n1").is_ok());
  bool running = true;
  ASSERT_TRUE(db->running("n1", &running).is_ok());
  EXPECT_FALSE(running);
  for (size_t i = 0; i < 9; ++i) {  // N = 3, quorum 2: n2 and n3 serve everything
    const std::string key = "k" + std::to_string(i);
    EXPECT_EQ(command(*db, nodes[1 + i % 2], {"GET", key}).text, "v" + std::to_string(i));
    EXPECT_EQ(command(*db, nodes[1 + (i + 1) % 2], {"SET", key, "w"}).text, "OK");
  }
  ASSERT_TRUE(db->kill("n2").is_ok());  // one of three left: no quorum
  const RespReply unavailable = command(*db, "n3", {"GET", "k0"});
  EXPECT_EQ(unavailable.kind, RespReply::Kind::kError);
  EXPECT_THAT(unavailable.text, HasSubstr("UNAVAILABLE read of key 'k0'"));

  const std::string logs = cluster->root() + "/logs";
  ASSERT_TRUE(db->download_logs("n3", logs + "/n3").is_ok());
  std::ifstream log(logs + "/n3/dht.log");
  std::ostringstream text;
  text << log.rdbuf();
  EXPECT_THAT(text.str(), HasSubstr("serving clients on " + db->client_host("n3") + ":7000"));

  ASSERT_NO_FATAL_FAILURE(stop_and_wipe(*db, *pool));

  db.reset();
  pool.reset();
  st = cluster_down(cluster->root(), state.name);
  ASSERT_TRUE(st.is_ok()) << st.message();
  for (const LocalNode& n : state.nodes) {
    EXPECT_TRUE(pids_with_cmdline_containing({"faultline-dht", n.address}).empty()) << n.name;
  }
}

}  // namespace
}  // namespace faultline
