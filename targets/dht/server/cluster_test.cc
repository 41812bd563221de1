// Starts real faultline-dht processes on 127.0.0.1 and checks what a client
// sees: any node serves any key; in abd mode with N = 3 the keys stay served
// when a node is killed, and become -UNAVAILABLE (naming what was missing)
// when a quorum is gone; acknowledged writes survive kill -9 of every node;
// the RESP details (errors, arity, CAS refused, INFO); redis-cli; eventual
// mode; a clean SIGTERM; garbage on the peer port; a damaged replica log
// refused at startup.
#include <arpa/inet.h>
#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <hiredis/hiredis.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

extern char** environ;

namespace faultline::dht {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;
using testing::HasSubstr;
using testing::StartsWith;

uint16_t free_port() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(addr);
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    ADD_FAILURE() << "cannot find a free port";
  }
  close(fd);
  return ntohs(addr.sin_port);
}

// A reply flattened for assertions: "+OK", "-ERR x", ":1", "$value", "$nil".
std::string describe(const redisReply* r) {
  if (r == nullptr) return "";
  switch (r->type) {
    case REDIS_REPLY_STATUS: return "+" + std::string(r->str, r->len);
    case REDIS_REPLY_ERROR: return "-" + std::string(r->str, r->len);
    case REDIS_REPLY_INTEGER: return ":" + std::to_string(r->integer);
    case REDIS_REPLY_STRING: return "$" + std::string(r->str, r->len);
    case REDIS_REPLY_NIL: return "$nil";
    case REDIS_REPLY_ARRAY: return "*" + std::to_string(r->elements);
  }
  return "<unknown reply type>";
}

class DhtCluster : public ::testing::Test {
 protected:
  struct Node {
    uint64_t id;
    uint16_t peer_port;
    uint16_t client_port;
    pid_t pid = -1;
  };

