// Starts real faultline-dht processes on 127.0.0.1 and checks what a client
// sees: any node serves any key; in abd mode with N = 3 the keys stay served
// when a node is killed, and become -UNAVAILABLE (naming what was missing)
// when a quorum is gone; acknowledged writes survive kill -9 of every node;
// the RESP details (errors, arity, CAS refused, INFO); redis-cli; eventual
// mode; a clean SIGTERM; garbage on the peer port; a damaged replica log
// refused at startup.
#include <arpa/inet.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/local_servers.h"
#include "tests/support/require.h"

namespace faultline::dht {
namespace {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;
using testing::HasSubstr;
using testing::StartsWith;

class DhtCluster : public ::testing::Test {
 protected:
  void start_cluster(size_t count, std::vector<std::string> extra_args = {}) {
    extra_args_ = std::move(extra_args);
    servers_.add_nodes(count);
    for (size_t i = 0; i < servers_.size(); ++i) ASSERT_TRUE(start(i));
    for (size_t i = 0; i < servers_.size(); ++i) {
      ASSERT_TRUE(servers_.wait_serving(i)) << "node " << i + 1;
    }
  }

  ::testing::AssertionResult start(size_t i) {
    std::vector<std::string> args = {FAULTLINE_DHT_BINARY,
                                     "--id",
                                     std::to_string(servers_.node(i).id),
                                     "--nodes",
                                     servers_.peer_addresses(),
                                     "--client-addr",
                                     servers_.client_addr(i),
                                     "--data-dir",
                                     servers_.data_dir(i),
                                     "--replicas",
                                     "3",
                                     "--vnodes",
                                     "32",
                                     "--timeout-ms",
                                     "500",
                                     "--retry-ms",
                                     "50"};
    args.insert(args.end(), extra_args_.begin(), extra_args_.end());
    return servers_.start(i, args);
  }

