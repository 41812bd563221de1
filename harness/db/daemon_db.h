// DaemonDb: the part of a Db shared by targets that run as one daemon per node
// with a client port (raftkv, dht, etcd). Each node gets one directory DIR
// holding the uploaded binary (faultline-NAME unless named otherwise), data/,
// NAME.log and NAME.pid; the daemon is managed through the pidfile
// (harness/db/remote_daemon.h), optionally under libfaketime. A subclass
// supplies the command line (server_args) and the primaries, and, for a
// client protocol other than RESP, the readiness probe; docs/db.md lists the
// commands run on a node.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "harness/db/db.h"
#include "harness/db/diskfs_mount.h"
#include "harness/db/remote_daemon.h"
#include "harness/ssh/ssh_pool.h"

namespace faultline {

// Where Debian's libfaketime package installs the preload library (the
// thread-safe variant: the servers are multi-threaded).
inline constexpr const char* kLibfaketimePath =
    "/usr/lib/x86_64-linux-gnu/faketime/libfaketimeMT.so.1";

struct DaemonDbOptions {
  std::string name;    // "raftkv": names the binary (faultline-raftkv), log and pidfile
  std::string binary;  // local executable to upload ("": none, the executable is there)
  std::string dir;     // on each node (absolute)
  int client_port = 0;
  // Runs the daemon under libfaketime, its clock offset read from
  // faketime_file() (nemesis/clock.cc writes it; docs/nemesis.md).
  bool faketime = false;
  // The daemon's executable on the node: a file name under dir ("" for
  // faultline-NAME) or an absolute path.
  std::string executable;
};

class DaemonDb : public Db {
 public:
  // `nodes`: name and address (host) of each node; `pool` must have them all
  // and outlive this object.
  DaemonDb(SshPool& pool, std::vector<SshTarget> nodes, DaemonDbOptions options);

  std::vector<std::string> nodes() const override;
  // Creates DIR/data (and, with faketime, a "+0" offset file if there is
  // none), then uploads the binary if there is one.
  Status setup(const std::string& node) override;
  Status start(const std::string& node) override;
  // Polls probe() every 0.1 s; on timeout the error carries the log's tail.
  Status wait_ready(const std::string& node, std::chrono::milliseconds timeout) override;
  // Whether the node serves clients now: by default PING answered PONG on
  // the client port.
  virtual Status probe(const std::string& node);
  Status stop(const std::string& node, std::chrono::milliseconds grace) override;
  Status kill(const std::string& node) override;
  Status pause(const std::string& node) override;
  Status resume(const std::string& node) override;
  Status running(const std::string& node, bool* running) override;
  std::string data_dir() const override { return options_.dir + "/data"; }
  Status wipe(const std::string& node) override;
  Status download_logs(const std::string& node, const std::string& local_dir) override;

  // The node's INFO fields, from its client port.
  Status info(const std::string& node, std::map<std::string, std::string>* fields);
  // Where clients reach the node ("" for an unknown node).
  std::string client_host(const std::string& node) const;
  int client_port() const { return options_.client_port; }
  // The daemon's command line (without the binary) for the node.
  virtual std::vector<std::string> server_args(const std::string& node) const = 0;
  const RemoteDaemon& daemon() const { return daemon_; }
  // The file holding the clock offset ("+5s") when options.faketime is set.
  std::string faketime_file() const { return options_.dir + "/faketime.rc"; }
  // From now on the data directory is mounted through faultline-diskfs
  // (`local_binary`, uploaded by setup; `durability` its --durability) for
  // disk faults: start mounts it before the server starts, stop unmounts it
  // after the server stopped.
  void use_diskfs(const std::string& local_binary, const std::string& durability);
  // The mount, when use_diskfs was called.
  const DiskfsMount* diskfs() const { return diskfs_ ? &*diskfs_ : nullptr; }

 protected:
  // The node's index in targets(), or an error naming the unknown node.
  Status index_of(const std::string& node, size_t* index) const;
  const std::vector<SshTarget>& targets() const { return nodes_; }
  // "1=host:port,2=host:port,...": every node numbered from 1, in order.
  std::string numbered_addresses(int port) const;
  // The arguments faultline-dht and faultline-paxos share: --id (the node's
  // number), --nodes (numbered_addresses(peer_port)), --client-addr, --data-dir.
  std::vector<std::string> cluster_args(const std::string& node, int peer_port) const;
  // The nodes for which `leads` (called in parallel) is true, in order: a
  // primaries() whose nodes that do not answer are not primaries.
  Status nodes_where(const std::function<bool(const std::string& node)>& leads,
                     std::vector<std::string>* out);
  SshPool& pool() { return pool_; }
  // Downloads the node's file `remote` (which may still grow: a copy is what
  // gets downloaded and checked) to `local`.
  Status download_file(const std::string& node, const std::string& remote,
                       const std::string& local);

 private:
  SshPool& pool_;
  std::vector<SshTarget> nodes_;
  DaemonDbOptions options_;
  RemoteDaemon daemon_;
  std::optional<DiskfsMount> diskfs_;
};

}  // namespace faultline
