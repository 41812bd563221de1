// RaftkvDb: the Db of faultline-raftkv (targets/raftkv/server/README.md).
// Node i (1-based, in the order given) gets raft id i and listens on
// address:peer_port for peers and address:client_port for RESP clients, so
// --peers and --client-peers list every node's address. Everything lives in
// one directory per node: the binary, data/, raftkv.log, raftkv.pid.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "harness/db/db.h"
#include "harness/db/remote_daemon.h"
#include "harness/ssh/ssh_pool.h"

namespace faultline {

struct RaftkvOptions {
  std::string binary;                // local faultline-raftkv to upload
  std::string dir = "/root/raftkv";  // on each node
  int peer_port = 7100;
  int client_port = 7000;
  int election_ms = 1000;
  int heartbeat_ms = 100;
};

class RaftkvDb : public Db {
 public:
  // `nodes`: name and address (host) of each node; `pool` must have them all
  // and outlive this object.
  RaftkvDb(SshPool& pool, std::vector<SshTarget> nodes, RaftkvOptions options);

  std::vector<std::string> nodes() const override;
  Status setup(const std::string& node) override;
  Status start(const std::string& node) override;
  Status wait_ready(const std::string& node, std::chrono::milliseconds timeout) override;
  Status stop(const std::string& node, std::chrono::milliseconds grace) override;
  Status kill(const std::string& node) override;
  Status pause(const std::string& node) override;
  Status resume(const std::string& node) override;
  Status wipe(const std::string& node) override;
  Status download_logs(const std::string& node, const std::string& local_dir) override;
  Status primaries(std::vector<std::string>* out) override;

  // The node's INFO fields (role, term, leader_id, ...).
  Status info(const std::string& node, std::map<std::string, std::string>* fields);
  // Where clients reach the node.
  std::string client_host(const std::string& node) const;
  int client_port() const { return options_.client_port; }
  // The raftkv command line (without the binary) for the node.
  std::vector<std::string> server_args(const std::string& node) const;
  const RemoteDaemon& daemon() const { return daemon_; }

 private:
  // The node's index in nodes_, or an error naming the unknown node.
  Status index_of(const std::string& node, size_t* index) const;

  SshPool& pool_;
  std::vector<SshTarget> nodes_;
  RaftkvOptions options_;
  RemoteDaemon daemon_;
};

}  // namespace faultline
