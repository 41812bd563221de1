#include "tests/support/local_servers.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <thread>

#include "spawn/spawn.h"
#include "targets/resp/resp_client.h"

namespace faultline {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

namespace {

// A TCP socket bound to 127.0.0.1 at the kernel's pick of port (in *port).
int bound_socket(uint16_t* port) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(addr);
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    ADD_FAILURE() << "cannot find a free port";
  }
  *port = ntohs(addr.sin_port);
  return fd;
}

}  // namespace

uint16_t free_port() {
  uint16_t port = 0;
  close(bound_socket(&port));
  return port;
}

int listening_socket(uint16_t* port) {
  const int fd = bound_socket(port);
  if (listen(fd, 16) != 0) ADD_FAILURE() << "listen: " << std::strerror(errno);
  return fd;
}

std::string describe_reply(const redisReply* r) {
  if (r == nullptr) return "<no reply>";
  switch (r->type) {
    case REDIS_REPLY_STATUS: return "+" + std::string(r->str, r->len);
    case REDIS_REPLY_ERROR: return "-" + std::string(r->str, r->len);
    case REDIS_REPLY_INTEGER: return ":" + std::to_string(r->integer);
    case REDIS_REPLY_STRING: return "$" + std::string(r->str, r->len);
    case REDIS_REPLY_NIL: return "$nil";
    case REDIS_REPLY_ARRAY: {
      std::string out = "*[";
      for (size_t i = 0; i < r->elements; ++i) {
        out += (i ? "," : "") + describe_reply(r->element[i]);
      }
      return out + "]";
    }
  }
  return "<unknown reply type>";
}

std::vector<std::string> read_replies(redisContext* c, size_t count) {
  std::vector<std::string> out;
  for (size_t i = 0; i < count; ++i) {
    void* r = nullptr;
    if (redisGetReply(c, &r) != REDIS_OK || r == nullptr) {
      out.push_back(describe_reply(nullptr));
      break;
    }
    out.push_back(describe_reply(static_cast<redisReply*>(r)));
    freeReplyObject(r);
  }
  return out;
}

LocalServers::LocalServers(const std::string& name) {
  std::string tmpl = "/tmp/faultline-" + name + "-XXXXXX";
  if (mkdtemp(tmpl.data()) == nullptr) {
    ADD_FAILURE() << "mkdtemp " << tmpl << ": " << strerror(errno);
    return;
  }
  dir_ = tmpl;
}

LocalServers::~LocalServers() {
  for (size_t i = 0; i < nodes_.size(); ++i) kill(i);
  if (dir_.empty()) return;
  if (::testing::Test::HasFailure()) {
    std::cerr << "logs and data kept in " << dir_ << "\n";
  } else {
    std::filesystem::remove_all(dir_);
  }
}

void LocalServers::add_nodes(size_t count) {
  for (size_t k = 0; k < count; ++k) {
    nodes_.push_back({nodes_.size() + 1, free_port(), free_port()});
  }
}

std::string LocalServers::data_dir(size_t i) const {
  return dir_ + "/node" + std::to_string(nodes_[i].id);
}

std::string LocalServers::log_path(size_t i) const { return data_dir(i) + ".log"; }

std::string LocalServers::client_addr(size_t i) const {
  return "127.0.0.1:" + std::to_string(nodes_[i].client_port);
}

std::string LocalServers::peer_addresses() const {
  std::string out;
  for (const Node& n : nodes_) {
    out += (out.empty() ? "" : ",") + std::to_string(n.id) +
           "=127.0.0.1:" + std::to_string(n.peer_port);
  }
  return out;
}

std::string LocalServers::client_addresses() const {
  std::string out;
  for (size_t i = 0; i < nodes_.size(); ++i) {
    out += (out.empty() ? "" : ",") + std::to_string(nodes_[i].id) + "=" + client_addr(i);
  }
  return out;
}

