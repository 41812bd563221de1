// DhtDb: the Db of faultline-dht (targets/dht/README.md). Node i (1-based, in
// the order given) gets dht id i and listens on address:peer_port for peers
// and address:client_port for RESP clients; --nodes lists every node's peer
// address. Everything lives in one directory per node: the binary, data/,
// dht.log, dht.pid (DaemonDb does the lifecycle). Any node serves any key,
// so there is no primary.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "harness/db/daemon_db.h"
#include "harness/ssh/ssh_pool.h"

namespace faultline {

struct DhtOptions {
  std::string binary;             // local faultline-dht to upload
  std::string dir = "/root/dht";  // on each node
  int peer_port = 7200;
  int client_port = 7000;
  std::string mode = "abd";  // abd (linearizable) or eventual (not)
  int r = 0;                 // eventual only: replies a read waits for; 0: a majority of N
  int w = 0;                 // eventual only: acks a write waits for; 0: a majority of N
  int replicas = 3;          // N, at most the node count
  int vnodes = 128;
  int timeout_ms = 1000;  // a quorum not reached by then: -UNAVAILABLE
  // Runs the server under libfaketime, its clock offset read from
  // faketime_file() (nemesis/clock.cc writes it; docs/nemesis.md).
  bool faketime = false;
  // "" or the durability model the data directory is mounted through
  // faultline-diskfs with ("strict", "ext4"; targets.h).
  std::string diskfs;
};

// `faultline run --target dht --opt key=value ...`: keys mode, r, w,
// replicas, vnodes, timeout-ms, binary, dir, client-port, peer-port,
// faketime, diskfs (false, true = strict, strict or ext4). An unknown key or a bad value is an
// invalid_argument error naming it; so are r or w with mode abd, and r or w
// above replicas.
Status parse_dht_options(const std::map<std::string, std::string>& options, DhtOptions* out);

class DhtDb : public DaemonDb {
 public:
  // `nodes`: name and address (host) of each node; `pool` must have them all
  // and outlive this object.
  DhtDb(SshPool& pool, std::vector<SshTarget> nodes, DhtOptions options);

  // Refuses replicas above the node count, then DaemonDb::setup.
  Status setup(const std::string& node) override;
  // Always empty: every node coordinates every key.
  Status primaries(std::vector<std::string>* out) override;
  // --id, --nodes, --client-addr, --data-dir, --mode, --replicas, --vnodes,
  // --timeout-ms, then --r and --w when set. INFO (info()) has mode,
  // ring_size, primary_ranges, ...
  std::vector<std::string> server_args(const std::string& node) const override;

 private:
  DhtOptions options_;
};

}  // namespace faultline
