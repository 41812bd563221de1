// EtcdDb: the Db of etcd 3.4 (Debian's etcd-server), a real system that
// faultline did not write. The local etcd binary (/usr/bin/etcd) is uploaded
// to every node like raftkv's, as DIR/etcd; node i (in the order given) is
// member n_i of one static cluster (--initial-cluster lists every node's peer
// URL), listening for peers on address:peer_port and for clients on
// address:client_port, where the v3 JSON gateway serves the workloads
// (harness/db/etcd_http.h). DaemonDb does the lifecycle: DIR/data, etcd.log,
// etcd.pid. Clock faults: libfaketime cannot move a Go binary's clock (Go
// reads the time through the vDSO, not libc), so a clock nemesis changes
// nothing for etcd (docs/targets.md).
#pragma once

#include <map>
#include <string>
#include <vector>

#include "harness/db/daemon_db.h"
#include "harness/ssh/ssh_pool.h"

namespace faultline {

struct EtcdOptions {
  std::string binary = "/usr/bin/etcd";  // local etcd to upload
  std::string dir = "/root/etcd";        // on each node
  int client_port = 2379;
  int peer_port = 2380;
  int election_ms = 1000;  // --election-timeout
  int heartbeat_ms = 100;  // --heartbeat-interval
  bool faketime = false;
  // "" or the durability model the data directory is mounted through
  // faultline-diskfs with ("strict", "ext4"; targets.h).
  std::string diskfs;
};

class EtcdDb : public DaemonDb {
 public:
  // `nodes`: name and address (host) of each node; `pool` must have them all
  // and outlive this object.
  EtcdDb(SshPool& pool, std::vector<SshTarget> nodes, EtcdOptions options);

  // The nodes whose /v3/maintenance/status names themselves as leader.
  Status primaries(std::vector<std::string>* out) override;
  // Ready when /v3/maintenance/status answers (etcd serves clients only once
  // it has joined the cluster through a quorum).
  Status probe(const std::string& node) override;
  std::vector<std::string> server_args(const std::string& node) const override;

 private:
  EtcdOptions options_;
};

// Parses etcd's --opt keys (binary, dir, client-port, peer-port, election-ms,
// heartbeat-ms, faketime, diskfs; `read` is the client's and is skipped here) into
// `out`; an unknown key or a bad value is an invalid_argument error.
Status parse_etcd_options(const std::map<std::string, std::string>& options, EtcdOptions* out);

}  // namespace faultline
