// A node's data directory mounted through faultline-diskfs (nemesis/disk/,
// docs/nemesis.md "disk"), for a DaemonDb whose target runs under disk
// faults: the daemon faultline-diskfs is uploaded beside the server and
// mounted over the data directory before the server starts; stopping the
// server unmounts it (the data stays in place: diskfs passes through to the
// directory it covers). The disk nemesis sends it control commands
// (control_command) over SSH.
#pragma once

#include <string>

#include "base/status.h"
#include "harness/db/remote_daemon.h"
#include "harness/ssh/ssh_pool.h"

namespace faultline {

class DiskfsMount {
 public:
  // `dir`: the Db's directory on the node; `data_dir` the directory to cover;
  // `local_binary` the faultline-diskfs to upload; `durability` its
  // --durability (strict or ext4).
  DiskfsMount(std::string dir, std::string data_dir, std::string local_binary,
              std::string durability);

  Status upload(SshPool& pool, const std::string& node) const;
  // Mounts the data directory unless diskfs already serves it (a mount left
  // by a diskfs that died is lazily unmounted first); waits until mounted.
  Status mount(SshPool& pool, const std::string& node) const;
  // Ends diskfs (SIGTERM: it unmounts) and removes any mount it left.
  Status unmount(SshPool& pool, const std::string& node) const;
  // The shell command that sends `command` ("lose-unsynced", "slow 50") to
  // the node's diskfs and prints its JSON answer.
  std::string control_command(const std::string& command) const;

 private:
  std::string data_dir_;
  std::string local_binary_;
  std::string durability_;
  std::string socket_;
  RemoteDaemon daemon_;
};

}  // namespace faultline
