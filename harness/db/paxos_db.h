// PaxosDb: the Db of faultline-paxos (targets/paxos/README.md). Node i
// (1-based, in the order given) gets paxos id i and listens on
// address:peer_port for peers and address:client_port for RESP clients;
// --nodes lists every node's peer address. Everything lives in one
// directory per node: the binary, data/, paxos.log, paxos.pid (DaemonDb does
// the lifecycle). Every node proposes for every key (CASPaxos), so there is
// no primary.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "harness/db/daemon_db.h"
#include "harness/ssh/ssh_pool.h"

namespace faultline {

struct PaxosOptions {
  std::string binary;               // local faultline-paxos to upload
  std::string dir = "/root/paxos";  // on each node
  int peer_port = 7300;
  int client_port = 7000;
  int timeout_ms = 1000;  // a proposal not chosen by then: -UNAVAILABLE
  int retry_ms = 20;      // silent acceptors are asked again this often
  // Runs the server under libfaketime, its clock offset read from
  // faketime_file() (nemesis/clock.cc writes it; docs/nemesis.md).
  bool faketime = false;
  // "" or the durability model the data directory is mounted through
  // faultline-diskfs with ("strict", "ext4"; targets.h).
  std::string diskfs;
  std::vector<std::string> failpoints;  // --unsafe-failpoint names, checked
  // --allow-crashpoints: the nemesis's kill:aimed may arm the crash point
  // `promise` (targets/paxos/failpoints.h) over RESP.
  bool crashpoints = false;
};

// `faultline run --target paxos --opt key=value ...`: keys timeout-ms,
// binary, dir, client-port, peer-port, faketime, diskfs (false, true, strict, ext4),
// crashpoints (true or false),
// unsafe-failpoint (comma-separated names of targets/paxos/failpoints.h). An
// unknown key or a bad value is an invalid_argument error naming it.
Status parse_paxos_options(const std::map<std::string, std::string>& options, PaxosOptions* out);

class PaxosDb : public DaemonDb {
 public:
  // `nodes`: name and address (host) of each node; `pool` must have them all
  // and outlive this object.
  PaxosDb(SshPool& pool, std::vector<SshTarget> nodes, PaxosOptions options);

  // Always empty: every node proposes for every key.
  Status primaries(std::vector<std::string>* out) override;
  // --id, --nodes, --client-addr, --data-dir, --timeout-ms, then one
  // --unsafe-failpoint per name. INFO has role, ballot, ...
  std::vector<std::string> server_args(const std::string& node) const override;

 private:
  PaxosOptions options_;
};

}  // namespace faultline
