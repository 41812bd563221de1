#include "harness/db/raftkv_db.h"

#include <fmt/format.h>

#include <filesystem>
#include <thread>

#include "harness/db/resp_client.h"
#include "harness/nodes/process.h"

namespace faultline {

using std::chrono::milliseconds;

namespace {

constexpr milliseconds kCommandTimeout{15000};
constexpr milliseconds kUploadTimeout{60000};
constexpr milliseconds kRespTimeout{1000};
constexpr const char* kBinaryName = "faultline-raftkv";
constexpr const char* kLogName = "raftkv.log";

}  // namespace

RaftkvDb::RaftkvDb(SshPool& pool, std::vector<SshTarget> nodes, RaftkvOptions options)
    : pool_(pool), nodes_(std::move(nodes)), options_(std::move(options)) {
  daemon_.dir = options_.dir;
  daemon_.binary = options_.dir + "/" + kBinaryName;
  daemon_.pidfile = options_.dir + "/raftkv.pid";
  daemon_.logfile = options_.dir + "/" + kLogName;
}

std::vector<std::string> RaftkvDb::nodes() const {
  std::vector<std::string> names;
  for (const SshTarget& t : nodes_) names.push_back(t.node);
  return names;
}

Status RaftkvDb::index_of(const std::string& node, size_t* index) const {
  for (size_t i = 0; i < nodes_.size(); ++i) {
    if (nodes_[i].node == node) {
      *index = i;
      return Status::ok();
    }
  }
  return Status::invalid_argument(fmt::format("raftkv: unknown node '{}'", node));
}

std::string RaftkvDb::client_host(const std::string& node) const {
  for (const SshTarget& t : nodes_)
    if (t.node == node) return t.host;
  return "";
}

std::vector<std::string> RaftkvDb::server_args(const std::string& node) const {
  std::string peers, client_peers;
  size_t self = 0;
  for (size_t i = 0; i < nodes_.size(); ++i) {
    const std::string sep = i == 0 ? "" : ",";
    peers += fmt::format("{}{}={}:{}", sep, i + 1, nodes_[i].host, options_.peer_port);
    client_peers += fmt::format("{}{}={}:{}", sep, i + 1, nodes_[i].host, options_.client_port);
    if (nodes_[i].node == node) self = i;
  }
  return {"--id",           std::to_string(self + 1),
          "--peers",        peers,
          "--client-peers", client_peers,
          "--client-addr",  fmt::format("{}:{}", nodes_[self].host, options_.client_port),
          "--data-dir",     options_.dir + "/data",
          "--election-ms",  std::to_string(options_.election_ms),
          "--heartbeat-ms", std::to_string(options_.heartbeat_ms)};
}

Status RaftkvDb::setup(const std::string& node) {
  size_t index;
  if (Status st = index_of(node, &index); !st.is_ok()) return st;
  if (options_.binary.empty() || !std::filesystem::is_regular_file(options_.binary))
    return Status::invalid_argument(
        fmt::format("raftkv: binary '{}' is not a file (build faultline-raftkv)", options_.binary));
  if (Status st = exec_checked(
          pool_, node, fmt::format("mkdir -p {}/data", shell_quote(options_.dir)), kCommandTimeout);
      !st.is_ok())
    return st;
  return pool_.upload(node, options_.binary, daemon_.binary, 0755, kUploadTimeout);
}

Status RaftkvDb::start(const std::string& node) {
  size_t index;
  if (Status st = index_of(node, &index); !st.is_ok()) return st;
  return start_daemon(pool_, node, daemon_, server_args(node));
}

Status RaftkvDb::wait_ready(const std::string& node, milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  const std::string host = client_host(node);
  if (host.empty()) return Status::invalid_argument(fmt::format("raftkv: unknown node '{}'", node));
  Status last;
  while (true) {
    RespReply reply;
    last = resp_command(host, options_.client_port, {"PING"}, kRespTimeout, &reply);
    if (last.is_ok() && reply.kind == RespReply::Kind::kString && reply.text == "PONG")
      return Status::ok();
    if (last.is_ok()) last = Status::io_error("PING answered '" + reply.text + "'");
    if (std::chrono::steady_clock::now() >= deadline) break;
    std::this_thread::sleep_for(milliseconds(100));
  }
  std::string tail;
  ExecResult r;
  if (pool_.exec(node, "tail -n 20 " + shell_quote(daemon_.logfile), kCommandTimeout, &r).is_ok())
    tail = r.stdout_text;
  return Status::io_error(fmt::format("raftkv on {} not ready within {} ms ({}); log tail:\n{}",
                                      node, timeout.count(), last.message(), tail));
}

Status RaftkvDb::stop(const std::string& node, milliseconds grace) {
  return signal_daemon(pool_, node, daemon_, "TERM", grace);
}

Status RaftkvDb::kill(const std::string& node) {
  return signal_daemon(pool_, node, daemon_, "KILL", milliseconds(0));
}

Status RaftkvDb::pause(const std::string& node) {
  return signal_daemon(pool_, node, daemon_, "STOP", milliseconds(0));
}

Status RaftkvDb::resume(const std::string& node) {
  return signal_daemon(pool_, node, daemon_, "CONT", milliseconds(0));
}

Status RaftkvDb::wipe(const std::string& node) {
  bool running = false;
  if (Status st = daemon_running(pool_, node, daemon_, &running); !st.is_ok()) return st;
  if (running)
    return Status::invalid_argument(fmt::format("raftkv on {} still runs: stop it first", node));
  return exec_checked(pool_, node, fmt::format("rm -rf {}/data", shell_quote(options_.dir)),
                      kCommandTimeout);
}

Status RaftkvDb::download_logs(const std::string& node, const std::string& local_dir) {
  std::error_code ec;
  std::filesystem::create_directories(local_dir, ec);
  if (ec) return Status::io_error(fmt::format("cannot create {}: {}", local_dir, ec.message()));
  // The log grows while the server runs, and a download checks the file's
  // checksum: copy it first, so that what is checked holds still.
  const std::string copy = daemon_.logfile + ".download";
  if (Status st = exec_checked(
          pool_, node, fmt::format("cp {} {}", shell_quote(daemon_.logfile), shell_quote(copy)),
          kCommandTimeout);
      !st.is_ok())
    return st;
  Status st = pool_.download(node, copy, local_dir + "/" + kLogName, kUploadTimeout);
  ExecResult ignored;
  pool_.exec(node, "rm -f " + shell_quote(copy), kCommandTimeout, &ignored);
  return st;
}

Status RaftkvDb::info(const std::string& node, std::map<std::string, std::string>* fields) {
  const std::string host = client_host(node);
  if (host.empty()) return Status::invalid_argument(fmt::format("raftkv: unknown node '{}'", node));
  RespReply reply;
  if (Status st = resp_command(host, options_.client_port, {"INFO"}, kRespTimeout, &reply);
      !st.is_ok())
    return st;
  if (reply.kind != RespReply::Kind::kString)
    return Status::io_error(fmt::format("raftkv on {}: INFO answered '{}'", node, reply.text));
  *fields = parse_info(reply.text);
  return Status::ok();
}

Status RaftkvDb::primaries(std::vector<std::string>* out) {
  std::vector<std::map<std::string, std::string>> infos(nodes_.size());
  std::vector<char> answered(nodes_.size(), 0);  // not vector<bool>: written concurrently
  // Nodes that do not answer are not primaries; the calls cannot fail.
  Status st = run_parallel(nodes_.size(), [&](size_t i) {
    answered[i] = info(nodes_[i].node, &infos[i]).is_ok() ? 1 : 0;
    return Status::ok();
  });
  if (!st.is_ok()) return st;
  out->clear();
  for (size_t i = 0; i < nodes_.size(); ++i)
    if (answered[i] && infos[i]["role"] == "leader") out->push_back(nodes_[i].node);
  return Status::ok();
}

}  // namespace faultline
