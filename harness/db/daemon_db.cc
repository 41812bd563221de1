#include "harness/db/daemon_db.h"

#include <fmt/format.h>

#include <filesystem>
#include <thread>

#include "harness/nodes/process.h"
#include "targets/resp/resp_client.h"

namespace faultline {

using std::chrono::milliseconds;

namespace {

constexpr milliseconds kCommandTimeout{15000};
constexpr milliseconds kUploadTimeout{60000};
constexpr milliseconds kRespTimeout{1000};

}  // namespace

DaemonDb::DaemonDb(SshPool& pool, std::vector<SshTarget> nodes, DaemonDbOptions options)
    : pool_(pool), nodes_(std::move(nodes)), options_(std::move(options)) {
  daemon_.dir = options_.dir;
  daemon_.binary =
      options_.executable.starts_with("/")
          ? options_.executable
          : options_.dir + "/" +
                (options_.executable.empty() ? "faultline-" + options_.name : options_.executable);
  daemon_.pidfile = options_.dir + "/" + options_.name + ".pid";
  daemon_.logfile = options_.dir + "/" + options_.name + ".log";
  if (options_.faketime) {
    // The offset file is re-read at most once a second (FAKETIME_CACHE_DURATION):
    // reading it on every clock call would slow the server down. Only the
    // wall clock moves, as when a real clock is stepped: faking
    // CLOCK_MONOTONIC too breaks asio's timers (docs/nemesis.md, clock).
    daemon_.env = {std::string("LD_PRELOAD=") + kLibfaketimePath,
                   "FAKETIME_TIMESTAMP_FILE=" + faketime_file(), "FAKETIME_CACHE_DURATION=1",
                   "FAKETIME_DONT_FAKE_MONOTONIC=1"};
  }
}

std::vector<std::string> DaemonDb::nodes() const {
  std::vector<std::string> names;
  for (const SshTarget& t : nodes_) names.push_back(t.node);
  return names;
}

Status DaemonDb::index_of(const std::string& node, size_t* index) const {
  for (size_t i = 0; i < nodes_.size(); ++i) {
    if (nodes_[i].node == node) {
      *index = i;
      return Status::ok();
    }
  }
  return Status::invalid_argument(fmt::format("{}: unknown node '{}'", options_.name, node));
}

std::string DaemonDb::numbered_addresses(int port) const {
  std::string out;
  for (size_t i = 0; i < nodes_.size(); ++i) {
    out += fmt::format("{}{}={}:{}", i == 0 ? "" : ",", i + 1, nodes_[i].host, port);
  }
  return out;
}

std::vector<std::string> DaemonDb::cluster_args(const std::string& node, int peer_port) const {
  size_t self = 0;  // an unknown node: the first one's
  for (size_t i = 0; i < nodes_.size(); ++i) {
    if (nodes_[i].node == node) self = i;
  }
  return {"--id",          std::to_string(self + 1),
          "--nodes",       numbered_addresses(peer_port),
          "--client-addr", fmt::format("{}:{}", nodes_[self].host, options_.client_port),
          "--data-dir",    data_dir()};
}

Status DaemonDb::nodes_where(const std::function<bool(const std::string& node)>& leads,
                             std::vector<std::string>* out) {
  const std::vector<std::string> names = nodes();
  std::vector<char> yes(names.size(), 0);  // not vector<bool>: written concurrently
  Status st = run_parallel(names.size(), [&](size_t i) {
    yes[i] = leads(names[i]) ? 1 : 0;
    return Status::ok();
  });
  if (!st.is_ok()) return st;
  out->clear();
  for (size_t i = 0; i < names.size(); ++i)
    if (yes[i]) out->push_back(names[i]);
  return Status::ok();
}

std::string DaemonDb::client_host(const std::string& node) const {
  size_t index;
  return index_of(node, &index).is_ok() ? nodes_[index].host : "";
}

Status DaemonDb::setup(const std::string& node) {
  size_t index;
  if (Status st = index_of(node, &index); !st.is_ok()) return st;
  if (!options_.binary.empty() && !std::filesystem::is_regular_file(options_.binary))
    return Status::invalid_argument(fmt::format(
        "{}: binary '{}' is not a file (pass --opt binary=PATH)", options_.name, options_.binary));
  std::string command = "mkdir -p " + shell_quote(data_dir());
  // A daemon started under libfaketime needs the offset file: no offset yet.
  if (options_.faketime)
    command +=
        fmt::format(" && {{ [ -e {0} ] || printf '+0\\n' >{0}; }}", shell_quote(faketime_file()));
  if (Status st = exec_checked(pool_, node, command, kCommandTimeout); !st.is_ok()) return st;
  if (diskfs_)
    if (Status st = diskfs_->upload(pool_, node); !st.is_ok()) return st;
  if (options_.binary.empty()) return Status::ok();
  return pool_.upload(node, options_.binary, daemon_.binary, 0755, kUploadTimeout);
}

void DaemonDb::use_diskfs(const std::string& local_binary, const std::string& durability) {
  diskfs_.emplace(options_.dir, data_dir(), local_binary, durability);
}

Status DaemonDb::start(const std::string& node) {
  size_t index;
  if (Status st = index_of(node, &index); !st.is_ok()) return st;
  if (diskfs_)
    if (Status st = diskfs_->mount(pool_, node); !st.is_ok()) return st;
  return start_daemon(pool_, node, daemon_, server_args(node));
}

Status DaemonDb::wait_ready(const std::string& node, milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  size_t index;
  if (Status st = index_of(node, &index); !st.is_ok()) return st;
  Status last;
  while (true) {
    last = probe(node);
    if (last.is_ok()) return Status::ok();
    if (std::chrono::steady_clock::now() >= deadline) break;
    std::this_thread::sleep_for(milliseconds(100));
  }
  std::string tail;
  ExecResult r;
  if (pool_.exec(node, "tail -n 20 " + shell_quote(daemon_.logfile), kCommandTimeout, &r).is_ok())
    tail = r.stdout_text;
  return Status::io_error(fmt::format("{} on {} not ready within {} ms ({}); log tail:\n{}",
                                      options_.name, node, timeout.count(), last.message(), tail));
}

Status DaemonDb::probe(const std::string& node) {
  size_t index;
  if (Status st = index_of(node, &index); !st.is_ok()) return st;
  RespReply reply;
  Status st =
      resp_command(nodes_[index].host, options_.client_port, {"PING"}, kRespTimeout, &reply);
  if (st.is_ok() && (reply.kind != RespReply::Kind::kString || reply.text != "PONG"))
    st = Status::io_error("PING answered '" + reply.text + "'");
  return st;
}

Status DaemonDb::stop(const std::string& node, milliseconds grace) {
  if (Status st = signal_daemon(pool_, node, daemon_, "TERM", grace); !st.is_ok() || !diskfs_)
    return st;
  return diskfs_->unmount(pool_, node);
}

Status DaemonDb::kill(const std::string& node) {
  return signal_daemon(pool_, node, daemon_, "KILL", milliseconds(0));
}

Status DaemonDb::pause(const std::string& node) {
  return signal_daemon(pool_, node, daemon_, "STOP", milliseconds(0));
}

Status DaemonDb::resume(const std::string& node) {
  return signal_daemon(pool_, node, daemon_, "CONT", milliseconds(0));
}

Status DaemonDb::running(const std::string& node, bool* running) {
  size_t index;
  if (Status st = index_of(node, &index); !st.is_ok()) return st;
  return daemon_running(pool_, node, daemon_, running);
}

Status DaemonDb::wipe(const std::string& node) {
  bool runs = false;
  if (Status st = running(node, &runs); !st.is_ok()) return st;
  if (runs)
    return Status::invalid_argument(
        fmt::format("{} on {} still runs: stop it first", options_.name, node));
  return exec_checked(pool_, node, "rm -rf " + shell_quote(data_dir()), kCommandTimeout);
}

Status DaemonDb::download_logs(const std::string& node, const std::string& local_dir) {
  std::error_code ec;
  std::filesystem::create_directories(local_dir, ec);
  if (ec) return Status::io_error(fmt::format("cannot create {}: {}", local_dir, ec.message()));
  return download_file(node, daemon_.logfile, local_dir + "/" + options_.name + ".log");
}

Status DaemonDb::download_file(const std::string& node, const std::string& remote,
                               const std::string& local) {
  // A log grows while the daemon runs, and a download checks the file's
  // checksum: copy it first, so that what is checked holds still.
  const std::string copy = remote + ".download";
  if (Status st =
          exec_checked(pool_, node, fmt::format("cp {} {}", shell_quote(remote), shell_quote(copy)),
                       kCommandTimeout);
      !st.is_ok())
    return st;
  Status st = pool_.download(node, copy, local, kUploadTimeout);
  ExecResult ignored;
  pool_.exec(node, "rm -f " + shell_quote(copy), kCommandTimeout, &ignored);
  return st;
}

Status DaemonDb::info(const std::string& node, std::map<std::string, std::string>* fields) {
  size_t index;
  if (Status st = index_of(node, &index); !st.is_ok()) return st;
  RespReply reply;
  if (Status st =
          resp_command(nodes_[index].host, options_.client_port, {"INFO"}, kRespTimeout, &reply);
      !st.is_ok())
    return st;
  if (reply.kind != RespReply::Kind::kString)
    return Status::io_error(
        fmt::format("{} on {}: INFO answered '{}'", options_.name, node, reply.text));
  *fields = parse_info(reply.text);
  return Status::ok();
}

}  // namespace faultline