  std::vector<std::string> extra_args_;
  LocalServers servers_{"dht-test"};
};

TEST_F(DhtCluster, AbdServesEveryKeyThroughEveryNodeAndSurvivesAKill) {
  start_cluster(5, {"--mode", "abd"});
  constexpr int kKeys = 40;
  for (int k = 0; k < kKeys; ++k) {
    ASSERT_EQ(servers_.command(k % 5, {"SET", "key" + std::to_string(k), "v" + std::to_string(k)}),
              "+OK")
        << "key" << k;
  }
  for (int k = 0; k < kKeys; ++k) {
    EXPECT_EQ(servers_.command((k + 2) % 5, {"GET", "key" + std::to_string(k)}),
              "$v" + std::to_string(k));
  }
  servers_.kill(0);  // N = 3, quorum 2: every key still has a majority of its replicas
  for (int k = 0; k < kKeys; ++k) {
    const std::string key = "key" + std::to_string(k);
    EXPECT_EQ(servers_.command(1 + k % 4, {"GET", key}), "$v" + std::to_string(k)) << key;
    EXPECT_EQ(servers_.command(1 + (k + 1) % 4, {"SET", key, "w" + std::to_string(k)}), "+OK")
        << key;
  }
  ASSERT_TRUE(start(0));  // back with its durable log; it coordinates again
  ASSERT_TRUE(servers_.wait_serving(0));
  for (int k = 0; k < kKeys; ++k) {
    EXPECT_EQ(servers_.command(0, {"GET", "key" + std::to_string(k)}), "$w" + std::to_string(k));
  }
  EXPECT_EQ(servers_.command(0, {"DEL", "key0"}), ":1");
  EXPECT_EQ(servers_.command(3, {"GET", "key0"}), "$nil");
}

TEST_F(DhtCluster, WithoutAQuorumAnswersUnavailableAndDurableWritesSurviveKillNine) {
  start_cluster(3);
  ASSERT_EQ(servers_.command(0, {"SET", "k", "before"}), "+OK");
  servers_.kill(1);
  servers_.kill(2);
  const std::string reply = servers_.command(0, {"SET", "k", "lost?"});
  EXPECT_THAT(reply, StartsWith("-UNAVAILABLE write of key 'k': the query phase heard from 1 of "
                                "the 2 replicas it needs (of 3: nodes "));
  EXPECT_THAT(reply, HasSubstr("); no answer from nodes 2, 3 within 50 ticks (500 ms)"));
  EXPECT_THAT(servers_.command(0, {"GET", "k"}), StartsWith("-UNAVAILABLE read of key 'k'"));
  servers_.kill(0);  // kill -9 everything: only the replica logs remain
  for (size_t i = 0; i < 3; ++i) ASSERT_TRUE(start(i));
  for (size_t i = 0; i < 3; ++i) ASSERT_TRUE(servers_.wait_serving(i));
  EXPECT_EQ(servers_.command(2, {"GET", "k"}), "$before");
}

TEST_F(DhtCluster, RespProtocolDetails) {
  start_cluster(3);
  EXPECT_EQ(servers_.command(0, {"PING"}), "+PONG");
  EXPECT_EQ(servers_.command(0, {"PING", "hi"}), "$hi");
  EXPECT_EQ(servers_.command(0, {"ECHO", "hello"}), "$hello");
  EXPECT_EQ(servers_.command(0, {"CONFIG", "GET", "appendonly"}), "*[$appendonly,$no]");
  EXPECT_EQ(servers_.command(0, {"CONFIG", "GET", "maxmemory"}), "*[]");
  EXPECT_EQ(
      servers_.command(0, {"FLUSHALL"}),
      "-ERR unknown command 'FLUSHALL' (faultline-dht serves PING, ECHO, GET, SET, DEL, INFO)");
  EXPECT_EQ(servers_.command(0, {"GET"}), "-ERR wrong number of arguments for 'get' command");
  EXPECT_EQ(servers_.command(0, {"SET", "k"}), "-ERR wrong number of arguments for 'set' command");
  EXPECT_EQ(servers_.command(0, {"SET", "k", "v", "EX", "10"}),
            "-ERR SET options (EX, NX, ...) are not supported");
  EXPECT_THAT(servers_.command(1, {"CAS", "k", "a", "b"}),
              StartsWith("-ERR CAS on key 'k' is not supported: CAS needs consensus"));
  EXPECT_EQ(servers_.command(1, {"GET", "never"}), "$nil");
  EXPECT_EQ(servers_.command(2, {"SET", "bin", std::string("a\0b\r\n", 5)}), "+OK");
  EXPECT_EQ(servers_.command(0, {"GET", "bin"}), "$" + std::string("a\0b\r\n", 5));
  const auto fields = servers_.info(1);
  EXPECT_EQ(fields.at("mode"), "abd");
  EXPECT_EQ(fields.at("node_id"), "2");
  EXPECT_EQ(fields.at("ring_size"), "3");
  EXPECT_EQ(fields.at("replicas"), "3");
  EXPECT_EQ(fields.at("read_quorum"), "2");
  EXPECT_EQ(fields.at("vnodes"), "32");
  EXPECT_THAT(fields.at("primary_ranges"), StartsWith("("));
  EXPECT_GT(std::stod(fields.at("primary_share")), 0.1);
  // N = 3 of 3 nodes: every node gets every write, acknowledged or not.
  const auto deadline = Clock::now() + 5s;
  while (servers_.info(1).at("stored_keys") != "1" && Clock::now() < deadline) {
    std::this_thread::sleep_for(20ms);
  }
  EXPECT_EQ(servers_.info(1).at("stored_keys"), "1");
}

TEST_F(DhtCluster, RedisCliWorks) {
  start_cluster(3);
  // A missing redis-cli is a missing prerequisite; a node that does not
  // answer is a failure.
  const std::optional<std::string> pong = servers_.redis_cli(0, {"PING"});
  FAULTLINE_REQUIRE(pong.has_value(), "redis-cli is not installed");
  EXPECT_EQ(*pong, "PONG\n");
  EXPECT_EQ(servers_.redis_cli(0, {"SET", "greeting", "hello"}), "OK\n");
  EXPECT_EQ(servers_.redis_cli(0, {"GET", "greeting"}), "hello\n");
  EXPECT_THAT(servers_.redis_cli(0, {"INFO"}).value_or(""), HasSubstr("mode:abd"));
}

TEST_F(DhtCluster, EventualModeWithROneWOneServesAndSaysSo) {
  start_cluster(3, {"--mode", "eventual", "--r", "1", "--w", "1"});
  EXPECT_EQ(servers_.command(0, {"SET", "k", "v"}), "+OK");
  const auto deadline = Clock::now() + 5s;  // R = 1 may read a replica the write has not reached
  std::string got;
  while ((got = servers_.command(1, {"GET", "k"})) != "$v" && Clock::now() < deadline) {
    std::this_thread::sleep_for(20ms);
  }
  EXPECT_EQ(got, "$v");
  const auto fields = servers_.info(2);
  EXPECT_EQ(fields.at("mode"), "eventual");
  EXPECT_EQ(fields.at("read_quorum"), "1");
  EXPECT_EQ(fields.at("write_quorum"), "1");
  servers_.kill(1);
  servers_.kill(2);
  EXPECT_EQ(servers_.command(0, {"SET", "k", "alone"}),
            "+OK");  // W = 1: the coordinator's own replica
  EXPECT_THAT(servers_.command(0, {"CAS", "k", "a", "b"}), HasSubstr("CAS needs consensus"));
}

TEST_F(DhtCluster, SigtermExitsCleanlyAndGarbageOnThePeerPortHarmsNothing) {
  start_cluster(3);
  {  // garbage on node 1's peer port: that connection closes, the node serves on
    const int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(servers_.node(0).peer_port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ASSERT_EQ(connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
    const std::string garbage = "GET / HTTP/1.1\r\n\r\n";
    ASSERT_EQ(write(fd, garbage.data(), garbage.size()), static_cast<ssize_t>(garbage.size()));
    char buf[16];
    EXPECT_EQ(read(fd, buf, sizeof(buf)), 0);  // closed by the server
    close(fd);
  }
  EXPECT_EQ(servers_.command(0, {"SET", "k", "v"}), "+OK");
  EXPECT_EQ(servers_.terminate(0), 0);
  std::ifstream log(servers_.log_path(0));
  std::string text((std::istreambuf_iterator<char>(log)), std::istreambuf_iterator<char>());
  EXPECT_THAT(text, HasSubstr("closing it"));
  EXPECT_THAT(text, HasSubstr("shutting down"));
}

TEST_F(DhtCluster, DamagedReplicaLogIsRefusedAtStartupNamingFileAndOffset) {
  start_cluster(3);
  ASSERT_EQ(servers_.command(0, {"SET", "k", "v"}), "+OK");
  servers_.kill(0);
  const std::string log = servers_.data_dir(0) + "/replicas.log";
  std::string bytes;
  {
    std::ifstream in(log, std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  ASSERT_GT(bytes.size(), 20u);
  bytes[bytes.size() - 2] ^= 0x40;  // inside the last record's payload
  {
    std::ofstream out(log, std::ios::binary | std::ios::trunc);
    out << bytes;
  }
  ASSERT_TRUE(start(0));
  EXPECT_EQ(servers_.wait_exit(0), 1);
  std::ifstream in(servers_.log_path(0));
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_THAT(text, HasSubstr(log + ": corrupt record at offset "));
  EXPECT_THAT(text, HasSubstr("payload checksum mismatch"));
}

}  // namespace
}  // namespace faultline::dht
