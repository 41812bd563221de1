// Starts real faultline-raftkv processes on 127.0.0.1 and checks what a
// client sees: leader election, redirects, acknowledged writes surviving a
// kill -9 of the leader, catching up through InstallSnapshot, the RESP
// protocol details (pipelining, errors, MULTI/EXEC), and that garbage on the
// peer port closes that connection without harming the server; the crash
// point `vote`, armed only with --allow-crashpoints, kills a node right
// after it granted a vote.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <hiredis/hiredis.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/local_servers.h"

namespace faultline::raftkv {
namespace {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

class RaftkvCluster : public ::testing::Test {
 protected:
  void SetUp() override {
    servers_.add_nodes(3);
    for (size_t i = 0; i < servers_.size(); ++i) ASSERT_TRUE(start(i));
  }

  ::testing::AssertionResult start(size_t i) {
    std::vector<std::string> args = {FAULTLINE_RAFTKV_BINARY,
                                     "--id",
                                     std::to_string(servers_.node(i).id),
                                     "--peers",
                                     peers_of(i),
                                     "--client-addr",
                                     servers_.client_addr(i),
                                     "--client-peers",
                                     servers_.client_addresses(),
                                     "--data-dir",
                                     servers_.data_dir(i),
                                     "--election-ms",
                                     "500",
                                     "--heartbeat-ms",
                                     "30",
                                     "--snapshot-threshold",
                                     "20"};
    args.insert(args.end(), extra_args_.begin(), extra_args_.end());
    return servers_.start(i, args);
  }

  // SIGTERM: the server must exit on its own, with status 0.
  void stop_node_cleanly(size_t i) {
    EXPECT_EQ(servers_.terminate(i), 0) << "node " << i + 1 << " after SIGTERM";
  }

  uint64_t info_number(size_t i, const std::string& field) {
    const auto fields = servers_.info(i);
    const auto it = fields.find(field);
    return it == fields.end() ? 0 : std::stoull(it->second);
  }

  size_t by_client_port(uint16_t port) const {
    for (size_t i = 0; i < servers_.size(); ++i) {
      if (servers_.node(i).client_port == port) return i;
    }
    return 0;
  }

  // Sends a command to *node, following -NOTLEADER redirects and retrying
  // while there is no leader, until a definite answer or the timeout. Also
  // retried: a write the server says was dropped or has an unknown outcome
  // (leadership changed under it) and no answer at all; the commands the
  // tests retry are idempotent.
  std::string leader_command(size_t* node, const std::vector<std::string>& args) {
    const auto deadline = Clock::now() + 10s;
    std::string last;
    while (Clock::now() < deadline) {
      last = servers_.command(*node, args);
      if (last.rfind("-NOTLEADER 127.0.0.1:", 0) == 0) {
        *node = by_client_port(static_cast<uint16_t>(std::stoi(last.substr(21))));
      } else if (!last.empty() && last.rfind("-NOTLEADER", 0) != 0 &&
                 last.rfind("-ERR write dropped", 0) != 0 &&
                 last.rfind("-ERR outcome unknown", 0) != 0) {
        return last;
      } else {
        std::this_thread::sleep_for(50ms);
        if (servers_.node(*node).pid <= 0) *node = (*node + 1) % servers_.size();
      }
    }
    return last;
  }

  // The --peers flag of node i.
  virtual std::string peers_of(size_t) const { return servers_.peer_addresses(); }

