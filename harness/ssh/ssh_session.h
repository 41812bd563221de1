// SshSession: one SSH connection to one node (libssh2, non-blocking, every
// wait bounded by poll with a deadline), with strict host-key checking, remote
// command execution and checksummed SFTP transfers.
//
// Errors are Status values whose message names the node and the command.
// Every command is logged at debug level (spdlog); key material never is.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "base/status.h"

namespace faultline {

// Where a node is and how to log in to it.
struct SshTarget {
  std::string node;  // name used in messages and logs, e.g. "n1"
  std::string host;  // address or DNS name
  int port = 22;
  std::string user = "root";
  std::string key_file;  // private key (OpenSSH format); the public key is derived from it
  bool sudo = false;     // prefix commands with `sudo -n` (for a user that is not root)
};

enum class HostKeyPolicy {
  kStrict,     // the host's key must be in known_hosts (the default)
  kAcceptNew,  // an unknown host's key is accepted and appended; a changed key still fails
};

struct SshOptions {
  std::string known_hosts;  // OpenSSH known_hosts file
  HostKeyPolicy host_key_policy = HostKeyPolicy::kStrict;
  std::chrono::milliseconds connect_timeout{5000};  // TCP connect + handshake + auth
  int keepalive_interval_s = 10;                    // SSH-level keepalive; 0: off
};

struct ExecResult {
  int exit_status = -1;     // the remote exit status; 128 + n when killed by signal n
  std::string exit_signal;  // e.g. "KILL" when killed by a signal, else empty
  std::string stdout_text;
  std::string stderr_text;
  // Whether the command was handed to the server. When exec fails with this
  // false, the command certainly did not run, so retrying it is safe.
  bool started = false;
};

// Wraps `text` in single quotes for a POSIX shell.
std::string shell_quote(const std::string& text);

class SshSession {
 public:
  // Connects, checks the host key, logs in with the key file. Fails within
  // about options.connect_timeout.
  static Status connect(const SshTarget& target, const SshOptions& options,
                        std::unique_ptr<SshSession>* out);
  ~SshSession();
  SshSession(const SshSession&) = delete;
  SshSession& operator=(const SshSession&) = delete;

  // Runs `command` with `sh -c` (as `sudo -n -- sh -c` when target.sudo). A
  // command that fails is not an error: see result->exit_status. Errors are
  // transport failures and timeouts; on a timeout the command's process group
  // is killed (SIGKILL) and the session stays usable.
  Status exec(const std::string& command, std::chrono::milliseconds timeout, ExecResult* result);

  // Copies a local file to `remote` (written to a temporary name, checked with
  // a remote `sha256sum` against the local SHA-256, then renamed into place
  // with `mode`), so a reader never sees a partial file.
  Status upload(const std::string& local, const std::string& remote, int mode,
                std::chrono::milliseconds timeout);
  // Copies `remote` to `local` over SFTP; the SHA-256 of what arrived must
  // match a remote `sha256sum` taken before. `local` is replaced atomically.
  Status download(const std::string& remote, const std::string& local,
                  std::chrono::milliseconds timeout);

  // False once the connection has failed (the pool then reconnects).
  bool usable() const { return !broken_; }
  const SshTarget& target() const { return target_; }

  struct Impl;  // libssh2 handles; defined in harness/ssh/ssh_impl.h, private to harness/ssh

 private:
  SshSession(SshTarget target, SshOptions options);
  // Runs the whole SFTP write (or read) part of a transfer.
  Status sftp_write(const std::string& local, const std::string& remote,
                    std::chrono::steady_clock::time_point deadline, std::string* sha256);
  Status sftp_read(const std::string& remote, const std::string& local,
                   std::chrono::steady_clock::time_point deadline, std::string* sha256);
  Status remote_sha256(const std::string& path, std::chrono::steady_clock::time_point deadline,
                       std::string* sha256);
  // "node n1 (root@10.0.0.1:22): " — the prefix of every error message.
  std::string where() const;

  SshTarget target_;
  SshOptions options_;
  std::unique_ptr<Impl> impl_;
  bool broken_ = false;
};

}  // namespace faultline
