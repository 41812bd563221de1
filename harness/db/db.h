// Db: how faultline installs and runs one system under test on the nodes, the
// counterpart of Jepsen's DB protocol. One implementation per target (raftkv:
// harness/db/raftkv_db.h, dht: harness/db/dht_db.h, both on DaemonDb in
// harness/db/daemon_db.h). Every operation addresses one node by name and
// acts on it over SSH; for_each_node runs one on all nodes in parallel.
// docs/db.md lists the commands each operation runs on a node.
#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include "base/status.h"

namespace faultline {

class Db {
 public:
  virtual ~Db() = default;

  virtual std::vector<std::string> nodes() const = 0;

  // Installs the target on the node (binary, directories, configuration).
  virtual Status setup(const std::string& node) = 0;
  // Starts the target as a daemon; an error if it is already running.
  virtual Status start(const std::string& node) = 0;
  // Waits until the node serves clients, at most `timeout`.
  virtual Status wait_ready(const std::string& node, std::chrono::milliseconds timeout) = 0;
  // SIGTERM, then waits up to `grace` for the process to exit (SIGKILL after
  // that). Stopping a node that does not run is fine.
  virtual Status stop(const std::string& node, std::chrono::milliseconds grace) = 0;
  // SIGKILL: a crash. Killing a node that does not run is fine.
  virtual Status kill(const std::string& node) = 0;
  virtual Status pause(const std::string& node) = 0;   // SIGSTOP
  virtual Status resume(const std::string& node) = 0;  // SIGCONT
  // Whether the target's daemon runs (a paused one counts as running).
  virtual Status running(const std::string& node, bool* running) = 0;
  // The data directory on every node (absolute): what wipe deletes, what the
  // nemesis corrupts.
  virtual std::string data_dir() const = 0;
  // Deletes the node's data (the target must be stopped).
  virtual Status wipe(const std::string& node) = 0;
  // Copies the node's log files into `local_dir` (created if missing).
  virtual Status download_logs(const std::string& node, const std::string& local_dir) = 0;
  // The nodes that currently consider themselves primary (leader), from the
  // target's own status. Nodes that do not answer are skipped: none leading is
  // an empty list, two claiming it (a split brain, or a stale leader) both.
  virtual Status primaries(std::vector<std::string>* out) = 0;
};

// Runs fn(node) for every node of `db` in parallel; the first error (in node
// order) names its node.
Status for_each_node(const Db& db, const std::function<Status(const std::string&)>& fn);

// Polls primaries() until the same single node leads in two polls in a row,
// at most `timeout`; the error then says what the last poll saw.
Status wait_for_primary(Db& db, std::chrono::milliseconds timeout, std::string* primary);

}  // namespace faultline
