// Test support (linked only into tests): servers a test runs on 127.0.0.1 as
// its own child processes (faultline-raftkv, faultline-dht), with the ports,
// directories and RESP calls that the cluster tests share.
#pragma once

#include <gtest/gtest.h>
#include <hiredis/hiredis.h>
#include <signal.h>
#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace faultline {

// A TCP port on 127.0.0.1 that was free a moment ago (the kernel's pick); a
// test failure if there is none.
uint16_t free_port();

// A socket listening on 127.0.0.1 at a port of the kernel's choosing, its
// port in *port: a server that never answers unless the test accepts (the
// kernel completes handshakes and takes requests). The caller closes it.
int listening_socket(uint16_t* port);

// A reply flattened for assertions: "+OK", "-ERR x", ":3", "$value", "$nil",
// "*[a,b]" (an array of its elements, described), "<no reply>" for nullptr.
std::string describe_reply(const redisReply* reply);

// The next `count` replies on a (pipelining) connection, each described; the
// list ends early with "<no reply>" if one does not come.
std::vector<std::string> read_replies(redisContext* c, size_t count);

// The servers of one test, one a node. Node i (from 0) has id i + 1, a peer
// port and a client port, its data in data_dir(i) and its stdout and stderr
// appended to log_path(i), all under one fresh directory. The destructor kills
// (SIGKILL) and reaps every server still running, then removes the directory,
// unless the test has failed: then it keeps it and says where it is.
class LocalServers {
 public:
  struct Node {
    uint64_t id = 0;
    uint16_t peer_port = 0;
    uint16_t client_port = 0;
    pid_t pid = -1;  // -1 while not running
  };
  using Connection = std::unique_ptr<redisContext, decltype(&redisFree)>;

  // The directory is /tmp/faultline-<name>-XXXXXX.
  explicit LocalServers(const std::string& name);
  ~LocalServers();
  LocalServers(const LocalServers&) = delete;
  LocalServers& operator=(const LocalServers&) = delete;

  // Adds `count` nodes with fresh ports (none is started).
  void add_nodes(size_t count);

  size_t size() const { return nodes_.size(); }
  const Node& node(size_t i) const { return nodes_[i]; }
  std::string data_dir(size_t i) const;     // <dir>/node<id>
  std::string log_path(size_t i) const;     // <dir>/node<id>.log
  std::string client_addr(size_t i) const;  // 127.0.0.1:<client port>
  // Every node as id=127.0.0.1:<peer port>, comma-separated; likewise with
  // the client ports.
  std::string peer_addresses() const;
  std::string client_addresses() const;

  // Starts node i: argv (argv[0] a path), output appended to log_path(i).
  ::testing::AssertionResult start(size_t i, const std::vector<std::string>& argv);
  // Sends `signal` to node i, if it runs, and reaps it.
  void kill(size_t i, int signal = SIGKILL);
  // Waits for node i to exit by itself: its exit status (128 + the signal if
  // a signal ended it), or -1 if it still runs after `timeout`.
  int wait_exit(size_t i, std::chrono::milliseconds timeout = std::chrono::seconds(5));
  // SIGTERM, then wait_exit(i).
  int terminate(size_t i);

  // A connection to node i's client port (for pipelining); check c->err.
  Connection connect(size_t i) const;
  // One command on a fresh connection to node i, its reply described
  // (describe_reply); "" if the node does not answer.
  std::string command(size_t i, const std::vector<std::string>& args) const;
  // redis-cli's stdout for `redis-cli -h 127.0.0.1 -p <node i's client port>
  // args...` (a test failure if it does not finish within 10 s); none if
  // redis-cli is not installed.
  std::optional<std::string> redis_cli(size_t i, const std::vector<std::string>& args) const;
  // Node i's INFO fields; none if it does not answer.
  std::map<std::string, std::string> info(size_t i) const;
  // Waits until node i answers PING; false after `timeout`.
  bool wait_serving(size_t i, std::chrono::milliseconds timeout = std::chrono::seconds(10)) const;
  // The index of a running node whose INFO says role:leader; -1 after `timeout`.
  int wait_for_leader(std::chrono::milliseconds timeout = std::chrono::seconds(10)) const;

 private:
  std::string dir_;
  std::vector<Node> nodes_;
};

}  // namespace faultline
