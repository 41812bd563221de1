// SSH for a local cluster: keys made at `up` (never ~/.ssh), and one sshd per
// node started inside the node's namespaces.
#include <arpa/inet.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "harness/nodes/node_setup.h"
#include "harness/nodes/process.h"
#include "harness/ssh/ssh_session.h"
#include "spawn/spawn.h"

namespace faultline {
namespace {

using Clock = std::chrono::steady_clock;

Status write_private_file(const std::string& path, const std::string& text) {
  int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return Status::io_error(fmt::format("cannot write {}: {}", path, strerror(errno)));
  const bool ok = write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  close(fd);
  return ok ? Status::ok() : Status::io_error(fmt::format("cannot write {}", path));
}

Status read_file(const std::string& path, std::string* text) {
  std::ifstream in(path);
  if (!in) return Status::io_error(fmt::format("cannot read {}", path));
  std::stringstream ss;
  ss << in.rdbuf();
  *text = ss.str();
  return Status::ok();
}

// "ssh-ed25519 AAAA... comment\n" -> "ssh-ed25519 AAAA..."
std::string key_without_comment(const std::string& pub) {
  std::istringstream words(pub);
  std::string type, blob;
  words >> type >> blob;
  return type + " " + blob;
}

std::string sshd_config_text(const ClusterState& state, const LocalNode& node) {
  // StrictModes is off because the cluster directory may sit under a
  // world-writable /tmp; the files it would check are ours and 0600.
  return fmt::format(
      "# sshd for node {node} of faultline cluster {cluster} (written by `faultline cluster up`)\n"
      "ListenAddress {addr}:22\n"
      "HostKey {host_key}\n"
      "AuthorizedKeysFile {dir}/keys/authorized_keys\n"
      "PidFile none\n"
      "PermitRootLogin prohibit-password\n"
      "PubkeyAuthentication yes\n"
      "PasswordAuthentication no\n"
      "KbdInteractiveAuthentication no\n"
      "UsePAM no\n"
      "StrictModes no\n"
      "UseDNS no\n"
      "PrintMotd no\n"
      "PrintLastLog no\n"
      "MaxStartups 200\n"
      "MaxSessions 200\n"
      "ClientAliveInterval 15\n"
      "ClientAliveCountMax 3\n"
      "Subsystem sftp internal-sftp\n"
      "SetEnv FAULTLINE_NODE={node} FAULTLINE_NODE_DIR={node_dir}\n"
      "LogLevel INFO\n",
      fmt::arg("node", node.name), fmt::arg("cluster", state.name), fmt::arg("addr", node.address),
      fmt::arg("host_key", node.host_key), fmt::arg("dir", state.dir),
      fmt::arg("node_dir", node.dir));
}

// The first child of `pid` (unshare's forked child), waiting for it to
// appear while `pid` lives, up to 10 s: `ip netns exec` and unshare take
// well over a second on a loaded 2-core machine (seen: "sshd did not start"
// with an empty log while suites and builds ran beside it).
pid_t first_child(pid_t pid) {
  const auto deadline = Clock::now() + std::chrono::seconds(10);
  const std::string path = fmt::format("/proc/{}/task/{}/children", pid, pid);
  while (Clock::now() < deadline && process_alive(pid)) {
    std::ifstream in(path);
    pid_t child = 0;
    if (in >> child && child > 0) return child;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return 0;
}

bool tcp_port_open(const std::string& address, int port) {
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(static_cast<uint16_t>(port));
  if (inet_pton(AF_INET, address.c_str(), &sa.sin_addr) != 1) return false;
  int sock = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (sock < 0) return false;
  bool open_now = connect(sock, reinterpret_cast<sockaddr*>(&sa), sizeof sa) == 0;
  if (!open_now && errno == EINPROGRESS) {
    pollfd pfd{sock, POLLOUT, 0};
    int err = 0;
    socklen_t len = sizeof err;
    open_now = poll(&pfd, 1, 200) == 1 && getsockopt(sock, SOL_SOCKET, SO_ERROR, &err, &len) == 0 &&
               err == 0;
  }
  close(sock);
  return open_now;
}

// The last line of the node's sshd log: why it failed, since a failed `up`
// removes the log with everything else.
std::string sshd_log_tail(const LocalNode& node) {
  std::string text;
  if (!read_file(node.dir + "/sshd.log", &text).is_ok()) return "no log";
  while (!text.empty() && text.back() == '\n') text.pop_back();
  const size_t nl = text.rfind('\n');
  return text.empty() ? "empty log"
                      : "sshd said: " + text.substr(nl == std::string::npos ? 0 : nl + 1);
}

}  // namespace

Status create_cluster_keys(const ClusterState& state) {
  const std::string keys = state.dir + "/keys";
  if (mkdir(keys.c_str(), 0700) != 0 && errno != EEXIST)
    return Status::io_error(fmt::format("cannot create {}: {}", keys, strerror(errno)));
  std::vector<std::string> paths = {state.client_key};
  for (const LocalNode& n : state.nodes) paths.push_back(n.host_key);
  const std::string comment = "faultline-cluster-" + state.name;
  Status st = run_parallel(paths.size(), [&](size_t i) {
    return run_checked(
        {"ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", comment, "-f", paths[i]},
        std::chrono::seconds(10));
  });
  if (!st.is_ok()) return st;
  std::string client_pub;
  if (st = read_file(state.client_key + ".pub", &client_pub); !st.is_ok()) return st;
  if (st = write_private_file(keys + "/authorized_keys", client_pub); !st.is_ok()) return st;
  std::string known;
  for (const LocalNode& n : state.nodes) {
    std::string pub;
    if (st = read_file(n.host_key + ".pub", &pub); !st.is_ok()) return st;
    known += n.address + " " + key_without_comment(pub) + "\n";
  }
  return write_private_file(state.known_hosts, known);
}

Status start_sshd(const ClusterState& state, LocalNode* node) {
  std::error_code ec;
  std::filesystem::create_directories(node->dir, ec);
  if (ec) return Status::io_error(fmt::format("cannot create {}: {}", node->dir, ec.message()));
  // sshd's privilege-separation directory (Debian's service unit makes it at
  // boot; a machine that never ran sshd lacks it). Shared and left in place.
  if (mkdir("/run/sshd", 0755) != 0 && errno != EEXIST)
    return Status::io_error(fmt::format("cannot create /run/sshd: {}", strerror(errno)));
  if (Status st = write_private_file(node->sshd_config, sshd_config_text(state, *node));
      !st.is_ok())
    return st;
  // The node's own /root (bind-mounted in its private mount namespace): nodes
  // do not share a home, and root's shell on a node does not run the
  // controller's ~/.bashrc on every command. (local_cluster.cc keeps cluster
  // directories out of /root, which this hides.)
  const std::string home = node->dir + "/root";
  if (mkdir(home.c_str(), 0700) != 0 && errno != EEXIST)
    return Status::io_error(fmt::format("cannot create {}: {}", home, strerror(errno)));
  // unshare holds the node's UTS, PID and mount namespaces: its child sets the
  // hostname, mounts the node's /root, and becomes sshd, PID 1 in the node, so
  // when it dies the kernel kills everything started over SSH; --kill-child
  // takes sshd down if unshare itself is killed.
  const std::string script =
      fmt::format("hostname {} && mount --bind {} /root && exec {}{}", node->name,
                  shell_quote(home), kSshdCommand, shell_quote(node->sshd_config));
  const std::vector<std::string> argv = {
      "ip",     "netns",        "exec",         node->netns, "unshare", "--uts", "--pid",
      "--fork", "--kill-child", "--mount-proc", "/bin/sh",   "-c",      script};
  if (Status st = spawn_detached(argv, node->dir + "/sshd.log", &node->launcher_pid); !st.is_ok())
    return st;
  node->sshd_pid = first_child(node->launcher_pid);
  if (node->sshd_pid == 0)
    return Status::io_error(
        fmt::format("node {}: sshd did not start ({})", node->name, sshd_log_tail(*node)));
  return Status::ok();
}

Status wait_sshd_listening(const ClusterState& state, std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  for (const LocalNode& n : state.nodes) {
    while (!tcp_port_open(n.address, 22)) {
      if (Clock::now() >= deadline || !process_alive(n.sshd_pid))
        return Status::io_error(
            fmt::format("node {}: sshd is not listening on {}:22 ({}; {})", n.name, n.address,
                        process_alive(n.sshd_pid) ? "timed out" : "it exited", sshd_log_tail(n)));
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
  }
  return Status::ok();
}

}  // namespace faultline
