// Starts real faultline-paxos processes on 127.0.0.1 and checks what a client
// sees: any node serves any key with raftkv's KV semantics (SET, GET, DEL,
// CAS, INCRBY); the keys stay served when a node is killed, and become
// -UNAVAILABLE when the quorum is gone; acknowledged writes survive kill -9
// of every node; commands across keys are refused; INFO; redis-cli; SIGTERM;
// the crash point `promise`, armed only with --allow-crashpoints, kills an
// acceptor right after a promise that preempted another node's open round left.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/local_servers.h"
#include "tests/support/require.h"

namespace faultline::paxos {
namespace {

using testing::HasSubstr;
using testing::StartsWith;

class PaxosCluster : public ::testing::Test {
 protected:
  void start_cluster(size_t count) {
    servers_.add_nodes(count);
    for (size_t i = 0; i < servers_.size(); ++i) ASSERT_TRUE(start(i));
    for (size_t i = 0; i < servers_.size(); ++i) {
      ASSERT_TRUE(servers_.wait_serving(i)) << "node " << i + 1;
    }
  }

  ::testing::AssertionResult start(size_t i) {
    std::vector<std::string> args(
        {FAULTLINE_PAXOS_BINARY, "--id", std::to_string(servers_.node(i).id), "--nodes",
         servers_.peer_addresses(), "--client-addr", servers_.client_addr(i), "--data-dir",
         servers_.data_dir(i), "--timeout-ms", "500", "--retry-ms", "20"});
    if (allow_crashpoints_) args.push_back("--allow-crashpoints");
    return servers_.start(i, args);
  }

