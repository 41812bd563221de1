// RaftkvDb: the Db of faultline-raftkv (targets/raftkv/server/README.md).
// Node i (1-based, in the order given) gets raft id i and listens on
// address:peer_port for peers and address:client_port for RESP clients, so
// --peers and --client-peers list every node's address. Everything lives in
// one directory per node: the binary, data/, raftkv.log, raftkv.pid
// (DaemonDb does the lifecycle).
#pragma once

#include <map>
#include <string>
#include <vector>

#include "harness/db/daemon_db.h"
#include "harness/ssh/ssh_pool.h"

namespace faultline {

struct RaftkvOptions {
  std::string binary;                // local faultline-raftkv to upload
  std::string dir = "/root/raftkv";  // on each node
  int peer_port = 7100;
  int client_port = 7000;
  int election_ms = 1000;
  int heartbeat_ms = 100;
  // More server flags, e.g. {"--unsafe-failpoint", "stale-read"}.
  std::vector<std::string> extra_args;
  // Runs the server under libfaketime, its clock offset read from
  // faketime_file() (nemesis/clock.cc writes it; docs/nemesis.md).
  bool faketime = false;
  // "" or the durability model the data directory is mounted through
  // faultline-diskfs with ("strict", "ext4"; targets.h).
  std::string diskfs;
  // --allow-crashpoints: the nemesis's kill:aimed may arm the crash point
  // `vote` (targets/raftkv/failpoints.h) over RESP.
  bool crashpoints = false;
};

// Sets `out` from raftkv's --opt pairs (binary, dir, election-ms,
// heartbeat-ms, client-port, peer-port, faketime, diskfs, crashpoints, and
// snapshot-threshold, max-append-entries, unsafe-failpoint, which become
// extra_args), on top of what it
// holds; an unknown key or a bad value is invalid_argument naming it. Used
// by make_deployment and by faultline sim, which takes the same options.
Status parse_raftkv_options(const std::map<std::string, std::string>& options, RaftkvOptions* out);

class RaftkvDb : public DaemonDb {
 public:
  // `nodes`: name and address (host) of each node; `pool` must have them all
  // and outlive this object.
  RaftkvDb(SshPool& pool, std::vector<SshTarget> nodes, RaftkvOptions options);

  // The nodes whose INFO says role:leader (INFO also has term, leader_id,
  // leader_client_addr).
  Status primaries(std::vector<std::string>* out) override;
  // --id, --peers, --client-peers, --client-addr, --data-dir, --election-ms,
  // --heartbeat-ms, then options.extra_args.
  std::vector<std::string> server_args(const std::string& node) const override;

 private:
  RaftkvOptions options_;
};

}  // namespace faultline