::testing::AssertionResult LocalServers::start(size_t i, const std::vector<std::string>& args) {
  Node& n = nodes_[i];
  if (n.pid > 0) return ::testing::AssertionFailure() << "node " << n.id << " already runs";
  const std::string log = log_path(i);
  if (Status st = spawn_child(args, {log, log, /*append=*/true}, &n.pid); !st.is_ok()) {
    n.pid = -1;
    return ::testing::AssertionFailure() << st.message();
  }
  return ::testing::AssertionSuccess();
}

void LocalServers::kill(size_t i, int signal) {
  Node& n = nodes_[i];
  if (n.pid <= 0) return;
  kill_child(n.pid, signal);
  n.pid = -1;
}

int LocalServers::wait_exit(size_t i, std::chrono::milliseconds timeout) {
  Node& n = nodes_[i];
  int exit_status = -1;
  if (n.pid <= 0 || !wait_child(n.pid, timeout, &exit_status).is_ok()) return -1;
  n.pid = -1;
  return exit_status;
}

int LocalServers::terminate(size_t i) {
  if (nodes_[i].pid <= 0 || ::kill(nodes_[i].pid, SIGTERM) != 0) return -1;
  return wait_exit(i);
}

LocalServers::Connection LocalServers::connect(size_t i) const {
  redisContext* c = redisConnectWithTimeout("127.0.0.1", nodes_[i].client_port, {1, 0});
  if (c != nullptr && !c->err) redisSetTimeout(c, {3, 0});
  return Connection(c, &redisFree);
}

std::string LocalServers::command(size_t i, const std::vector<std::string>& args) const {
  // A loaded machine (ctest -j2 beside builds) may miss a connect timeout;
  // nothing was sent yet, so trying again is safe for any command.
  Connection c = connect(i);
  for (int retry = 0; retry < 2 && (c == nullptr || c->err); ++retry) c = connect(i);
  if (c == nullptr || c->err) return "";
  const std::string encoded = encode_command(args);
  void* raw = nullptr;
  if (redisAppendFormattedCommand(c.get(), encoded.data(), encoded.size()) == REDIS_OK) {
    redisGetReply(c.get(), &raw);
  }
  const std::string out = raw ? describe_reply(static_cast<redisReply*>(raw)) : "";
  if (raw) freeReplyObject(raw);
  return out;
}

std::optional<std::string> LocalServers::redis_cli(size_t i,
                                                   const std::vector<std::string>& args) const {
  if (find_program("redis-cli").empty()) return std::nullopt;
  std::vector<std::string> argv = {"redis-cli", "-h", "127.0.0.1", "-p",
                                   std::to_string(nodes_[i].client_port)};
  argv.insert(argv.end(), args.begin(), args.end());
  CommandResult r;
  if (Status st = run_command(argv, 10s, &r); !st.is_ok()) ADD_FAILURE() << st.message();
  return r.stdout_text;
}

std::map<std::string, std::string> LocalServers::info(size_t i) const {
  const std::string text = command(i, {"INFO"});
  if (text.empty() || text[0] != '$') return {};
  return parse_info(text.substr(1));
}

bool LocalServers::wait_serving(size_t i, std::chrono::milliseconds timeout) const {
  const auto deadline = Clock::now() + timeout;
  while (Clock::now() < deadline) {
    if (command(i, {"PING"}) == "+PONG") return true;
    std::this_thread::sleep_for(20ms);
  }
  return false;
}

int LocalServers::wait_for_leader(std::chrono::milliseconds timeout) const {
  const auto deadline = Clock::now() + timeout;
  while (Clock::now() < deadline) {
    for (size_t i = 0; i < nodes_.size(); ++i) {
      if (nodes_[i].pid > 0 && info(i)["role"] == "leader") return static_cast<int>(i);
    }
    std::this_thread::sleep_for(50ms);
  }
  return -1;
}

}  // namespace faultline