  LocalServers servers_{"paxos-test"};
  bool allow_crashpoints_ = false;
};

TEST_F(PaxosCluster, ServesEveryCommandThroughEveryNodeAndSurvivesAKill) {
  start_cluster(3);
  constexpr int kKeys = 20;
  for (int k = 0; k < kKeys; ++k) {
    const std::string key = "key" + std::to_string(k);
    ASSERT_EQ(servers_.command(k % 3, {"SET", key, "v" + std::to_string(k)}), "+OK") << key;
  }
  for (int k = 0; k < kKeys; ++k) {
    EXPECT_EQ(servers_.command((k + 1) % 3, {"GET", "key" + std::to_string(k)}),
              "$v" + std::to_string(k));
  }
  EXPECT_EQ(servers_.command(0, {"CAS", "key0", "v0", "w0"}), ":1");
  EXPECT_EQ(servers_.command(1, {"CAS", "key0", "v0", "x0"}), ":0");
  EXPECT_EQ(servers_.command(2, {"INCRBY", "n", "5"}), ":5");
  servers_.kill(0);  // quorum 2 of 3 remains
  for (int k = 0; k < kKeys; ++k) {
    const std::string key = "key" + std::to_string(k);
    EXPECT_EQ(servers_.command(1 + k % 2, {"SET", key, "u" + std::to_string(k)}), "+OK") << key;
  }
  EXPECT_EQ(servers_.command(1, {"INCRBY", "n", "2"}), ":7");
  EXPECT_EQ(servers_.command(2, {"GET", "key0"}), "$u0");
  ASSERT_TRUE(start(0));  // back with its acceptor log; a quorum's promises bring it up to date
  ASSERT_TRUE(servers_.wait_serving(0));
  for (int k = 0; k < kKeys; ++k) {
    EXPECT_EQ(servers_.command(0, {"GET", "key" + std::to_string(k)}), "$u" + std::to_string(k));
  }
  EXPECT_EQ(servers_.command(0, {"DEL", "key0"}), ":1");
  EXPECT_EQ(servers_.command(2, {"GET", "key0"}), "$nil");
}

TEST_F(PaxosCluster, WithoutAQuorumAnswersUnavailableAndAcknowledgedWritesSurviveKillNine) {
  start_cluster(3);
  ASSERT_EQ(servers_.command(0, {"SET", "k", "before"}), "+OK");
  servers_.kill(1);
  servers_.kill(2);
  // A key node 0 never wrote: its proposal needs a prepare (on "k" it would
  // skip it, and the acceptor it has left would hold the indeterminate value).
  EXPECT_THAT(servers_.command(0, {"SET", "k2", "lost?"}),
              StartsWith("-UNAVAILABLE proposal on key 'k2': the prepare phase"));
  EXPECT_THAT(servers_.command(0, {"GET", "k"}), HasSubstr("its effect is unknown"));
  servers_.kill(0);  // kill -9 everything: only the acceptor logs remain
  for (size_t i = 0; i < 3; ++i) ASSERT_TRUE(start(i));
  for (size_t i = 0; i < 3; ++i) ASSERT_TRUE(servers_.wait_serving(i));
  EXPECT_EQ(servers_.command(2, {"GET", "k"}), "$before");
}

TEST_F(PaxosCluster, RespDetailsAndCrossKeyRefusals) {
  start_cluster(3);
  EXPECT_EQ(servers_.command(0, {"PING"}), "+PONG");
  EXPECT_EQ(servers_.command(0, {"ECHO", "hello"}), "$hello");
  EXPECT_EQ(servers_.command(0, {"CONFIG", "GET", "appendonly"}), "*[$appendonly,$no]");
  EXPECT_THAT(servers_.command(0, {"GET"}), StartsWith("-ERR wrong number of arguments"));
  EXPECT_THAT(servers_.command(0, {"NOPE"}), StartsWith("-ERR unknown command"));
  EXPECT_THAT(servers_.command(0, {"MULTI"}), HasSubstr("MULTI/EXEC is not supported"));
  EXPECT_THAT(servers_.command(0, {"DEL", "a", "b"}), HasSubstr("; not applied"));
  EXPECT_THAT(servers_.command(0, {"MGET", "a", "b"}), HasSubstr("; not applied"));
  EXPECT_EQ(servers_.command(0, {"SADD", "s", "x", "y"}), ":2");
  EXPECT_EQ(servers_.command(1, {"SMEMBERS", "s"}), "*[$x,$y]");
  EXPECT_THAT(servers_.command(2, {"GET", "s"}), StartsWith("-WRONGTYPE"));
  EXPECT_THAT(servers_.command(2, {"INCRBY", "s", "1"}), StartsWith("-WRONGTYPE"));
  const std::string info = servers_.command(1, {"INFO"});
  EXPECT_THAT(info, HasSubstr("role:proposer"));
  EXPECT_THAT(info, HasSubstr("ballot:"));
  EXPECT_THAT(info, HasSubstr("failpoints:none"));
  EXPECT_EQ(servers_.terminate(0), 0);  // SIGTERM: a clean exit
}

TEST_F(PaxosCluster, CrashPointsAreRefusedWithoutTheFlag) {
  start_cluster(3);
  EXPECT_EQ(servers_.command(0, {"DEBUG", "CRASHPOINT", "promise", "100"}),
            "-ERR crash points are disabled: start the server with --allow-crashpoints");
  EXPECT_EQ(servers_.command(0, {"SET", "k", "v"}), "+OK");
  EXPECT_EQ(servers_.wait_exit(0, std::chrono::milliseconds(300)), -1);  // still running
}

// Node 1 armed at 100%. A write through node 2 leaves node 2's round open at
// node 1 (its one-round-trip lease: node 1 accepted b and promised next(b));
// a write through node 3 prepares, and node 1's promise preempts that round:
// node 1 sends it and dies by SIGKILL; the write still completes on nodes 2
// and 3. Restarted, it is disarmed; SIGUSR1 disarms a running node.
TEST_F(PaxosCluster, AnArmedAcceptorDiesRightAfterAPromiseThatPreempts) {
  allow_crashpoints_ = true;
  start_cluster(3);
  EXPECT_EQ(servers_.command(0, {"DEBUG", "CRASHPOINT", "vote", "5"}),
            "-ERR unknown crash point 'vote' (known: promise)");
  ASSERT_EQ(servers_.command(0, {"DEBUG", "CRASHPOINT", "promise", "100"}), "+OK");
  EXPECT_EQ(servers_.command(0, {"DEBUG", "CRASHPOINT"}), "$promise:100\r\n");
  EXPECT_EQ(servers_.command(1, {"SET", "k", "u"}), "+OK");  // preempts nothing
  EXPECT_EQ(servers_.wait_exit(0, std::chrono::milliseconds(300)), -1);
  EXPECT_EQ(servers_.command(2, {"SET", "k", "v"}), "+OK");
  EXPECT_EQ(servers_.wait_exit(0), 128 + SIGKILL);
  std::ifstream log(servers_.log_path(0));
  const std::string text((std::istreambuf_iterator<char>(log)), std::istreambuf_iterator<char>());
  EXPECT_THAT(text, HasSubstr("crash point promise: crashing"));

  ASSERT_TRUE(start(0));
  ASSERT_TRUE(servers_.wait_serving(0));
  EXPECT_EQ(servers_.command(0, {"DEBUG", "CRASHPOINT"}), "$promise:0\r\n");
  EXPECT_EQ(servers_.command(1, {"GET", "k"}), "$v");
  ASSERT_EQ(servers_.command(2, {"DEBUG", "CRASHPOINT", "promise", "100"}), "+OK");
  ASSERT_EQ(::kill(servers_.node(2).pid, SIGUSR1), 0);
  std::string listed;
  for (int i = 0; i < 100 && listed != "$promise:0\r\n"; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    listed = servers_.command(2, {"DEBUG", "CRASHPOINT"});
  }
  EXPECT_EQ(listed, "$promise:0\r\n");
  // Node 3 accepts node 1's write, then preempts it for node 2: disarmed, it lives.
  EXPECT_EQ(servers_.command(0, {"SET", "k", "w"}), "+OK");
  EXPECT_EQ(servers_.command(1, {"SET", "k", "x"}), "+OK");
  EXPECT_EQ(servers_.wait_exit(2, std::chrono::milliseconds(300)), -1);
}

// Pipelined writes are overlapped (handed on before they are answered), so
// a connection's writes to different keys run at once; on one key they apply
// in the order sent, and a read among them sees exactly the writes before it.
TEST_F(PaxosCluster, PipelinedWritesKeepTheirOrderPerKeyAndReadsSeeTheEarlierOnes) {
  start_cluster(3);
  LocalServers::Connection c = servers_.connect(0);
  ASSERT_TRUE(c && !c->err);
  std::vector<std::string> want;
  for (int k = 1; k <= 200; ++k) {
    redisAppendCommand(c.get(), "INCRBY n 1");
    want.push_back(":" + std::to_string(k));
    redisAppendCommand(c.get(), "SET k%d %d", k % 5, k);
    want.push_back("+OK");
    if (k % 7 == 0) {
      redisAppendCommand(c.get(), "GET n");
      want.push_back("$" + std::to_string(k));
      redisAppendCommand(c.get(), "GET k%d", k % 5);
      want.push_back("$" + std::to_string(k));
    }
  }
  EXPECT_EQ(read_replies(c.get(), want.size()), want);
  EXPECT_EQ(servers_.command(2, {"GET", "n"}), "$200");
  for (int k = 196; k <= 200; ++k)
    EXPECT_EQ(servers_.command(1, {"GET", "k" + std::to_string(k % 5)}), "$" + std::to_string(k));
}

TEST_F(PaxosCluster, RedisCliWorks) {
  start_cluster(3);
  const std::optional<std::string> pong = servers_.redis_cli(0, {"PING"});
  FAULTLINE_REQUIRE(pong.has_value(), "redis-cli is not installed");
  EXPECT_EQ(*pong, "PONG\n");
  EXPECT_EQ(servers_.redis_cli(0, {"SET", "greeting", "hello"}), "OK\n");
  EXPECT_EQ(servers_.redis_cli(2, {"GET", "greeting"}), "hello\n");
  EXPECT_THAT(servers_.redis_cli(1, {"INFO"}).value_or(""), HasSubstr("role:proposer"));
}

}  // namespace
}  // namespace faultline::paxos