  void SetUp() override {
    char tmpl[] = "/tmp/faultline-dht-test-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }

  // Always ends every process this test started, by its recorded PID.
  void TearDown() override {
    for (size_t i = 0; i < nodes_.size(); ++i) kill_node(i);
    if (HasFailure()) {
      std::cerr << "logs and data kept in " << dir_ << "\n";
    } else {
      fs::remove_all(dir_);
    }
  }

  void start_cluster(int count, std::vector<std::string> extra_args = {}) {
    extra_args_ = std::move(extra_args);
    for (uint64_t id = 1; id <= static_cast<uint64_t>(count); ++id) {
      nodes_.push_back({id, free_port(), free_port()});
    }
    for (const Node& n : nodes_) {
      peers_ += (peers_.empty() ? "" : ",") + std::to_string(n.id) +
                "=127.0.0.1:" + std::to_string(n.peer_port);
    }
    for (size_t i = 0; i < nodes_.size(); ++i) start(i);
    for (size_t i = 0; i < nodes_.size(); ++i) ASSERT_TRUE(wait_ready(i)) << "node " << i + 1;
  }

  std::string log_path(size_t i) const { return dir_ + "/node" + std::to_string(i + 1) + ".log"; }
  std::string data_dir(size_t i) const { return dir_ + "/node" + std::to_string(i + 1); }

  void start(size_t i) {
    Node& n = nodes_[i];
    std::vector<std::string> args = {FAULTLINE_DHT_BINARY,
                                     "--id",
                                     std::to_string(n.id),
                                     "--nodes",
                                     peers_,
                                     "--client-addr",
                                     "127.0.0.1:" + std::to_string(n.client_port),
                                     "--data-dir",
                                     data_dir(i),
                                     "--replicas",
                                     "3",
                                     "--vnodes",
                                     "32",
                                     "--timeout-ms",
                                     "500",
                                     "--retry-ms",
                                     "50"};
    args.insert(args.end(), extra_args_.begin(), extra_args_.end());
    std::vector<char*> argv;
    for (std::string& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 2, log_path(i).c_str(),
                                     O_WRONLY | O_CREAT | O_APPEND, 0644);
    posix_spawn_file_actions_adddup2(&actions, 2, 1);
    const int rc = posix_spawn(&n.pid, argv[0], &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    ASSERT_EQ(rc, 0) << "posix_spawn " << argv[0];
  }

  bool wait_ready(size_t i) {
    const auto deadline = Clock::now() + 10s;
    while (Clock::now() < deadline) {
      if (command(i, {"PING"}) == "+PONG") return true;
      std::this_thread::sleep_for(20ms);
    }
    return false;
  }

  void kill_node(size_t i, int signal = SIGKILL) {
    Node& n = nodes_[i];
    if (n.pid <= 0) return;
    kill(n.pid, signal);
    waitpid(n.pid, nullptr, 0);
    n.pid = -1;
  }

  // Waits for node i to exit by itself; its exit status, or -1 after 5 s.
  int wait_exit(size_t i) {
    Node& n = nodes_[i];
    int status = 0;
    const auto deadline = Clock::now() + 5s;
    pid_t done = 0;
    while ((done = waitpid(n.pid, &status, WNOHANG)) == 0 && Clock::now() < deadline) {
      std::this_thread::sleep_for(10ms);
    }
    if (done != n.pid) return -1;
    n.pid = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }

  // One command on a fresh connection; "" if the node does not answer.
  std::string command(size_t i, const std::vector<std::string>& args) {
    redisContext* raw = redisConnectWithTimeout("127.0.0.1", nodes_[i].client_port, {1, 0});
    std::unique_ptr<redisContext, decltype(&redisFree)> c(raw, &redisFree);
    if (c == nullptr || c->err) return "";
    redisSetTimeout(c.get(), {3, 0});
    std::vector<const char*> argv;
    std::vector<size_t> lens;
    for (const std::string& a : args) {
      argv.push_back(a.data());
      lens.push_back(a.size());
    }
    auto* r = static_cast<redisReply*>(
        redisCommandArgv(c.get(), static_cast<int>(args.size()), argv.data(), lens.data()));
    const std::string out = describe(r);
    if (r) freeReplyObject(r);
    return out;
  }

  std::map<std::string, std::string> info(size_t i) {
    std::map<std::string, std::string> fields;
    const std::string text = command(i, {"INFO"});
    std::istringstream lines(text.empty() ? "" : text.substr(1));
    for (std::string line; std::getline(lines, line);) {
      if (!line.empty() && line.back() == '\r') line.pop_back();
      const size_t colon = line.find(':');
      if (colon != std::string::npos) fields[line.substr(0, colon)] = line.substr(colon + 1);
    }
    return fields;
  }

  std::vector<std::string> extra_args_;
  std::string dir_;
  std::string peers_;
  std::vector<Node> nodes_;
};

TEST_F(DhtCluster, AbdServesEveryKeyThroughEveryNodeAndSurvivesAKill) {
  start_cluster(5, {"--mode", "abd"});
  constexpr int kKeys = 40;
  for (int k = 0; k < kKeys; ++k) {
    ASSERT_EQ(command(k % 5, {"SET", "key" + std::to_string(k), "v" + std::to_string(k)}), "+OK")
        << "key" << k;
  }
  for (int k = 0; k < kKeys; ++k) {
    EXPECT_EQ(command((k + 2) % 5, {"GET", "key" + std::to_string(k)}), "$v" + std::to_string(k));
  }
  kill_node(0);  // N = 3, quorum 2: every key still has a majority of its replicas
  for (int k = 0; k < kKeys; ++k) {
    const std::string key = "key" + std::to_string(k);
    EXPECT_EQ(command(1 + k % 4, {"GET", key}), "$v" + std::to_string(k)) << key;
    EXPECT_EQ(command(1 + (k + 1) % 4, {"SET", key, "w" + std::to_string(k)}), "+OK") << key;
  }
  start(0);  // back with its durable log; it coordinates again
  ASSERT_TRUE(wait_ready(0));
  for (int k = 0; k < kKeys; ++k) {
    EXPECT_EQ(command(0, {"GET", "key" + std::to_string(k)}), "$w" + std::to_string(k));
  }
  EXPECT_EQ(command(0, {"DEL", "key0"}), ":1");
  EXPECT_EQ(command(3, {"GET", "key0"}), "$nil");
}

TEST_F(DhtCluster, WithoutAQuorumAnswersUnavailableAndDurableWritesSurviveKillNine) {
  start_cluster(3);
  ASSERT_EQ(command(0, {"SET", "k", "before"}), "+OK");
  kill_node(1);
  kill_node(2);
  const std::string reply = command(0, {"SET", "k", "lost?"});
  EXPECT_THAT(reply, StartsWith("-UNAVAILABLE write of key 'k': the query phase heard from 1 of "
                                "the 2 replicas it needs (of 3: nodes "));
  EXPECT_THAT(reply, HasSubstr("); no answer from nodes 2, 3 within 50 ticks (500 ms)"));
  EXPECT_THAT(command(0, {"GET", "k"}), StartsWith("-UNAVAILABLE read of key 'k'"));
  kill_node(0);  // kill -9 everything: only the replica logs remain
  for (size_t i = 0; i < 3; ++i) start(i);
  for (size_t i = 0; i < 3; ++i) ASSERT_TRUE(wait_ready(i));
  EXPECT_EQ(command(2, {"GET", "k"}), "$before");
}

TEST_F(DhtCluster, RespProtocolDetails) {
  start_cluster(3);
  EXPECT_EQ(command(0, {"PING"}), "+PONG");
  EXPECT_EQ(command(0, {"PING", "hi"}), "$hi");
  EXPECT_EQ(command(0, {"ECHO", "hello"}), "$hello");
  EXPECT_EQ(command(0, {"CONFIG", "GET", "appendonly"}), "*2");
  EXPECT_EQ(command(0, {"CONFIG", "GET", "maxmemory"}), "*0");
  EXPECT_EQ(
      command(0, {"FLUSHALL"}),
      "-ERR unknown command 'FLUSHALL' (faultline-dht serves PING, ECHO, GET, SET, DEL, INFO)");
  EXPECT_EQ(command(0, {"GET"}), "-ERR wrong number of arguments for 'get' command");
  EXPECT_EQ(command(0, {"SET", "k"}), "-ERR wrong number of arguments for 'set' command");
  EXPECT_EQ(command(0, {"SET", "k", "v", "EX", "10"}),
            "-ERR SET options (EX, NX, ...) are not supported");
  EXPECT_THAT(command(1, {"CAS", "k", "a", "b"}),
              StartsWith("-ERR CAS on key 'k' is not supported: CAS needs consensus"));
  EXPECT_EQ(command(1, {"GET", "never"}), "$nil");
  EXPECT_EQ(command(2, {"SET", "bin", std::string("a\0b\r\n", 5)}), "+OK");
  EXPECT_EQ(command(0, {"GET", "bin"}), "$" + std::string("a\0b\r\n", 5));
  const auto fields = info(1);
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
  while (info(1).at("stored_keys") != "1" && Clock::now() < deadline) {
    std::this_thread::sleep_for(20ms);
  }
  EXPECT_EQ(info(1).at("stored_keys"), "1");
}

TEST_F(DhtCluster, RedisCliWorks) {
  start_cluster(3);
  auto cli = [&](const std::string& args) {
    const std::string cmd =
        "redis-cli -h 127.0.0.1 -p " + std::to_string(nodes_[0].client_port) + " " + args;
    std::unique_ptr<FILE, decltype(&pclose)> p(popen(cmd.c_str(), "r"), &pclose);
    std::string out;
    char buf[256];
    while (p && fgets(buf, sizeof(buf), p.get())) out += buf;
    return out;
  };
  if (cli("PING") == "") GTEST_SKIP() << "redis-cli is not installed";
  EXPECT_EQ(cli("PING"), "PONG\n");
  EXPECT_EQ(cli("SET greeting hello"), "OK\n");
  EXPECT_EQ(cli("GET greeting"), "hello\n");
  EXPECT_THAT(cli("INFO"), HasSubstr("mode:abd"));
}

TEST_F(DhtCluster, EventualModeWithROneWOneServesAndSaysSo) {
  start_cluster(3, {"--mode", "eventual", "--r", "1", "--w", "1"});
  EXPECT_EQ(command(0, {"SET", "k", "v"}), "+OK");
  const auto deadline = Clock::now() + 5s;  // R = 1 may read a replica the write has not reached
  std::string got;
  while ((got = command(1, {"GET", "k"})) != "$v" && Clock::now() < deadline) {
    std::this_thread::sleep_for(20ms);
  }
  EXPECT_EQ(got, "$v");
  const auto fields = info(2);
  EXPECT_EQ(fields.at("mode"), "eventual");
  EXPECT_EQ(fields.at("read_quorum"), "1");
  EXPECT_EQ(fields.at("write_quorum"), "1");
  kill_node(1);
  kill_node(2);
  EXPECT_EQ(command(0, {"SET", "k", "alone"}), "+OK");  // W = 1: the coordinator's own replica
  EXPECT_THAT(command(0, {"CAS", "k", "a", "b"}), HasSubstr("CAS needs consensus"));
}

TEST_F(DhtCluster, SigtermExitsCleanlyAndGarbageOnThePeerPortHarmsNothing) {
  start_cluster(3);
  {  // garbage on node 1's peer port: that connection closes, the node serves on
    const int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(nodes_[0].peer_port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ASSERT_EQ(connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
    const std::string garbage = "GET / HTTP/1.1\r\n\r\n";
    ASSERT_EQ(write(fd, garbage.data(), garbage.size()), static_cast<ssize_t>(garbage.size()));
    char buf[16];
    EXPECT_EQ(read(fd, buf, sizeof(buf)), 0);  // closed by the server
    close(fd);
  }
  EXPECT_EQ(command(0, {"SET", "k", "v"}), "+OK");
  ASSERT_EQ(kill(nodes_[0].pid, SIGTERM), 0);
  EXPECT_EQ(wait_exit(0), 0);
  std::ifstream log(log_path(0));
  std::string text((std::istreambuf_iterator<char>(log)), std::istreambuf_iterator<char>());
  EXPECT_THAT(text, HasSubstr("closing it"));
  EXPECT_THAT(text, HasSubstr("shutting down"));
}

TEST_F(DhtCluster, DamagedReplicaLogIsRefusedAtStartupNamingFileAndOffset) {
  start_cluster(3);
  ASSERT_EQ(command(0, {"SET", "k", "v"}), "+OK");
  kill_node(0);
  const std::string log = data_dir(0) + "/replicas.log";
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
  start(0);
  EXPECT_EQ(wait_exit(0), 1);
  std::ifstream in(log_path(0));
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_THAT(text, HasSubstr(log + ": corrupt record at offset "));
  EXPECT_THAT(text, HasSubstr("payload checksum mismatch"));
}

}  // namespace
}  // namespace faultline::dht
