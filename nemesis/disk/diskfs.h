// DiskFs: the I/O side of faultline-diskfs, a FUSE (libfuse3, high-level
// API) passthrough file system mounted over a node's data directory. Every
// operation is done on the backing directory (by default the mount point
// itself, opened before the mount covers it, so that unmounting leaves the
// data in place) and reported to an UnsyncedTracker, which knows what a power
// cut would take back. Faults (docs/nemesis.md, "disk"):
//   lose-unsynced  undo every change not made durable by an fsync
//   torn SEED      the same, but a random prefix of those changes survives
//   slow MS        each write, fsync and directory fsync waits MS first
//   fail SECS      writes, fsyncs and directory fsyncs fail with EIO for SECS
//   heal           ends slow and fail (SIGUSR1 does the same)
// The fs runs single-threaded; the control thread takes the same lock, so a
// lose-unsynced sees no operation half done. Losing data under a running
// process is possible but meaningless: the nemesis kills the server first.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>

#include "base/status.h"
#include "nemesis/disk/control.h"
#include "nemesis/disk/unsynced_tracker.h"

namespace faultline::diskfs {

// The name, in the backing directory's root, of the directory that holds
// unlinked files until their unlink is durable; the mount hides it.
inline constexpr const char* kTrashDir = ".faultline-diskfs-trash";

class DiskFs {
 public:
  // Opens `backing` (an existing directory) and creates the trash in it;
  // `durability` says when a name change is durable (unsynced_tracker.h).
  static Status open(const std::string& backing, Durability durability,
                     std::unique_ptr<DiskFs>* out);
  ~DiskFs();

  // Mounts at `mountpoint` and serves until unmounted or SIGTERM/SIGINT/
  // SIGHUP (then unmounts). Control commands are served on the unix socket
  // `control` meanwhile (removed on return).
  Status serve(const std::string& mountpoint, const std::string& control);

  // Runs one control command; the reply is what the control socket answers.
  nlohmann::json control(const ControlCommand& command);

  // The FUSE operations (diskfs_ops.cc) reach the fs through these.
  int root() const { return root_; }
  std::mutex& mutex() { return mutex_; }
  UnsyncedTracker& tracker() { return tracker_; }
  FaultState& faults() { return faults_; }
  // Keeps a descriptor of a file with unsynced changes, so that they can be
  // undone wherever the file has moved (dups `fd`).
  void keep_fd(FileId file, int fd);
  // Closes the kept descriptors of files that have nothing left to undo.
  void drop_clean_fds();
  // A fresh trash name for an unlinked file.
  std::string next_trash_name();
  void purge(const std::vector<std::string>& trash);

 private:
  DiskFs(int root, Durability durability) : root_(root), tracker_(durability) {}
  nlohmann::json apply(UndoPlan plan);

  int root_;
  std::mutex mutex_;
  UnsyncedTracker tracker_;
  FaultState faults_;
  std::map<FileId, int> fds_;
  uint64_t trash_seq_ = 0;
};

}  // namespace faultline::diskfs
