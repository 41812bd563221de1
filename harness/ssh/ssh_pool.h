// SshPool: one SSH session per node, opened on first use and reopened (with
// backoff) after the connection drops. Calls for different nodes run in
// parallel; calls for the same node are serialised on its one session.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "harness/ssh/ssh_session.h"

namespace faultline {

struct ReconnectPolicy {
  int attempts = 5;  // connection attempts after a drop (the first connect is tried once)
  std::chrono::milliseconds first_backoff{50};  // doubles after each failed attempt
  std::chrono::milliseconds max_backoff{1000};
};

class SshPool {
 public:
  explicit SshPool(SshOptions options, ReconnectPolicy reconnect = {});
  ~SshPool();

  // Registers a node (by target.node, which must be unique). Not thread-safe:
  // add every node before using the pool from several threads.
  Status add(const SshTarget& target);
  std::vector<std::string> nodes() const;

  // SshSession::exec on the node's session. A command that failed before it
  // reached the server (the connection had dropped) is retried once on a
  // fresh connection; one that may have run is not.
  Status exec(const std::string& node, const std::string& command,
              std::chrono::milliseconds timeout, ExecResult* result);
  Status upload(const std::string& node, const std::string& local, const std::string& remote,
                int mode, std::chrono::milliseconds timeout);
  Status download(const std::string& node, const std::string& remote, const std::string& local,
                  std::chrono::milliseconds timeout);

  // Runs `fn` on the node's session, connecting first if needed.
  Status with_session(const std::string& node, const std::function<Status(SshSession&)>& fn);

  // Connections made so far (first connects and reconnects), for tests and stats.
  int connects(const std::string& node) const;

 private:
  struct Slot;
  Slot* slot(const std::string& node, Status* st) const;
  // Makes slot.session usable; call with slot.mu held.
  Status ensure_connected(Slot& slot);

  SshOptions options_;
  ReconnectPolicy reconnect_;
  std::map<std::string, std::unique_ptr<Slot>> slots_;
};

}  // namespace faultline