  std::vector<std::string> extra_args_;  // appended to every node's flags
  LocalServers servers_{"raftkv-test"};
};

TEST_F(RaftkvCluster, AcknowledgedWritesSurviveLeaderCrashAndOldLeaderCatchesUp) {
  const int first_leader = servers_.wait_for_leader();
  ASSERT_GE(first_leader, 0) << "no leader elected";
  size_t leader = static_cast<size_t>(first_leader);
  for (int k = 0; k < 100; ++k) {
    ASSERT_EQ(leader_command(&leader, {"SET", "key" + std::to_string(k), "v" + std::to_string(k)}),
              "+OK")
        << "key " << k;
  }
  const size_t old_leader = leader;
  servers_.kill(old_leader);  // kill -9

  const int new_leader = servers_.wait_for_leader();
  ASSERT_GE(new_leader, 0) << "no new leader after the crash";
  ASSERT_NE(static_cast<size_t>(new_leader), old_leader);
  leader = static_cast<size_t>(new_leader);
  for (int k = 0; k < 100; ++k) {
    ASSERT_EQ(leader_command(&leader, {"GET", "key" + std::to_string(k)}), "$v" + std::to_string(k))
        << "acknowledged write of key" << k << " lost";
  }
  // Enough new writes that the survivors snapshot and compact past the old
  // leader's log: it can only catch up through InstallSnapshot.
  for (int k = 100; k < 160; ++k) {
    ASSERT_EQ(leader_command(&leader, {"SET", "key" + std::to_string(k), "w"}), "+OK");
  }
  const uint64_t target = info_number(leader, "applied_index");
  ASSERT_GT(info_number(leader, "snapshot_index"), 101u);

  ASSERT_TRUE(start(old_leader));
  const auto deadline = Clock::now() + 10s;
  while (info_number(old_leader, "applied_index") < target && Clock::now() < deadline) {
    std::this_thread::sleep_for(50ms);
  }
  EXPECT_GE(info_number(old_leader, "applied_index"), target) << "old leader did not catch up";
  EXPECT_GE(info_number(old_leader, "snapshots_installed"), 1u);
  EXPECT_EQ(info_number(old_leader, "keys"), 160u);

  for (size_t i = 0; i < servers_.size(); ++i) stop_node_cleanly(i);
}

TEST_F(RaftkvCluster, SpeaksRespToLeaderAndFollowers) {
  const int leader_index = servers_.wait_for_leader();
  ASSERT_GE(leader_index, 0);
  const size_t leader = static_cast<size_t>(leader_index);
  const size_t follower = (leader + 1) % servers_.size();
  const std::string leader_addr = servers_.client_addr(leader);

  // Followers redirect everything but PING and INFO.
  std::string answer;
  const auto deadline = Clock::now() + 5s;  // until the follower has heard of the leader
  while ((answer = servers_.command(follower, {"GET", "a"})) != "-NOTLEADER " + leader_addr &&
         Clock::now() < deadline) {
    std::this_thread::sleep_for(50ms);
  }
  EXPECT_EQ(answer, "-NOTLEADER " + leader_addr);
  EXPECT_EQ(servers_.command(follower, {"PING"}), "+PONG");
  EXPECT_EQ(servers_.info(follower)["role"], "follower");
  EXPECT_EQ(servers_.info(follower)["leader_client_addr"], leader_addr);

  EXPECT_EQ(servers_.command(leader, {"NOSUCH", "x"}), "-ERR unknown command 'NOSUCH'");
  EXPECT_EQ(servers_.command(leader, {"GET"}), "-ERR wrong number of arguments for 'get' command");
  EXPECT_EQ(servers_.command(leader, {"COMMAND", "DOCS"}), "*[]");
  EXPECT_EQ(servers_.command(leader, {"CONFIG", "GET", "appendonly"}), "*[$appendonly,$no]");
  EXPECT_EQ(servers_.command(leader, {"PING", "hi"}), "$hi");

  // Pipelining: replies come back in request order, writes and reads mixed.
  LocalServers::Connection c = servers_.connect(leader);
  ASSERT_TRUE(c && !c->err);
  const std::vector<std::string> pipeline = {
      "SET p 1", "INCRBY p 5", "GET p", "PING", "SADD s b a",   "SMEMBERS s",
      "MULTI",   "APPEND p x", "GET p", "EXEC", "MGET p s nope"};
  for (const std::string& cmd : pipeline) redisAppendCommand(c.get(), cmd.c_str());
  const std::vector<std::string> got = read_replies(c.get(), pipeline.size());
  const std::vector<std::string> want = {
      "+OK",     ":6",      "$6",        "+PONG",           ":2", "*[$a,$b]", "+OK",
      "+QUEUED", "+QUEUED", "*[:2,$6x]", "*[$6x,$nil,$nil]"};
  EXPECT_EQ(got, want);

  // A protocol error is answered and closes that connection only.
  LocalServers::Connection bad = servers_.connect(leader);
  ASSERT_TRUE(bad && !bad->err);
  const char garbage[] = "*1\r\n$x\r\n";
  ASSERT_EQ(write(bad->fd, garbage, sizeof(garbage) - 1), ssize_t(sizeof(garbage) - 1));
  void* r = nullptr;
  ASSERT_EQ(redisGetReply(bad.get(), &r), REDIS_OK);
  EXPECT_EQ(describe_reply(static_cast<redisReply*>(r)),
            "-ERR Protocol error: invalid bulk length at byte 4");
  freeReplyObject(r);
  EXPECT_EQ(servers_.command(leader, {"GET", "p"}), "$6x");

  // Garbage on the peer port closes that connection; the node carries on.
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(servers_.node(leader).peer_port);
  ASSERT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  const std::string frame = std::string("\x01\x05\0\0\0\0\0\0\0hello", 14);  // wrong CRC
  ASSERT_EQ(write(fd, frame.data(), frame.size()), ssize_t(frame.size()));
  char byte;
  EXPECT_EQ(read(fd, &byte, 1), 0) << "the node should close a connection with a bad frame";
  close(fd);
  EXPECT_EQ(servers_.command(leader, {"SET", "after", "1"}), "+OK");
}

// Pipelined writes are proposed together; a read among them sees exactly the
// writes before it, never a later one.
TEST_F(RaftkvCluster, PipelinedReadsSeeExactlyTheEarlierWrites) {
  const int leader_index = servers_.wait_for_leader();
  ASSERT_GE(leader_index, 0);
  size_t leader = static_cast<size_t>(leader_index);
  ASSERT_EQ(leader_command(&leader, {"SET", "n", "0"}), "+OK");
  LocalServers::Connection c = servers_.connect(leader);
  ASSERT_TRUE(c && !c->err);
  std::vector<std::string> want;
  for (int k = 1; k <= 300; ++k) {
    redisAppendCommand(c.get(), "INCRBY n 1");
    want.push_back(":" + std::to_string(k));
    if (k % 7 == 0) {
      redisAppendCommand(c.get(), k % 2 ? "GET n" : "MGET n");
      want.push_back(k % 2 ? "$" + std::to_string(k) : "*[$" + std::to_string(k) + "]");
    }
  }
  EXPECT_EQ(read_replies(c.get(), want.size()), want);
}

class RaftkvClusterWithFailpoints : public RaftkvCluster {
 protected:
  void SetUp() override {
    extra_args_ = {"--unsafe-failpoint", "no-persist-vote", "--unsafe-failpoint", "lease-read"};
    RaftkvCluster::SetUp();
  }
};

TEST_F(RaftkvClusterWithFailpoints, AreAnnouncedServeLeaseReadsAndSurviveRestart) {
  const int leader_index = servers_.wait_for_leader();
  ASSERT_GE(leader_index, 0);
  size_t leader = static_cast<size_t>(leader_index);
  EXPECT_EQ(servers_.info(leader)["failpoints"], "no-persist-vote,lease-read");
  std::ifstream log(servers_.log_path(0));
  const std::string text((std::istreambuf_iterator<char>(log)), std::istreambuf_iterator<char>());
  EXPECT_NE(text.find("UNSAFE FAILPOINTS ENABLED: no-persist-vote,lease-read"), std::string::npos);

  ASSERT_EQ(leader_command(&leader, {"SET", "x", "1"}), "+OK");
  // The lease needs a majority's acknowledgement within an election timeout:
  // a loaded machine may need a few tries.
  const auto lease_deadline = Clock::now() + 5s;
  do {
    EXPECT_EQ(leader_command(&leader, {"GET", "x"}), "$1");
  } while (info_number(leader, "lease_reads") == 0 && Clock::now() < lease_deadline);
  EXPECT_GE(info_number(leader, "lease_reads"), 1u);

  // A node that never persisted its term or vote still restarts from its
  // directory and catches up.
  const size_t follower = (leader + 1) % servers_.size();
  servers_.kill(follower);
  ASSERT_EQ(leader_command(&leader, {"SET", "y", "2"}), "+OK");
  ASSERT_TRUE(start(follower));
  const uint64_t target = info_number(leader, "applied_index");
  const auto deadline = Clock::now() + 10s;
  while (info_number(follower, "applied_index") < target && Clock::now() < deadline) {
    std::this_thread::sleep_for(50ms);
  }
  EXPECT_GE(info_number(follower, "applied_index"), target);
  EXPECT_EQ(info_number(follower, "keys"), 2u);
}

class RaftkvClusterWithCrashPoints : public RaftkvCluster {
 protected:
  void SetUp() override {
    extra_args_ = {"--allow-crashpoints"};
    RaftkvCluster::SetUp();
  }
};

TEST_F(RaftkvCluster, CrashPointsAreRefusedWithoutTheFlag) {
  ASSERT_GE(servers_.wait_for_leader(), 0);
  EXPECT_EQ(servers_.command(0, {"DEBUG", "CRASHPOINT", "vote", "100"}),
            "-ERR crash points are disabled: start the server with --allow-crashpoints");
  EXPECT_EQ(servers_.command(1, {"DEBUG", "CRASHPOINT"}),
            "-ERR crash points are disabled: start the server with --allow-crashpoints");
}

// Both followers armed at 100%, the leader killed: whichever follower grants
// the other its vote sends it and dies by SIGKILL; a restarted node starts
// disarmed, and SIGUSR1 disarms a running one.
TEST_F(RaftkvClusterWithCrashPoints, AVoterDiesRightAfterGrantingItsVote) {
  const int leader_index = servers_.wait_for_leader();
  ASSERT_GE(leader_index, 0);
  const size_t leader = static_cast<size_t>(leader_index);
  std::vector<size_t> followers;
  for (size_t i = 0; i < servers_.size(); ++i)
    if (i != leader) followers.push_back(i);
  EXPECT_EQ(servers_.command(0, {"DEBUG", "CRASHPOINT", "promise", "5"}),
            "-ERR unknown crash point 'promise' (known: vote)");
  for (size_t f : followers)
    ASSERT_EQ(servers_.command(f, {"DEBUG", "CRASHPOINT", "vote", "100"}), "+OK") << f;
  EXPECT_EQ(servers_.command(followers[0], {"DEBUG", "CRASHPOINT"}), "$vote:100\r\n");
  servers_.kill(leader);
  int voter = -1;
  for (const auto deadline = Clock::now() + 20s; voter < 0 && Clock::now() < deadline;) {
    for (size_t f : followers) {
      const int status = servers_.wait_exit(f, 100ms);
      if (status >= 0) {
        EXPECT_EQ(status, 128 + SIGKILL) << "node " << f + 1;
        voter = static_cast<int>(f);
      }
    }
  }
  ASSERT_GE(voter, 0) << "no follower granted a vote within 20 s";
  std::ifstream log(servers_.log_path(static_cast<size_t>(voter)));
  const std::string text((std::istreambuf_iterator<char>(log)), std::istreambuf_iterator<char>());
  EXPECT_NE(text.find("crash point vote: crashing"), std::string::npos);

  ASSERT_TRUE(start(static_cast<size_t>(voter)));
  ASSERT_TRUE(servers_.wait_serving(static_cast<size_t>(voter)));
  EXPECT_EQ(servers_.command(static_cast<size_t>(voter), {"DEBUG", "CRASHPOINT"}), "$vote:0\r\n");
  const size_t other = followers[0] == static_cast<size_t>(voter) ? followers[1] : followers[0];
  ASSERT_EQ(::kill(servers_.node(other).pid, SIGUSR1), 0);
  std::string listed;
  for (const auto deadline = Clock::now() + 5s; Clock::now() < deadline;) {
    listed = servers_.command(other, {"DEBUG", "CRASHPOINT"});
    if (listed == "$vote:0\r\n") break;
    std::this_thread::sleep_for(20ms);
  }
  EXPECT_EQ(listed, "$vote:0\r\n");
}

// follower-read, with node 3 cut off from every message: nodes 1 and 2 know
// it by a peer port nobody listens on, so it never hears of a leader or a
// write (its own messages reach them; their answers vanish).
class RaftkvClusterWithFollowerReads : public RaftkvCluster {
 protected:
  void SetUp() override {
    extra_args_ = {"--unsafe-failpoint", "follower-read"};
    dead_port_ = free_port();
    RaftkvCluster::SetUp();
  }
  std::string peers_of(size_t i) const override {
    std::string peers = servers_.peer_addresses();
    if (i == 2) return peers;
    const std::string real = "3=127.0.0.1:" + std::to_string(servers_.node(2).peer_port);
    return peers.replace(peers.find(real), real.size(),
                         "3=127.0.0.1:" + std::to_string(dead_port_));
  }
  uint16_t dead_port_ = 0;
};

TEST_F(RaftkvClusterWithFollowerReads, AnIsolatedFollowerServesStaleReads) {
  const int leader_index = servers_.wait_for_leader();
  ASSERT_GE(leader_index, 0);
  size_t leader = static_cast<size_t>(leader_index);
  ASSERT_NE(leader, 2u) << "node 3 cannot hear votes, so cannot lead";
  EXPECT_EQ(servers_.info(2)["failpoints"], "follower-read");
  ASSERT_EQ(leader_command(&leader, {"SET", "k", "v1"}), "+OK");
  ASSERT_EQ(leader_command(&leader, {"SADD", "s", "a"}), ":1");
  EXPECT_EQ(servers_.command(leader, {"GET", "k"}), "$v1");  // served locally, after the apply

  // Node 3 answers reads from its own (empty) state instead of -NOTLEADER:
  // the acknowledged writes are missing.
  EXPECT_NE(servers_.info(2)["role"], "leader");
  EXPECT_EQ(servers_.command(2, {"GET", "k"}), "$nil");
  EXPECT_EQ(servers_.command(2, {"MGET", "k", "s"}), "*[$nil,$nil]");
  EXPECT_EQ(servers_.command(2, {"SMEMBERS", "s"}), "*[]");
  EXPECT_EQ(info_number(2, "follower_reads"), 3u);
  // Writes still need the leader.
  EXPECT_EQ(servers_.command(2, {"SET", "k", "v2"}).rfind("-NOTLEADER", 0), 0u);

  // On one connection a local read still waits for the pipelined writes
  // before it (and only those).
  LocalServers::Connection c = servers_.connect(leader);
  ASSERT_TRUE(c && !c->err);
  for (int k = 0; k < 50; ++k) redisAppendCommand(c.get(), "INCRBY n 1");
  redisAppendCommand(c.get(), "GET n");
  redisAppendCommand(c.get(), "INCRBY n 1");
  const std::vector<std::string> replies = read_replies(c.get(), 52);
  ASSERT_EQ(replies.size(), 52u);
  EXPECT_EQ(replies[50], "$50");
  EXPECT_EQ(replies[51], ":51");
}

}  // namespace
}  // namespace faultline::raftkv
